"""The supported range of input values: one definition for every edge.

Every time that enters the engine from outside — REST bodies and query
parameters, signals and their pattern points, replay data and signal files,
the config file — must lie in ``[TIME_MIN, TIME_MAX)``, UTC: from 1900-01-01
up to (not including) 2200-01-01. Inside it, converting a time between any two
UTC offsets, adding a day, storing it in SQLite or as pandas nanoseconds never
overflows (Python datetimes stop at year 9999, pandas nanoseconds at
2262-04-11: ``9999-12-31T23:59:59-12:00`` parses but cannot be turned into
UTC). A time outside it is refused with ``ValidationError`` code
``time_out_of_range`` naming the field.

Prices are positive and below ``MAX_PRICE``; after rounding to the symbol's
digits a price must still be positive (``1e-320`` is not a price). Account
amounts, costs and distances have ceilings too, so that money arithmetic
(``Decimal`` to the cent, 28 significant digits) can never overflow:
``MAX_BALANCE`` (account currency), ``MAX_COMMISSION`` (per lot per side),
``MAX_PIPS`` (spreads, trailing distances), ``MAX_SLIPPAGE_PIPS`` and
``MAX_LEVERAGE``.
"""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

from engine.errors import ValidationError

TIME_MIN = datetime(1900, 1, 1, tzinfo=timezone.utc)
TIME_MAX = datetime(2200, 1, 1, tzinfo=timezone.utc)  # exclusive
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
TIME_MIN_NS = int((TIME_MIN - _EPOCH).total_seconds()) * 1_000_000_000
TIME_MAX_NS = int((TIME_MAX - _EPOCH).total_seconds()) * 1_000_000_000
TIME_RANGE_TEXT = "1900-01-01T00:00:00Z up to 2200-01-01T00:00:00Z"
TIME_OUT_OF_RANGE = "time_out_of_range"

MAX_PRICE = 1e9
MAX_BALANCE = Decimal("1e12")
MAX_COMMISSION = Decimal("1e6")
MAX_PIPS = 100_000.0
MAX_SLIPPAGE_PIPS = 1_000.0
MAX_LEVERAGE = 10_000


def time_problem(value: datetime) -> str | None:
    """Why ``value`` is outside the supported range, or None when it is inside.

    A naive ``value`` is judged as UTC (callers that refuse naive times say so
    themselves).
    """
    try:
        moment = value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)
    except OverflowError:
        return f"is outside the supported range {TIME_RANGE_TEXT} (it cannot even be converted to UTC)"
    if not TIME_MIN <= moment < TIME_MAX:
        return f"is outside the supported range {TIME_RANGE_TEXT}"
    return None


def bounded_time(value: datetime, field: str, *, naive_is_utc: bool = False) -> datetime:
    """Return ``value`` in UTC; raise ``ValidationError`` naming ``field`` when it is out of range.

    A naive ``value`` is refused (code ``naive_time``) unless ``naive_is_utc``.
    """
    if value.tzinfo is None and not naive_is_utc:
        raise ValidationError(f"{field} needs a timezone offset (e.g. Z)", field, "naive_time")
    problem = time_problem(value)
    if problem is not None:
        raise ValidationError(f"{field} {value.isoformat()} {problem}", field, TIME_OUT_OF_RANGE)
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def ns_in_range(ns: int) -> bool:
    """True when ``ns`` (UTC nanoseconds since the epoch) lies in the supported range."""
    return TIME_MIN_NS <= ns < TIME_MAX_NS
