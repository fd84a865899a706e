"""Validation of order fields; each failure raises ``OrderRejectedError`` naming the field.

Stops are checked against the *reference price*: for a market order or an
open trade the price it would close at now (bid for a buy, ask for a sell),
for a pending order its own price. A buy needs sl < reference < tp, a sell
sl > reference > tp. Pending prices: a buy limit below the ask, a buy stop
above it, a sell limit above the bid, a sell stop below it (equal is refused:
use a market order).

Messages read as prose and name the field as a trader knows it, with prices
at the symbol's digits: ``SL 2.00000 must be below the bid 1.10640 for a
buy``. The ``code`` and ``field`` of each refusal are the machine-readable
part (DESIGN's error body) and do not change with the wording.
"""

from __future__ import annotations

import math
from datetime import datetime
from decimal import Decimal, InvalidOperation

from engine.bounds import MAX_PRICE, bounded_time
from engine.errors import OrderRejectedError, ValidationError
from engine.instruments import InstrumentSpec
from engine.values import OrderType, Side

LABELS = {"sl": "SL", "tp": "TP", "price": "Price", "entry": "Entry", "lots": "Volume"}


def label(field: str) -> str:
    """The name a trader reads for ``field`` (``sl`` → ``SL``)."""
    return LABELS.get(field, field)


def reject(message: str, field: str | None, code: str) -> OrderRejectedError:
    """Build the rejection error (callers ``raise reject(...)``)."""
    return OrderRejectedError(message, field=field, code=code)


def as_lots(value: object, spec: InstrumentSpec, field: str = "lots") -> Decimal:
    """Return ``value`` as Decimal lots valid for ``spec`` (min, max, step)."""
    if isinstance(value, bool) or not isinstance(value, (Decimal, int, float, str)):
        raise reject(f"{label(field)} must be a number of lots, not {value!r}", field, "invalid_lots")
    try:
        lots = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    except InvalidOperation:
        raise reject(f"{label(field)} must be a number of lots, not {value!r}", field, "invalid_lots") from None
    if not lots.is_finite():
        raise reject(f"{label(field)} must be a finite number of lots, not {value!r}", field, "invalid_lots")
    try:
        spec.validate_lots(lots)
    except OrderRejectedError as exc:
        raise reject(exc.message, field, "invalid_lots") from None
    return lots


def price_value(value: object, spec: InstrumentSpec, field: str, code: str) -> float:
    """Return ``value`` as a positive finite price rounded to the symbol's digits (below ``MAX_PRICE``)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        raise reject(f"{label(field)} must be a price, not {value!r}", field, code)
    number = float(value)
    if not math.isfinite(number) or number <= 0:
        raise reject(f"{label(field)} must be a positive price, not {value!r}", field, code)
    if number >= MAX_PRICE:
        raise reject(f"{label(field)} {number:g} is beyond the largest supported price {MAX_PRICE:g}", field, code)
    rounded = spec.round_price(number)
    if rounded <= 0:
        raise reject(f"{label(field)} {number:g} rounds to 0 at {spec.symbol}'s {spec.digits} digits", field, code)
    return rounded


def check_stops(side: Side, reference: float, sl: float | None, tp: float | None, what: str, digits: int = 5) -> None:
    """Refuse an SL or TP on the wrong side of ``reference`` (``what`` says which price that is).

    The message: ``SL 2.00000 must be below the bid 1.10640 for a buy``.
    """

    def refuse(field: str, value: float, where: str) -> OrderRejectedError:
        return reject(
            f"{label(field)} {value:.{digits}f} must be {where} the {what} {reference:.{digits}f} for a {side.value}",
            field,
            "invalid_stops",
        )

    if side is Side.BUY:
        if sl is not None and not sl < reference:
            raise refuse("sl", sl, "below")
        if tp is not None and not tp > reference:
            raise refuse("tp", tp, "above")
    else:
        if sl is not None and not sl > reference:
            raise refuse("sl", sl, "above")
        if tp is not None and not tp < reference:
            raise refuse("tp", tp, "below")


def check_pending_price(
    side: Side, order_type: OrderType, price: float, bid: float, ask: float, digits: int = 5
) -> None:
    """Refuse a pending price on the wrong side of the market.

    The message: ``Buy limit price 1.20000 must be below the ask 1.10650``.
    """
    if side is Side.BUY:
        ok = price < ask if order_type is OrderType.LIMIT else price > ask
        where = ("below" if order_type is OrderType.LIMIT else "above") + f" the ask {ask:.{digits}f}"
    else:
        ok = price > bid if order_type is OrderType.LIMIT else price < bid
        where = ("above" if order_type is OrderType.LIMIT else "below") + f" the bid {bid:.{digits}f}"
    if not ok:
        raise reject(
            f"{side.value.capitalize()} {order_type.value} price {price:.{digits}f} must be {where}",
            "price",
            "invalid_price",
        )


def check_expiry(expires_at: object, now: datetime) -> datetime | None:
    """Return a valid expiry (UTC-aware, after ``now``) or None (``OrderRequest.validate`` checked a new order's)."""
    if expires_at is None:
        return None
    if not isinstance(expires_at, datetime) or expires_at.tzinfo is None:
        raise reject("expires_at must be a UTC-aware datetime", "expires_at", "invalid_expiry")
    try:
        expires_at = bounded_time(expires_at, "expires_at")
    except ValidationError as exc:
        raise reject(exc.message, "expires_at", exc.code) from None
    if expires_at <= now:
        raise reject(
            f"expires_at {expires_at.isoformat()} is not after {now.isoformat()}", "expires_at", "invalid_expiry"
        )
    return expires_at
