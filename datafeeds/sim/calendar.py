"""The simulated market's clock rules: weekend closure and the daily rollover.

The forex week (UTC) opens Sunday 22:00 and closes Friday 22:00; between them
the market is closed and the simulator emits no ticks. Around the daily
rollover at 22:00 UTC liquidity thins and the spread widens: the multiplier
is ``1 + (ROLLOVER_PEAK - 1) * w`` where ``w`` falls linearly from 1 at
22:00 to 0 at ``ROLLOVER_WINDOW`` before or after it.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

ROLLOVER_HOUR = 22
ROLLOVER_WINDOW = timedelta(minutes=15)
ROLLOVER_PEAK = 4.0

_FRIDAY, _SATURDAY, _SUNDAY = 4, 5, 6


def is_open(when: datetime) -> bool:
    """Return whether the market trades at ``when`` (UTC-aware)."""
    when = when.astimezone(timezone.utc)
    day, hour = when.weekday(), when.hour
    if day == _SATURDAY:
        return False
    if day == _FRIDAY:
        return hour < ROLLOVER_HOUR
    if day == _SUNDAY:
        return hour >= ROLLOVER_HOUR
    return True


def next_open(when: datetime) -> datetime:
    """Return ``when`` if the market is open, else the next Sunday 22:00 UTC."""
    when = when.astimezone(timezone.utc)
    if is_open(when):
        return when
    days_to_sunday = (_SUNDAY - when.weekday()) % 7
    sunday = (when + timedelta(days=days_to_sunday)).replace(hour=ROLLOVER_HOUR, minute=0, second=0, microsecond=0)
    return sunday


def week_close(when: datetime) -> datetime:
    """Return the Friday 22:00 UTC that ends the trading week containing ``when``."""
    when = when.astimezone(timezone.utc)
    days_to_friday = (_FRIDAY - when.weekday()) % 7
    friday = (when + timedelta(days=days_to_friday)).replace(hour=ROLLOVER_HOUR, minute=0, second=0, microsecond=0)
    if friday <= when:  # Friday after 22:00 or a closed weekend day: next week's close
        friday += timedelta(days=7)
    return friday


def rollover_factor(when: datetime) -> float:
    """Return the spread multiplier at ``when``: 1 away from 22:00 UTC, ``ROLLOVER_PEAK`` at it."""
    when = when.astimezone(timezone.utc)
    rollover = when.replace(hour=ROLLOVER_HOUR, minute=0, second=0, microsecond=0)
    distance = min(
        abs(when - rollover), abs(when - rollover + timedelta(days=1)), abs(when - rollover - timedelta(days=1))
    )
    if distance >= ROLLOVER_WINDOW:
        return 1.0
    weight = 1.0 - distance / ROLLOVER_WINDOW
    return 1.0 + (ROLLOVER_PEAK - 1.0) * weight
