"""The signals file of a replay: one order to place per row.

CSV (or Parquet) with columns ``time,symbol,side,sl,tp`` and optionally
``lots`` or ``risk_percent``, ``order_type`` (market, limit, stop; default
market), ``price`` (required for limit/stop), ``confidence`` (0..1) and
``source``. ``sl``/``tp`` may be blank (no stop, no target). A row without
``lots`` and ``risk_percent`` trades ``DEFAULT_LOTS``. Times as in price files
(ISO 8601, UTC unless an offset is given, or unix seconds). Rows need not be
sorted; they are replayed in time order (file order for equal times). Each row is
checked by the rules of every order (``engine.orders.OrderRequest.validate``: lots or
risk_percent, not both; a price for limit and stop orders only...); a row that breaks
one stops the replay with its line and field, as a malformed cell does.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

import numpy as np
import pandas as pd

from engine.errors import OrderRejectedError
from engine.instruments import SPECS
from engine.orders import OrderRequest
from engine.replay.files import FileFormatError, RowLocator, parse_times, read_table
from engine.values import OrderType, Side

DEFAULT_LOTS = Decimal("0.10")
REQUIRED = ("time", "symbol", "side", "sl", "tp")


@dataclass(frozen=True, slots=True)
class ReplaySignal:
    """One row of the signals file, validated. ``time_ns`` is UTC ns since the epoch."""

    line: int
    time_ns: int
    symbol: str
    side: Side
    sl: float | None
    tp: float | None
    lots: Decimal | None
    risk_percent: float | None
    order_type: OrderType = OrderType.MARKET
    price: float | None = None
    confidence: float | None = None
    source: str = "replay"


def _blank(value: object) -> bool:
    if value is None or value is pd.NA:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and value.strip() == ""


def _float(value: object, name: str, where: str, line: int, *, positive: bool = True) -> float | None:
    if _blank(value):
        return None
    try:
        # a float cell is taken as it is (float(str(x)) == x); other cells are parsed as text
        number = value if type(value) is float else float(str(value).strip())
    except ValueError:
        raise FileFormatError(f"{where}: {name} {str(value)!r} is not a number", field=name, line=line) from None
    if not math.isfinite(number) or (positive and number <= 0):
        raise FileFormatError(f"{where}: {name} {number} must be a positive number", field=name, line=line)
    return number


def _row(record: dict[str, object], time_ns: int, where: str, line: int) -> ReplaySignal:
    symbol = str(record["symbol"]).strip().upper() if not _blank(record["symbol"]) else ""
    if symbol not in SPECS:
        raise FileFormatError(f"{where}: unknown symbol {str(record['symbol'])!r}", field="symbol", line=line)
    side_text = "" if _blank(record["side"]) else str(record["side"]).strip().lower()
    try:
        side = Side(side_text)
    except ValueError:
        raise FileFormatError(
            f"{where}: side {str(record['side'])!r} must be buy or sell", field="side", line=line
        ) from None
    type_text = record.get("order_type")
    try:
        order_type = OrderType("market" if _blank(type_text) else str(type_text).strip().lower())
    except ValueError:
        raise FileFormatError(
            f"{where}: order_type {str(type_text)!r} must be market, limit or stop", field="order_type", line=line
        ) from None
    price = _float(record.get("price"), "price", where, line)
    lots_value = record.get("lots")
    lots = None
    if not _blank(lots_value):
        try:
            lots = Decimal(str(lots_value).strip())
        except InvalidOperation:
            raise FileFormatError(
                f"{where}: lots {str(lots_value)!r} is not a number", field="lots", line=line
            ) from None
    risk = _float(record.get("risk_percent"), "risk_percent", where, line)
    sl, tp = _float(record["sl"], "sl", where, line), _float(record["tp"], "tp", where, line)
    if lots is None and risk is None:
        lots = DEFAULT_LOTS
    try:  # the rules of every order (engine.orders): volume, a price for pending orders only...
        OrderRequest(symbol, side, order_type, lots=lots, risk_percent=risk, price=price, sl=sl, tp=tp).validate()
    except OrderRejectedError as exc:
        raise FileFormatError(f"{where}: {exc.message}", field=exc.field, line=line) from None
    confidence = _float(record.get("confidence"), "confidence", where, line, positive=False)
    if confidence is not None and not 0.0 <= confidence <= 1.0:
        raise FileFormatError(f"{where}: confidence {confidence} must be within 0..1", field="confidence", line=line)
    source = "replay" if _blank(record.get("source")) else str(record["source"]).strip()
    return ReplaySignal(
        line=line,
        time_ns=time_ns,
        symbol=symbol,
        side=side,
        sl=sl,
        tp=tp,
        lots=lots,
        risk_percent=risk,
        order_type=order_type,
        price=price,
        confidence=confidence,
        source=source,
    )


def _plain_rows(frame: pd.DataFrame, times: np.ndarray, loc: RowLocator) -> list[ReplaySignal] | None:
    """Column-wise ``_row`` for a file of only ``time,symbol,side,sl,tp`` whose every row is
    valid; None when the file has other columns or any doubtful cell (the row-by-row path then
    validates it and names the first bad line)."""
    if not set(frame.columns) <= set(REQUIRED):
        return None
    stops = {}
    for name in ("sl", "tp"):
        column = frame[name]
        if not pd.api.types.is_float_dtype(column.dtype):
            return None
        values = column.to_numpy(dtype="float64")
        blank = np.isnan(values)
        if not (blank | (np.isfinite(values) & (values > 0))).all():
            return None
        stops[name] = [None if b else v for b, v in zip(blank.tolist(), values.tolist(), strict=True)]
    symbols, sides = {}, {}
    for raw in pd.unique(frame["symbol"].to_numpy(dtype=object)):
        symbol = "" if _blank(raw) else str(raw).strip().upper()
        if symbol not in SPECS:
            return None
        symbols[raw] = symbol
    for raw in pd.unique(frame["side"].to_numpy(dtype=object)):
        try:
            sides[raw] = Side("" if _blank(raw) else str(raw).strip().lower())
        except ValueError:
            return None
    first = loc.line(0)
    return [
        ReplaySignal(
            line=first + index,
            time_ns=time_ns,
            symbol=symbols[symbol],
            side=sides[side],
            sl=sl,
            tp=tp,
            lots=DEFAULT_LOTS,
            risk_percent=None,
        )
        for index, (time_ns, symbol, side, sl, tp) in enumerate(
            zip(
                times.tolist(),
                frame["symbol"].to_numpy(dtype=object).tolist(),
                frame["side"].to_numpy(dtype=object).tolist(),
                stops["sl"],
                stops["tp"],
                strict=True,
            )
        )
    ]


def load_signals(path: str | Path) -> list[ReplaySignal]:
    """Load and validate a signals file; return its rows sorted by time (stable)."""
    frame, loc = read_table(path)
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        raise FileFormatError(
            f"{loc.path.name}: missing column(s) {', '.join(missing)} (a signals file needs {','.join(REQUIRED)})",
            field=missing[0],
            code="missing_column",
        )
    if frame.empty:
        return []
    times = parse_times(frame["time"], loc)
    signals = _plain_rows(frame, times, loc)
    if signals is not None:
        order = np.argsort(times, kind="stable")
        return [signals[i] for i in order]
    signals = []
    columns = list(frame.columns)
    # column lists zipped into records: what ``to_dict("records")`` gives, without its per-cell cost
    records = (
        dict(zip(columns, values, strict=True)) for values in zip(*(frame[c].tolist() for c in columns), strict=True)
    )
    for index, record in enumerate(records):
        signals.append(_row(record, int(times[index]), loc.where(index), loc.line(index)))
    order = np.argsort(times, kind="stable")
    return [signals[i] for i in order]
