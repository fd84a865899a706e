"""The replay's report: JSON (``{"trades", "performance", "signals"}``) or text.

Trades are serialised exactly as DESIGN's REST trade: times ISO 8601 UTC with
milliseconds, prices as numbers, money (pnl, commission, swap) as numbers
with at most two decimals. Performance figures come from
``engine.performance.compute_performance`` over the closed trades (a partial
close counts as one; ``by_source`` from each signal's ``source``), with
``Decimal`` money turned into numbers. ``signals`` lists every signal with
what became of it (executed, rejected, not_executed) and why.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import orjson

from engine.replay.runner import Outcome, ReplayResult
from engine.service_support import jsonable
from engine.values import TradeRecord, iso

TRADE_FIELDS = ("id", "symbol", "side", "order_type", "status", "lots", "requested_price",
                "entry_price", "sl", "tp", "trailing_pips", "open_time", "close_time",
                "close_price", "close_reason", "pips", "pnl", "commission", "swap", "mfe_pips",
                "mae_pips", "signal_id", "parent_id", "comment")


def trade_to_dict(trade: TradeRecord) -> dict[str, Any]:
    """The REST trade of DESIGN for ``trade``."""
    return {name: jsonable(getattr(trade, name)) for name in TRADE_FIELDS}


def performance(result: ReplayResult) -> dict[str, Any]:
    """DESIGN's performance figures over the replay's closed trades, JSON-ready."""
    from engine.performance import compute_performance

    sources = {o.signal.line: o.signal.source for o in result.outcomes}
    return jsonable(compute_performance(result.closed(), result.account.initial_balance,
                                        sources=sources))


def signal_rows(result: ReplayResult) -> list[dict[str, Any]]:
    """One entry per signal, in file order: its line, time, what became of it and why."""
    rows = []
    for outcome in sorted(result.outcomes, key=lambda o: o.signal.line):
        signal = outcome.signal
        when = datetime.fromtimestamp(signal.time_ns / 1e9, tz=timezone.utc)
        rows.append({"line": signal.line, "time": iso(when),
            "symbol": signal.symbol, "side": signal.side.value, "status": outcome.outcome.value,
            "trade_id": outcome.trade_id, "code": outcome.code, "reason": outcome.reason})
    return rows


def json_report(result: ReplayResult) -> str:
    """The JSON report: trades (every record, by id), performance and the signals' outcomes."""
    document = {
        "trades": [trade_to_dict(t) for t in result.trades.values()],
        "performance": performance(result),
        "signals": signal_rows(result),
    }
    return orjson.dumps(document, option=orjson.OPT_INDENT_2).decode()


def text_report(result: ReplayResult) -> str:
    """A readable summary: counts, the main figures and the signals that did not trade."""
    figures = performance(result)
    account = result.account
    executed = sum(o.outcome is Outcome.EXECUTED for o in result.outcomes)
    still_open = [t for t in result.trades.values() if t.status.value in ("open", "pending")]
    lines = [
        f"Replay of {result.rows:,} {result.kind} ({', '.join(result.symbols)}) "
        f"in {result.seconds:.2f} s",
        f"Signals: {len(result.outcomes)}, executed {executed}, "
        f"rejected {sum(o.outcome is Outcome.REJECTED for o in result.outcomes)}, "
        f"not executed {sum(o.outcome is Outcome.NOT_EXECUTED for o in result.outcomes)}",
        f"Balance: {account.initial_balance} -> {account.balance} {account.currency} "
        f"(equity {account.equity})",
    ]
    for key in ("total_trades", "wins", "losses", "breakeven", "win_rate", "total_pips",
                "net_profit", "gross_profit", "gross_loss", "profit_factor", "expected_payoff",
                "largest_win", "largest_loss", "max_drawdown", "max_drawdown_pct", "sharpe"):
        if key in figures:
            value = figures[key]
            shown = f"{value:.4f}".rstrip("0").rstrip(".") if isinstance(value, float) else value
            lines.append(f"  {key:<18} {shown}")
    if still_open:
        lines.append(f"{len(still_open)} trade(s) still open or pending at the end of the data "
                     "(not counted above)")
    for outcome in sorted(result.outcomes, key=lambda o: o.signal.line):
        if outcome.outcome is not Outcome.EXECUTED:
            lines.append(f"line {outcome.signal.line}: {outcome.outcome.value} "
                         f"({outcome.code}): {outcome.reason}")
    return "\n".join(lines)
