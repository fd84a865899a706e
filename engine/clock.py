"""The engine's one market clock: what time it is for every part of the terminal.

Two modes, chosen by the composition root from the feed (DESIGN's ``--speed``;
an engine built without one, as in tests and replays, runs on market time):

- **wall** (live providers, MetaTrader, the simulator at speed 1, which
  "follows the wall clock"): ``now()`` is the wall clock (UTC).
- **market** (the simulator at any other speed, file replay): ``now()`` is the
  time of the latest quote the engine accepted. It never moves backwards (a
  quote older than the clock leaves it where it is) and it does not run
  between quotes. Before the first quote it reads the ``origin`` the feed
  announced (e.g. the simulator's start), else the wall clock.

Every reader of time asks this clock: price staleness (``GET price/realtime/``),
signal ages and expiry (``SignalBook``, the signal panel), auto-execution's
trading day and the window. ``age(t)`` is ``now() - t`` in seconds.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone


def wall_clock() -> datetime:
    """The wall clock, UTC."""
    return datetime.now(timezone.utc)


class MarketClock:
    """The engine's clock (see the module docstring); ``follows_wall`` picks the mode."""

    __slots__ = ("follows_wall", "_wall", "_latest", "_origin")

    def __init__(self, follows_wall: bool = False, *, wall: Callable[[], datetime] = wall_clock) -> None:
        self.follows_wall = follows_wall
        self._wall = wall
        self._latest: datetime | None = None
        self._origin: datetime | None = None

    @property
    def mode(self) -> str:
        """``wall`` or ``market``."""
        return "wall" if self.follows_wall else "market"

    def observe(self, when: datetime) -> None:
        """Advance the market time to ``when`` (a quote's time) unless it is older than the clock."""
        if self._latest is None or when > self._latest:
            self._latest = when

    def set_origin(self, when: datetime | None) -> None:
        """What ``now()`` reads in market mode before the first quote (the feed's start time)."""
        self._origin = when

    @property
    def latest(self) -> datetime | None:
        """The latest quote time observed (None before the first)."""
        return self._latest

    def now(self) -> datetime:
        """The current time of the terminal (UTC); see the module docstring."""
        if self.follows_wall:
            return self._wall()
        if self._latest is not None:
            return self._latest
        return self._origin if self._origin is not None else self._wall()

    def age(self, when: datetime) -> float:
        """Seconds from ``when`` to ``now()`` (negative when ``when`` is ahead of the clock)."""
        return (self.now() - when).total_seconds()
