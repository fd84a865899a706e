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
  balance before trade i (the exact quotient rounded once to a float; sample
  standard deviation), *per trade, not
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

Money values are ``Decimal`` rounded to the cent; ratios are floats. The sums
are exact: results are summed as integers (cents, or finer when a result has
more decimals) with numpy; float sums (pips) add in close order as Python's
``sum`` does.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

import numpy as np

from engine.drawdown import as_money, scaled_amounts, scaled_drawdowns
from engine.values import TradeRecord, TradeStatus, money

_ZERO = Decimal("0.00")
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _breakdown(
    keys: list[str], units: np.ndarray, scale: int, pips: np.ndarray, won: np.ndarray
) -> dict[str, dict[str, Any]]:
    """``{key: {trades, win_rate, net_profit, total_pips}}`` in key order; ``units`` are the
    results × 10**scale, ``won`` marks the wins, ``pips`` are summed in close order."""
    if not keys:
        return {}
    codes: dict[str, int] = {}
    group = np.array([codes.setdefault(key, len(codes)) for key in keys], dtype=np.intp)
    size = len(codes)
    counts = np.bincount(group, minlength=size).tolist()
    wins = np.bincount(group[won], minlength=size).tolist()
    nets = np.zeros(size, dtype=units.dtype)
    np.add.at(nets, group, units)
    # bincount adds each bin's weights in input order, as sum() over the group would
    pip_sums = np.bincount(group, weights=pips, minlength=size).tolist()
    return {
        str(name): {
            "trades": counts[i],
            "win_rate": wins[i] / counts[i],
            "net_profit": as_money(nets[i], scale),
            "total_pips": round(pip_sums[i], 1),
        }
        for name, i in sorted(codes.items())
    }


def _money_list(units: np.ndarray, scale: int) -> list[Decimal]:
    """``as_money`` of each of ``units`` (the common cents case without the call per item)."""
    if scale == 2:
        return [Decimal(u).scaleb(-2) for u in units.tolist()]
    return [as_money(u, scale) for u in units.tolist()]


def _longest_run(mask: np.ndarray) -> int:
    """Length of the longest run of True in ``mask``."""
    if not mask.any():
        return 0
    edges = np.flatnonzero(np.diff(np.concatenate(([0], mask.view(np.int8), [0]))))
    return int((edges[1::2] - edges[::2]).max())


def _sharpe(units: np.ndarray, before: np.ndarray) -> float | None:
    """Mean over sample stdev of r_i = result_i / balance before i (balances > 0 only)."""
    keep = before > 0
    if units.dtype == object:  # Python integers beyond 2**52: int / int rounds once
        returns = [u / b for u, b in zip(units[keep].tolist(), before[keep].tolist(), strict=True)]
    else:  # exact as float64, so each float quotient is correctly rounded
        returns = (units[keep].astype(np.float64) / before[keep].astype(np.float64)).tolist()
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


def compute_performance(
    closed_trades: Sequence[TradeRecord],
    initial_balance: Decimal,
    *,
    account_events: Iterable[Any] | None = None,
    sources: Mapping[int, str] | None = None,
) -> dict[str, Any]:
    """Return DESIGN's performance figures of ``closed_trades`` (see the module doc)."""
    initial = money(initial_balance)
    trades = sorted(
        (t for t in closed_trades if t.status is TradeStatus.CLOSED), key=lambda t: (t.close_time or t.open_time, t.id)
    )
    amounts, scale = scaled_amounts([initial] + [t.pnl - t.commission + t.swap for t in trades])
    start, units = amounts[0], amounts[1:]
    balances = start + np.cumsum(units) if len(units) else units
    before = np.concatenate((amounts[:1], balances))[:-1]
    won, lost = units > 0, units < 0
    total = len(trades)
    wins, losses = int(won.sum()), int(lost.sum())
    net_profit = as_money(units.sum() if total else 0, scale)
    gross_profit = as_money(units[won].sum() if wins else 0, scale)
    gross_loss = as_money(units[lost].sum() if losses else 0, scale)
    drawdowns = scaled_drawdowns(start, balances, scale)
    pips = np.array([t.pips for t in trades], dtype=np.float64)
    holding = [
        (t.close_time - t.open_time).total_seconds()
        for t in trades
        if t.close_time is not None and t.open_time is not None
    ]
    # when each trade opened (a closed trade has at least its close time)
    opened = [when for t in trades if (when := t.open_time or t.close_time) is not None]
    if account_events is not None:
        curve = _curve_from_events(account_events)
    elif trades:
        curve = [{"time": min(opened), "balance": initial, "equity": initial}]
        curve += [
            {"time": t.close_time, "balance": b, "equity": b}
            for t, b in zip(trades, _money_list(balances, scale), strict=True)
        ]
    else:
        curve = []
    src = sources or {}

    def breakdown(keys: list[str]) -> dict[str, dict[str, Any]]:
        return _breakdown(keys, units, scale, pips, won)

    return {
        "total_trades": total,
        "wins": wins,
        "losses": losses,
        "breakeven": total - wins - losses,
        "win_rate": wins / total if total else 0.0,
        "total_pips": round(sum(pips.tolist()), 1),
        "net_profit": net_profit,
        "gross_profit": gross_profit,
        "gross_loss": gross_loss,
        "profit_factor": float(gross_profit / -gross_loss) if gross_loss < 0 else None,
        "expected_payoff": money(net_profit / total) if total else _ZERO,
        "average_win": money(gross_profit / wins) if wins else _ZERO,
        "average_loss": money(gross_loss / losses) if losses else _ZERO,
        "largest_win": as_money(units[won].max(), scale) if wins else _ZERO,
        "largest_loss": as_money(units[lost].min(), scale) if losses else _ZERO,
        "max_consecutive_wins": _longest_run(won),
        "max_consecutive_losses": _longest_run(lost),
        "absolute_drawdown": drawdowns.absolute,
        "max_drawdown": drawdowns.maximal,
        "max_drawdown_pct": drawdowns.relative_pct,
        "recovery_factor": float(net_profit / drawdowns.maximal) if drawdowns.maximal > 0 else None,
        "sharpe": _sharpe(units, before),
        "average_holding_seconds": statistics.fmean(holding) if holding else 0.0,
        "equity_curve": curve,
        "by_symbol": breakdown([t.symbol for t in trades]),
        "by_side": breakdown([t.side.value for t in trades]),
        "by_source": breakdown(["manual" if t.signal_id is None else src.get(t.signal_id, "signal") for t in trades]),
        "by_hour": breakdown([f"{when.hour:02d}" for when in opened]),
        "by_weekday": breakdown([_WEEKDAYS[when.weekday()] for when in opened]),
    }
