"""Validation of order fields; each failure raises ``OrderRejectedError`` naming the field.

Stops are checked against the *reference price*: for a market order or an
open trade the price it would close at now (bid for a buy, ask for a sell),
for a pending order its own price. A buy needs sl < reference < tp, a sell
sl > reference > tp. Pending prices: a buy limit below the ask, a buy stop
above it, a sell limit above the bid, a sell stop below it (equal is refused:
use a market order).
"""

from __future__ import annotations

import math
from datetime import datetime
from decimal import Decimal, InvalidOperation

from engine.bounds import MAX_PRICE, bounded_time
from engine.errors import OrderRejectedError, ValidationError
from engine.instruments import InstrumentSpec
from engine.values import OrderType, Side


def reject(message: str, field: str | None, code: str) -> OrderRejectedError:
    """Build the rejection error (callers ``raise reject(...)``)."""
    return OrderRejectedError(message, field=field, code=code)


def as_lots(value: object, spec: InstrumentSpec, field: str = "lots") -> Decimal:
    """Return ``value`` as Decimal lots valid for ``spec`` (min, max, step)."""
    if isinstance(value, bool) or not isinstance(value, (Decimal, int, float, str)):
        raise reject(f"{field} must be a number, got {value!r}", field, "invalid_lots")
    try:
        lots = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    except InvalidOperation:
        raise reject(f"{field} must be a number, got {value!r}", field, "invalid_lots") from None
    if not lots.is_finite():
        raise reject(f"{field} must be finite, got {value!r}", field, "invalid_lots")
    try:
        spec.validate_lots(lots)
    except OrderRejectedError as exc:
        raise reject(exc.message, field, "invalid_lots") from None
    return lots


def price_value(value: object, spec: InstrumentSpec, field: str, code: str) -> float:
    """Return ``value`` as a positive finite price rounded to the symbol's digits (below ``MAX_PRICE``)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        raise reject(f"{field} must be a number, got {value!r}", field, code)
    number = float(value)
    if not math.isfinite(number) or number <= 0 or number >= MAX_PRICE:
        raise reject(f"{field} must be a positive finite price below {MAX_PRICE:g}, got {value!r}", field, code)
    rounded = spec.round_price(number)
    if rounded <= 0:
        raise reject(f"{field} {number:g} rounds to 0 at {spec.symbol}'s {spec.digits} digits", field, code)
    return rounded


def check_stops(side: Side, reference: float, sl: float | None, tp: float | None,
                what: str) -> None:
    """Refuse an SL or TP on the wrong side of ``reference`` (``what`` says which price that is)."""
    if side is Side.BUY:
        if sl is not None and not sl < reference:
            raise reject(f"sl {sl} of a buy must be below the {what} {reference}", "sl", "invalid_stops")
        if tp is not None and not tp > reference:
            raise reject(f"tp {tp} of a buy must be above the {what} {reference}", "tp", "invalid_stops")
    else:
        if sl is not None and not sl > reference:
            raise reject(f"sl {sl} of a sell must be above the {what} {reference}", "sl", "invalid_stops")
        if tp is not None and not tp < reference:
            raise reject(f"tp {tp} of a sell must be below the {what} {reference}", "tp", "invalid_stops")


def check_pending_price(side: Side, order_type: OrderType, price: float,
                        bid: float, ask: float) -> None:
    """Refuse a pending price on the wrong side of the market."""
    if side is Side.BUY:
        ok = price < ask if order_type is OrderType.LIMIT else price > ask
        where = ("below" if order_type is OrderType.LIMIT else "above") + f" the ask {ask}"
    else:
        ok = price > bid if order_type is OrderType.LIMIT else price < bid
        where = ("above" if order_type is OrderType.LIMIT else "below") + f" the bid {bid}"
    if not ok:
        raise reject(f"a {side.value} {order_type.value} price must be {where}, got {price}",
                     "price", "invalid_price")


def check_trailing(pips: object) -> float | None:
    """Return a valid trailing distance in pips (> 0) or None."""
    if pips is None:
        return None
    if isinstance(pips, bool) or not isinstance(pips, (int, float)) or not math.isfinite(pips) or pips <= 0:
        raise reject(f"trailing_pips must be a positive number of pips, got {pips!r}",
                     "trailing_pips", "invalid_stops")
    return float(pips)


def check_expiry(expires_at: object, now: datetime) -> datetime | None:
    """Return a valid expiry (UTC-aware, after ``now``) or None."""
    if expires_at is None:
        return None
    if not isinstance(expires_at, datetime) or expires_at.tzinfo is None:
        raise reject("expires_at must be a UTC-aware datetime", "expires_at", "invalid_expiry")
    try:
        expires_at = bounded_time(expires_at, "expires_at")
    except ValidationError as exc:
        raise reject(exc.message, "expires_at", exc.code) from None
    if expires_at <= now:
        raise reject(f"expires_at {expires_at.isoformat()} is not after {now.isoformat()}",
                     "expires_at", "invalid_expiry")
    return expires_at
