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

import numpy as np
import orjson

from engine.replay.collector import collector_paused
from engine.replay.results import Outcome, ReplayResult
from engine.trade_schema import View, to_json
from engine.values import TradeRecord, iso
from engine.wire import json_default, jsonable

# Below 2**32 s the float seconds of a whole millisecond round back to it exactly.
_FLOAT_EXACT_NS = 2**32 * 1_000_000_000


def trade_to_dict(trade: TradeRecord) -> dict[str, Any]:
    """DESIGN's trade for ``trade``: ``engine.trade_schema``'s ``DESIGN`` view, in the wire format."""
    return to_json(trade, View.DESIGN)


def figures(result: ReplayResult) -> dict[str, Any]:
    """DESIGN's performance figures over the replay's closed trades (``Decimal`` money)."""
    from engine.performance import compute_performance

    sources = {o.signal.line: o.signal.source for o in result.outcomes}
    return compute_performance(result.closed(), result.account.initial_balance, sources=sources)


def performance(result: ReplayResult) -> dict[str, Any]:
    """DESIGN's performance figures over the replay's closed trades, JSON-ready."""
    plain: dict[str, Any] = jsonable(figures(result))
    return plain


def signal_rows(result: ReplayResult) -> list[dict[str, Any]]:
    """One entry per signal, in file order: its line, time, what became of it and why."""
    outcomes = sorted(result.outcomes, key=lambda o: o.signal.line)
    times = _signal_times([o.signal.time_ns for o in outcomes])
    return [
        {
            "line": o.signal.line,
            "time": when,
            "symbol": o.signal.symbol,
            "side": o.signal.side.value,
            "status": o.outcome.value,
            "trade_id": o.trade_id,
            "code": o.code,
            "reason": o.reason,
        }
        for o, when in zip(outcomes, times, strict=True)
    ]


def _signal_times(times_ns: list[int]) -> list[str]:
    """ISO text (``engine.values.iso``) of each time in ns since the epoch.

    Whole milliseconds from 1970 to 2106 (every time of a signals file in seconds or ms),
    where the float seconds ``datetime.fromtimestamp`` takes are exact to the microsecond,
    are formatted by numpy at once; others one by one through ``fromtimestamp``, as before.
    """
    stamps = np.array(times_ns, dtype=np.int64)
    if stamps.size and (stamps >= 0).all() and (stamps < _FLOAT_EXACT_NS).all() and not (stamps % 1_000_000).any():
        text = np.datetime_as_string(stamps.astype("datetime64[ns]").astype("datetime64[ms]"), unit="ms")
        return [f"{t}Z" for t in text.tolist()]
    return [iso(datetime.fromtimestamp(ns / 1e9, tz=timezone.utc)) for ns in times_ns]


def json_report(result: ReplayResult) -> str:
    """The JSON report: trades (every record, by id), performance and the signals' outcomes."""
    with collector_paused():
        return _json_report(result)


def _json_report(result: ReplayResult) -> str:
    document = {
        "trades": [trade_to_dict(t) for t in result.trades.values()],
        "performance": figures(result),
        "signals": signal_rows(result),
    }
    # datetimes go through json_default too, for the wire's ISO format
    return orjson.dumps(
        document, default=json_default, option=orjson.OPT_INDENT_2 | orjson.OPT_PASSTHROUGH_DATETIME
    ).decode()


def text_report(result: ReplayResult) -> str:
    """A readable summary: counts, the main figures and the signals that did not trade."""
    figures = performance(result)
    account = result.account
    executed = sum(o.outcome is Outcome.EXECUTED for o in result.outcomes)
    still_open = [t for t in result.trades.values() if t.status.value in ("open", "pending")]
    lines = [
        f"Replay of {result.rows:,} {result.kind} ({', '.join(result.symbols)}) in {result.seconds:.2f} s",
        (
            f"Signals: {len(result.outcomes)}, executed {executed}, "
            f"rejected {sum(o.outcome is Outcome.REJECTED for o in result.outcomes)}, "
            f"not executed {sum(o.outcome is Outcome.NOT_EXECUTED for o in result.outcomes)}"
        ),
        f"Balance: {account.initial_balance} -> {account.balance} {account.currency} (equity {account.equity})",
    ]
    for key in (
        "total_trades",
        "wins",
        "losses",
        "breakeven",
        "win_rate",
        "total_pips",
        "net_profit",
        "gross_profit",
        "gross_loss",
        "profit_factor",
        "expected_payoff",
        "largest_win",
        "largest_loss",
        "max_drawdown",
        "max_drawdown_pct",
        "sharpe",
    ):
        if key in figures:
            value = figures[key]
            shown = f"{value:.4f}".rstrip("0").rstrip(".") if isinstance(value, float) else value
            lines.append(f"  {key:<18} {shown}")
    if still_open:
        lines.append(f"{len(still_open)} trade(s) still open or pending at the end of the data (not counted above)")
    for outcome in sorted(result.outcomes, key=lambda o: o.signal.line):
        if outcome.outcome is not Outcome.EXECUTED:
            lines.append(f"line {outcome.signal.line}: {outcome.outcome.value} ({outcome.code}): {outcome.reason}")
    return "\n".join(lines)
