"""Broker server time → UTC.

MetaTrader stamps ticks, bars and deals in the broker's *server time*
written as if it were UTC (a tick at 12:00 UTC on a GMT+2 server carries the
epoch of 14:00 UTC). The offset is

    offset = server_epoch − true_utc_epoch   (seconds, + east of Greenwich)

and a server time converts to UTC as ``utc = server_epoch − offset``.

Detection compares the freshest tick time with the UTC clock and rounds the
difference to the half hour (brokers use whole or half hours; the
remainder is the tick's age). A tick from a closed market is hours or days
old, which only *lowers* the estimate, so the clock keeps the highest
plausible estimate seen since the last ``reset()`` (offsets beyond ±14 h
are ignored). A configured offset always wins.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

from engine.values import utc

log = logging.getLogger(__name__)

HALF_HOUR = 1800
MAX_OFFSET = 14 * 3600


def round_to_half_hour(seconds: float) -> int:
    """Round a number of seconds to the nearest multiple of 1800."""
    return int(round(seconds / HALF_HOUR)) * HALF_HOUR


class ServerClock:
    """Converts broker server epochs to UTC datetimes and back."""

    def __init__(self, configured_offset_hours: float | None = None) -> None:
        self._configured = (None if configured_offset_hours is None
                            else round_to_half_hour(configured_offset_hours * 3600))
        if self._configured is not None and abs(self._configured) > MAX_OFFSET:
            raise ValueError(
                f"server_utc_offset_hours must be within ±14, got {configured_offset_hours}")
        self._detected: int | None = None

    @property
    def offset_seconds(self) -> int:
        """The offset in use: configured, else detected, else 0."""
        if self._configured is not None:
            return self._configured
        return self._detected if self._detected is not None else 0

    @property
    def is_known(self) -> bool:
        """True when the offset was configured or detected (not the fallback 0)."""
        return self._configured is not None or self._detected is not None

    def reset(self) -> None:
        """Forget detection (call on reconnect: the broker may have changed DST)."""
        self._detected = None

    def observe(self, server_epoch: float, now: datetime | None = None) -> int | None:
        """Feed one server-time stamp seen *now*; return the new estimate or None if implausible."""
        now_epoch = utc(now or datetime.now(timezone.utc)).timestamp()
        candidate = round_to_half_hour(server_epoch - now_epoch)
        if abs(candidate) > MAX_OFFSET:
            return None
        if self._detected is None or candidate > self._detected:
            if self._configured is None and self._detected != candidate:
                log.info("broker server time offset detected: UTC%+.1f h", candidate / 3600)
            self._detected = candidate
        return candidate

    def to_utc(self, server_epoch: float) -> datetime:
        """Convert a server epoch (seconds, may be fractional) to an aware UTC datetime."""
        return datetime.fromtimestamp(server_epoch - self.offset_seconds, tz=timezone.utc)

    def to_server_epoch(self, when: datetime) -> float:
        """Convert an aware datetime to the server epoch MetaTrader expects."""
        return utc(when).timestamp() + self.offset_seconds

    def to_server_naive(self, when: datetime) -> datetime:
        """Return ``when`` as a naive datetime on the server's wall clock (for DWX ``HIST``)."""
        return (utc(when) + timedelta(seconds=self.offset_seconds)).replace(tzinfo=None)
