"""DESIGN's performance figures of a trade journal.

``compute_performance`` is pure: it takes closed trade records and the
initial balance and returns a dict with exactly DESIGN's keys. Definitions:

- a *trade* is a record with status ``closed`` (a partial close is one trade;
  cancelled or expired orders are not trades); its *result* is net:
  pnl − commission + swap. win: result > 0, loss: < 0, breakeven: = 0;
- trades are ordered by close time (then id); the *balance curve* starts at the
  initial balance and adds each result in that order;
- ``win_rate`` = wins / total_trades (0..1; 0.0 without trades);
- ``total_pips`` = Σ pips; ``net_profit`` = Σ results; ``gross_profit`` = Σ
  winning results; ``gross_loss`` = Σ losing results (≤ 0, as MetaTrader);
- ``profit_factor`` = gross_profit / |gross_loss| (None when there is no loss);
- ``expected_payoff`` = net_profit / total_trades; ``average_win`` =
  gross_profit / wins; ``average_loss`` = gross_loss / losses (≤ 0);
  ``largest_win`` / ``largest_loss`` = best winning / worst losing result
  (0 when none);
- ``max_consecutive_wins`` / ``_losses``: longest run of wins / losses in
  close order (a breakeven trade ends both runs);
- drawdowns on the balance curve, MetaTrader's definitions (engine/drawdown.py):
  ``absolute_drawdown`` = initial − lowest balance below it; ``max_drawdown``
  = largest fall from a high to a later low, in money; ``max_drawdown_pct`` =
  MetaTrader's *relative* drawdown: the largest such fall as % of its high
  (it may be a different fall from the largest in money);
- ``recovery_factor`` = net_profit / max_drawdown (None when no drawdown);
- ``sharpe`` = mean(r) / stdev(r) over per-trade returns r_i = result_i /
  balance before trade i (sample standard deviation), *per trade, not
  annualised*, risk-free rate 0; None with fewer than 2 trades or zero spread;
- ``average_holding_seconds`` = mean of close_time − open_time (0.0 without trades);
- ``equity_curve`` = ``[{time, balance, equity}]``: the initial balance at
  the first trade's open time, then one point per closed trade at its close
  time with equity = balance. When ``account_events`` (snapshots of a live
  account: ``(time, AccountSnapshot)`` or objects with ``time``, ``balance`` and
  ``equity``) are given, the curve is those samples instead, in time order;
- ``by_symbol``, ``by_side`` (buy/sell), ``by_source``, ``by_hour`` ("00".."23",
  UTC hour of the open), ``by_weekday`` ("Monday".."Sunday", UTC day of the
  open): each a map to ``{trades, win_rate, net_profit, total_pips}``. The
  source of a trade is ``sources[signal_id]`` when that mapping (signal id →
  signal source/model name) knows it, ``"manual"`` when the trade has no
  signal, else ``"signal"``.

Money values are ``Decimal`` rounded to the cent; ratios are floats.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from engine.drawdown import balance_drawdowns
from engine.values import TradeRecord, TradeStatus, money

_ZERO = Decimal("0.00")
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _group(trades: Iterable[tuple[TradeRecord, Decimal]]) -> dict[str, Any]:
    trades = list(trades)
    wins = sum(1 for _, net in trades if net > 0)
    return {"trades": len(trades),
            "win_rate": wins / len(trades) if trades else 0.0,
            "net_profit": money(sum((net for _, net in trades), _ZERO)),
            "total_pips": round(sum(t.pips for t, _ in trades), 1)}


def _breakdown(results: list[tuple[TradeRecord, Decimal]], key) -> dict[str, dict[str, Any]]:
    groups: dict[str, list[tuple[TradeRecord, Decimal]]] = {}
    for item in results:
        groups.setdefault(key(item[0]), []).append(item)
    return {name: _group(items) for name, items in sorted(groups.items())}


def _streaks(results: Sequence[Decimal]) -> tuple[int, int]:
    best_wins = best_losses = wins = losses = 0
    for net in results:
        wins = wins + 1 if net > 0 else 0
        losses = losses + 1 if net < 0 else 0
        best_wins, best_losses = max(best_wins, wins), max(best_losses, losses)
    return best_wins, best_losses


def _sharpe(results: Sequence[Decimal], balances_before: Sequence[Decimal]) -> float | None:
    returns = [float(net / before) for net, before in zip(results, balances_before) if before > 0]
    if len(returns) < 2:
        return None
    spread = statistics.stdev(returns)
    return statistics.fmean(returns) / spread if spread > 0 else None


def _curve_from_events(events: Iterable[Any]) -> list[dict[str, Any]]:
    points = []
    for event in events:
        if isinstance(event, tuple):
            when, snapshot = event
        else:
            when, snapshot = event.time, event
        points.append({"time": when, "balance": money(snapshot.balance), "equity": money(snapshot.equity)})
    points.sort(key=lambda p: p["time"])
    return points


def compute_performance(closed_trades: Sequence[TradeRecord], initial_balance: Decimal, *,
                        account_events: Iterable[Any] | None = None,
                        sources: Mapping[int, str] | None = None) -> dict[str, Any]:
    """Return DESIGN's performance figures of ``closed_trades`` (see the module doc)."""
    initial = money(initial_balance)
    trades = sorted((t for t in closed_trades if t.status is TradeStatus.CLOSED),
                    key=lambda t: (t.close_time or t.open_time, t.id))
    results = [(t, t.net) for t in trades]
    nets = [net for _, net in results]
    balances, before, balance = [], [], initial
    for net in nets:
        before.append(balance)
        balance += net
        balances.append(balance)
    total = len(trades)
    wins = [n for n in nets if n > 0]
    losses = [n for n in nets if n < 0]
    net_profit = money(sum(nets, _ZERO))
    gross_profit = money(sum(wins, _ZERO))
    gross_loss = money(sum(losses, _ZERO))
    drawdowns = balance_drawdowns(initial, balances)
    streak_wins, streak_losses = _streaks(nets)
    holding = [(t.close_time - t.open_time).total_seconds() for t in trades
               if t.close_time is not None and t.open_time is not None]
    if account_events is not None:
        curve = _curve_from_events(account_events)
    elif trades:
        start = min((t.open_time or t.close_time) for t in trades)
        curve = [{"time": start, "balance": initial, "equity": initial}]
        curve += [{"time": t.close_time, "balance": money(b), "equity": money(b)}
                  for t, b in zip(trades, balances)]
    else:
        curve = []
    src = sources or {}

    def source_of(trade: TradeRecord) -> str:
        if trade.signal_id is None:
            return "manual"
        return src.get(trade.signal_id, "signal")

    def opened(trade: TradeRecord):
        return trade.open_time or trade.close_time

    return {
        "total_trades": total,
        "wins": len(wins),
        "losses": len(losses),
        "breakeven": total - len(wins) - len(losses),
        "win_rate": len(wins) / total if total else 0.0,
        "total_pips": round(sum(t.pips for t in trades), 1),
        "net_profit": net_profit,
        "gross_profit": gross_profit,
        "gross_loss": gross_loss,
        "profit_factor": float(gross_profit / -gross_loss) if gross_loss < 0 else None,
        "expected_payoff": money(net_profit / total) if total else _ZERO,
        "average_win": money(gross_profit / len(wins)) if wins else _ZERO,
        "average_loss": money(gross_loss / len(losses)) if losses else _ZERO,
        "largest_win": money(max(wins)) if wins else _ZERO,
        "largest_loss": money(min(losses)) if losses else _ZERO,
        "max_consecutive_wins": streak_wins,
        "max_consecutive_losses": streak_losses,
        "absolute_drawdown": drawdowns.absolute,
        "max_drawdown": drawdowns.maximal,
        "max_drawdown_pct": drawdowns.relative_pct,
        "recovery_factor": float(net_profit / drawdowns.maximal) if drawdowns.maximal > 0 else None,
        "sharpe": _sharpe(nets, before),
        "average_holding_seconds": statistics.fmean(holding) if holding else 0.0,
        "equity_curve": curve,
        "by_symbol": _breakdown(results, lambda t: t.symbol),
        "by_side": _breakdown(results, lambda t: t.side.value),
        "by_source": _breakdown(results, source_of),
        "by_hour": _breakdown(results, lambda t: f"{opened(t).hour:02d}"),
        "by_weekday": _breakdown(results, lambda t: _WEEKDAYS[opened(t).weekday()]),
    }
