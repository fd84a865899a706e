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
from decimal import Decimal
from enum import Enum
from typing import Any, overload

import numpy as np
import orjson

from engine.replay.collector import collector_paused
from engine.replay.results import Outcome, ReplayResult
from engine.values import TradeRecord, iso

TRADE_FIELDS = (
    "id",
    "symbol",
    "side",
    "order_type",
    "status",
    "lots",
    "requested_price",
    "entry_price",
    "sl",
    "tp",
    "trailing_pips",
    "open_time",
    "close_time",
    "close_price",
    "close_reason",
    "pips",
    "pnl",
    "commission",
    "swap",
    "mfe_pips",
    "mae_pips",
    "signal_id",
    "parent_id",
    "comment",
)


# Below 2**32 s the float seconds of a whole millisecond round back to it exactly.
_FLOAT_EXACT_NS = 2**32 * 1_000_000_000


@overload
def _iso(value: datetime) -> str: ...
@overload
def _iso(value: datetime | None) -> str | None: ...
def _iso(value: datetime | None) -> str | None:
    """``engine.values.iso`` with a fast path for UTC times of four-digit years (the same text)."""
    if value is not None and value.tzinfo is timezone.utc and value.year >= 1000:
        return "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ" % (  # noqa: UP031  (the measured fast path)
            value.year,
            value.month,
            value.day,
            value.hour,
            value.minute,
            value.second,
            value.microsecond // 1000,
        )
    return iso(value)


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def trade_to_dict(trade: TradeRecord) -> dict[str, Any]:
    """The REST trade of DESIGN for ``trade`` (``TRADE_FIELDS``; what ``jsonable`` gives for each
    field: enums as their value (``_value_``, the member's value without the property
    look-up), ``Decimal`` as a number, times as ISO text)."""
    reason = trade.close_reason
    return {
        "id": trade.id,
        "symbol": trade.symbol,
        "side": trade.side._value_,
        "order_type": trade.order_type._value_,
        "status": trade.status._value_,
        "lots": _number(trade.lots),
        "requested_price": trade.requested_price,
        "entry_price": trade.entry_price,
        "sl": trade.sl,
        "tp": trade.tp,
        "trailing_pips": trade.trailing_pips,
        "open_time": _iso(trade.open_time),
        "close_time": _iso(trade.close_time),
        "close_price": trade.close_price,
        "close_reason": None if reason is None else reason._value_,
        "pips": trade.pips,
        "pnl": _number(trade.pnl),
        "commission": _number(trade.commission),
        "swap": _number(trade.swap),
        "mfe_pips": trade.mfe_pips,
        "mae_pips": trade.mae_pips,
        "signal_id": trade.signal_id,
        "parent_id": trade.parent_id,
        "comment": trade.comment,
    }


def figures(result: ReplayResult) -> dict[str, Any]:
    """DESIGN's performance figures over the replay's closed trades (``Decimal`` money)."""
    from engine.performance import compute_performance

    sources = {o.signal.line: o.signal.source for o in result.outcomes}
    return compute_performance(result.closed(), result.account.initial_balance, sources=sources)


def performance(result: ReplayResult) -> dict[str, Any]:
    """DESIGN's performance figures over the replay's closed trades, JSON-ready."""
    plain: dict[str, Any] = _plain(figures(result))
    return plain


def _json_default(value: Any) -> Any:
    """What orjson cannot write itself, as ``_plain`` turns it: Decimal → number, time → ISO."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime):
        return _iso(value)
    if isinstance(value, Enum):
        return value.value
    raise TypeError(f"cannot write {type(value).__name__} to JSON")


def _plain(value: object) -> Any:
    """``engine.service_support.jsonable`` (Decimal → number, time → ISO text, enum → value,
    containers recursively) with the fast ISO formatting of ``_iso``."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime):
        return _iso(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {str(k.value if isinstance(k, Enum) else k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


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
    """ISO text (``_iso``) of each time in ns since the epoch.

    Whole milliseconds from 1970 to 2106 (every time of a signals file in seconds or ms),
    where the float seconds ``datetime.fromtimestamp`` takes are exact to the microsecond,
    are formatted by numpy at once; others one by one through ``fromtimestamp``, as before.
    """
    stamps = np.array(times_ns, dtype=np.int64)
    if stamps.size and (stamps >= 0).all() and (stamps < _FLOAT_EXACT_NS).all() and not (stamps % 1_000_000).any():
        text = np.datetime_as_string(stamps.astype("datetime64[ns]").astype("datetime64[ms]"), unit="ms")
        return [f"{t}Z" for t in text.tolist()]
    return [_iso(datetime.fromtimestamp(ns / 1e9, tz=timezone.utc)) for ns in times_ns]


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
    # datetimes go through _json_default too, for the report's own ISO format
    return orjson.dumps(
        document, default=_json_default, option=orjson.OPT_INDENT_2 | orjson.OPT_PASSTHROUGH_DATETIME
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
