"""Broker server time ↔ UTC, and how the broker's offset is learnt.

MetaTrader stamps ticks, bars, orders and deals in the broker's *server time*
written as if it were UTC (a fill at 12:00 UTC on a GMT+2 server carries
14:00). The offset is

    offset = server_epoch − true_utc_epoch   (seconds, + east of Greenwich)

and a server time converts to UTC as ``utc = server_epoch − offset``. Brokers
use whole or half hours, so offsets are multiples of 1800 s within ±14 h.

Where the offset comes from, strongest first (``source`` says which):

- ``configured``: ``server_utc_offset_hours``; always wins;
- ``detected``: a stamp the server put on something WE just caused (the DWX
  ``_open_time`` of an execution reply, an MT5 deal). The fill happened
  between the UTC time the order left and the UTC time its answer came back,
  so the offset is the one multiple of 1800 s that puts the stamp in that
  window (± ``SKEW`` for the PC's clock). Exact, and learnt again on every fill;
- ``estimated``: a fresh stamp of the market (the newest tick, the forming M1
  bar, the bundled EA's ``_server_time``). Accepted only while the forex
  market is surely open (``surely_open``) and only when one multiple of 1800 s
  puts the stamp between ``FRESH`` seconds old and ``SKEW`` seconds ahead;
  the highest such estimate since ``reset()`` is kept (an old tick of a quiet
  symbol can only look like a smaller offset). A closed market's stamp is
  hours or days old and would give a wrong offset, so it is never used.

While nothing is known ``offset_seconds`` is 0 and ``is_known`` is false;
``possible_utc`` then gives the ±14 h window a server time may stand for.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

from engine.values import utc

log = logging.getLogger(__name__)

HALF_HOUR = 1800
MAX_OFFSET = 14 * 3600
SKEW = 120.0  # seconds the PC's clock may differ from the broker's
FRESH = 600.0  # the oldest a market stamp may be and still estimate the offset


def round_to_half_hour(seconds: float) -> int:
    """Round a number of seconds to the nearest multiple of 1800."""
    return int(round(seconds / HALF_HOUR)) * HALF_HOUR


def single_offset(low: float, high: float) -> int | None:
    """The one multiple of 1800 within ±14 h in [low, high] (seconds), or None (none, or several)."""
    first = -(-low // HALF_HOUR)  # ceil
    last = high // HALF_HOUR
    if first != last or abs(first * HALF_HOUR) > MAX_OFFSET:
        return None
    return int(first) * HALF_HOUR


def surely_open(now: datetime) -> bool:
    """True when the forex market is open for certain: Sunday 23:00 to Friday 20:00 UTC, no holiday.

    Christmas (24–26 Dec) and New Year (31 Dec–2 Jan) count as closed.
    """
    now = utc(now)
    if (now.month, now.day) in {(12, 24), (12, 25), (12, 26), (12, 31), (1, 1), (1, 2)}:
        return False
    weekday = now.weekday()  # Monday 0 … Sunday 6
    if weekday == 5:
        return False
    if weekday == 6:
        return now.hour >= 23
    if weekday == 4:
        return now.hour < 20
    return True


class ServerClock:
    """Converts broker server epochs to UTC datetimes and back; learns the offset."""

    def __init__(
        self, configured_offset_hours: float | None = None, *, market_open: Callable[[datetime], bool] = surely_open
    ) -> None:
        self._market_open = market_open
        self._configured = (
            None if configured_offset_hours is None else round_to_half_hour(configured_offset_hours * 3600)
        )
        if self._configured is not None and abs(self._configured) > MAX_OFFSET:
            raise ValueError(f"server_utc_offset_hours must be within ±14, got {configured_offset_hours}")
        self._detected: int | None = None
        self._detected_from = ""
        self._estimated: int | None = None
        self._estimated_from = ""

    # -- state ------------------------------------------------------------
    @property
    def offset_seconds(self) -> int:
        """The offset in use: configured, else detected, else estimated, else 0."""
        for value in (self._configured, self._detected, self._estimated):
            if value is not None:
                return value
        return 0

    @property
    def is_known(self) -> bool:
        """True when the offset was configured, detected or estimated (not the fallback 0)."""
        return self.source != "unknown"

    @property
    def source(self) -> str:
        """``configured``, ``detected``, ``estimated`` or ``unknown``."""
        if self._configured is not None:
            return "configured"
        if self._detected is not None:
            return "detected"
        return "estimated" if self._estimated is not None else "unknown"

    def describe(self) -> dict[str, Any]:
        """Status fields: ``server_utc_offset_hours`` (None when unknown), ``server_clock`` and how it was learnt."""
        how = {
            "configured": "server_utc_offset_hours",
            "detected": self._detected_from,
            "estimated": self._estimated_from,
            "unknown": "",
        }[self.source]
        return {
            "server_utc_offset_hours": self.offset_seconds / 3600 if self.is_known else None,
            "server_clock": self.source,
            "server_clock_from": how,
        }

    def market_open(self, now: datetime) -> bool:
        """Whether a market stamp seen at ``now`` may estimate the offset (``surely_open`` unless replaced)."""
        return self._market_open(now)

    def reset(self) -> None:
        """Forget market estimates (reconnect: the broker may have changed DST); fills stay until the next."""
        self._estimated = None
        self._estimated_from = ""

    # -- learning -----------------------------------------------------------
    def learn_from_fill(
        self, server_epoch: float, sent_at: datetime, answered_at: datetime, what: str = "a fill"
    ) -> int | None:
        """Learn from the server stamp of an order sent at ``sent_at`` and answered at ``answered_at`` (UTC).

        Return the offset, or None when no single half hour fits (the PC's clock
        is more than ``SKEW`` seconds off, or the answer took over half an hour).
        """
        candidate = fill_offset(server_epoch, sent_at, answered_at)
        if candidate is None:
            log.warning("cannot tell the broker's server time offset from %s (is the PC's clock right?)", what)
            return None
        if self._configured is None and candidate != self._detected:
            log.info("broker server time offset detected from %s: UTC%+.1f h", what, candidate / 3600)
        self._detected, self._detected_from = candidate, what
        return candidate

    def learn_exact(self, offset_seconds: float, what: str) -> int | None:
        """Take an offset the venue computed itself (server clock minus its UTC clock), rounded to 30 min."""
        candidate = round_to_half_hour(offset_seconds)
        if abs(candidate) > MAX_OFFSET:
            return None
        if self._configured is None and candidate != self._detected:
            log.info("broker server time offset detected from %s: UTC%+.1f h", what, candidate / 3600)
        self._detected, self._detected_from = candidate, what
        return candidate

    def observe(self, server_epoch: float, now: datetime | None = None, what: str = "the newest tick") -> int | None:
        """Learn from a fresh market stamp seen at ``now``; return the estimate or None if not usable."""
        now = utc(now or datetime.now(timezone.utc))
        if not self._market_open(now):
            return None
        delta = server_epoch - now.timestamp()
        candidate = single_offset(delta - SKEW, delta + FRESH)
        if candidate is None:
            return None
        if self._estimated is None or candidate > self._estimated:
            if self._configured is None and self._detected is None:
                log.info("broker server time offset estimated from %s: UTC%+.1f h", what, candidate / 3600)
            self._estimated, self._estimated_from = candidate, what
        return candidate

    # -- conversion -----------------------------------------------------------
    def to_utc(self, server_epoch: float) -> datetime:
        """Convert a server epoch (seconds, may be fractional) to an aware UTC datetime."""
        return datetime.fromtimestamp(server_epoch - self.offset_seconds, tz=timezone.utc)

    def naive_to_epoch(self, server_time: datetime) -> float:
        """A naive server wall-clock time (DWX strings) as a server epoch."""
        return server_time.replace(tzinfo=timezone.utc).timestamp()

    def to_server_epoch(self, when: datetime) -> float:
        """Convert an aware datetime to the server epoch MetaTrader expects."""
        return utc(when).timestamp() + self.offset_seconds

    def to_server_naive(self, when: datetime) -> datetime:
        """Return ``when`` as a naive datetime on the server's wall clock (for DWX ``HIST``)."""
        return (utc(when) + timedelta(seconds=self.offset_seconds)).replace(tzinfo=None)

    def possible_utc(self, server_epoch: float) -> tuple[datetime, datetime]:
        """The earliest and latest UTC time a server epoch may stand for (equal when the offset is known)."""
        if self.is_known:
            at = self.to_utc(server_epoch)
            return at, at
        return (
            datetime.fromtimestamp(server_epoch - MAX_OFFSET, tz=timezone.utc),
            datetime.fromtimestamp(server_epoch + MAX_OFFSET, tz=timezone.utc),
        )


def fill_offset(server_epoch: float, sent_at: datetime, answered_at: datetime) -> int | None:
    """The offset that puts a fill stamped ``server_epoch`` (1 s resolution) between send and answer."""
    low = server_epoch - utc(answered_at).timestamp() - SKEW
    high = server_epoch + 1 - utc(sent_at).timestamp() + SKEW
    return single_offset(low, high)
