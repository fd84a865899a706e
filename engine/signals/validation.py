"""Validate a ``Signal`` on arrival.

Rules (each failure raises ``engine.errors.ValidationError`` naming the field):
- ``symbol`` is a known instrument (normalised to upper case);
- ``entry``, ``sl`` and ``tp`` are finite positive numbers below
  ``engine.bounds.MAX_PRICE``, still positive once rounded to the symbol's digits;
- a buy has ``sl < entry < tp``; a sell has ``tp < entry < sl``;
- ``confidence`` is a finite number in 0..1;
- ``created_at``, ``expires_at`` and the pattern points' times are
  timezone-aware and inside ``engine.bounds``' supported range, and
  ``expires_at`` is after ``created_at``;
- ``source`` is a non-empty name of at most 64 characters.

Reward:risk is ``Signal.rr = |tp - entry| / |entry - sl|`` (always > 0 after validation).
"""

from __future__ import annotations

import dataclasses
import math
from datetime import datetime
from typing import Any

from engine.bounds import MAX_PRICE, bounded_time
from engine.errors import ValidationError
from engine.instruments import SPECS
from engine.values import PatternPoint, Side, Signal, SignalStatus, Timeframe

MAX_SOURCE_LENGTH = 64


def _price(value: Any, name: str, digits: int) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValidationError(f"{name} must be a number, got {value!r}", field=name, code="invalid_price")
    value = float(value)
    if not math.isfinite(value) or value >= MAX_PRICE:
        raise ValidationError(
            f"{name} must be a finite number below {MAX_PRICE:g}, got {value!r}", field=name, code="invalid_price"
        )
    if value <= 0:
        raise ValidationError(f"{name} must be positive, got {value}", field=name, code="invalid_price")
    rounded: float = round(value, digits)
    if rounded <= 0:
        raise ValidationError(
            f"{name} {value:g} rounds to 0 at the symbol's {digits} digits", field=name, code="invalid_price"
        )
    return rounded


def _time(value: Any, name: str) -> datetime:
    if not isinstance(value, datetime):
        raise ValidationError(f"{name} must be a datetime, got {value!r}", field=name, code="invalid_time")
    if value.tzinfo is None:
        raise ValidationError(f"{name} must carry a timezone (UTC)", field=name, code="invalid_time")
    return bounded_time(value, name)


def validate_signal(signal: Signal) -> Signal:
    """Return ``signal`` normalised (symbol upper case, prices rounded, times UTC).

    Raise ``ValidationError`` (with ``field`` and ``code``) on the first rule broken.
    """
    symbol = signal.symbol.upper() if isinstance(signal.symbol, str) else signal.symbol
    spec = SPECS.get(symbol) if isinstance(symbol, str) else None
    if spec is None:
        raise ValidationError(f"unknown symbol {signal.symbol!r}", field="symbol", code="unknown_symbol")
    try:
        side = Side(signal.side)
    except ValueError:
        raise ValidationError(
            f"side must be buy or sell, got {signal.side!r}", field="side", code="invalid_side"
        ) from None
    entry = _price(signal.entry, "entry", spec.digits)
    sl = _price(signal.sl, "sl", spec.digits)
    tp = _price(signal.tp, "tp", spec.digits)
    if side is Side.BUY:
        if not sl < entry:
            raise ValidationError(f"sl {sl} must be below entry {entry} for a buy", field="sl", code="invalid_stops")
        if not tp > entry:
            raise ValidationError(f"tp {tp} must be above entry {entry} for a buy", field="tp", code="invalid_stops")
    else:
        if not sl > entry:
            raise ValidationError(f"sl {sl} must be above entry {entry} for a sell", field="sl", code="invalid_stops")
        if not tp < entry:
            raise ValidationError(f"tp {tp} must be below entry {entry} for a sell", field="tp", code="invalid_stops")
    conf = signal.confidence
    if (
        isinstance(conf, bool)
        or not isinstance(conf, (int, float))
        or not math.isfinite(conf)
        or not 0.0 <= conf <= 1.0
    ):
        raise ValidationError(
            f"confidence must be a number in 0..1, got {conf!r}", field="confidence", code="invalid_confidence"
        )
    created = _time(signal.created_at, "created_at")
    expires = _time(signal.expires_at, "expires_at")
    if expires <= created:
        raise ValidationError(
            f"expires_at {expires.isoformat()} must be after created_at {created.isoformat()}",
            field="expires_at",
            code="invalid_expiry",
        )
    source = signal.source
    if not isinstance(source, str) or not source.strip() or len(source) > MAX_SOURCE_LENGTH:
        raise ValidationError(
            f"source must be a name of 1..{MAX_SOURCE_LENGTH} characters", field="source", code="invalid_source"
        )
    timeframe = signal.timeframe
    if timeframe is not None:
        try:
            timeframe = Timeframe(timeframe)
        except ValueError:
            raise ValidationError(
                f"unknown timeframe {timeframe!r}", field="timeframe", code="invalid_timeframe"
            ) from None
    pattern = _pattern(signal.pattern)
    return dataclasses.replace(
        signal,
        symbol=symbol,
        side=side,
        entry=entry,
        sl=sl,
        tp=tp,
        confidence=float(conf),
        source=source.strip(),
        timeframe=timeframe,
        created_at=created,
        expires_at=expires,
        pattern=pattern,
        status=SignalStatus(signal.status),
    )


def _pattern(pattern: Any) -> dict[str, Any] | None:
    """Check the chart pattern: ``{"name": str, "points": [PatternPoint | {label, time, price}]}``."""
    if pattern is None:
        return None
    if not isinstance(pattern, dict) or not isinstance(pattern.get("name"), str):
        raise ValidationError("pattern must be {name, points}", field="pattern", code="invalid_pattern")
    points = []
    for i, point in enumerate(pattern.get("points") or ()):
        if isinstance(point, dict):
            try:
                point = PatternPoint(str(point["label"]), point["time"], float(point["price"]))
            except (KeyError, TypeError, ValueError):
                raise ValidationError(
                    f"pattern point {i} needs label, time, price", field=f"pattern.points[{i}]", code="invalid_pattern"
                ) from None
        if (
            not isinstance(point, PatternPoint)
            or not isinstance(point.time, datetime)
            or point.time.tzinfo is None
            or not math.isfinite(point.price)
        ):
            raise ValidationError(
                f"pattern point {i} is not a valid point with a UTC time",
                field=f"pattern.points[{i}]",
                code="invalid_pattern",
            )
        bounded_time(point.time, f"pattern.points.{i}.time")
        points.append(point)
    return {**pattern, "points": points}
