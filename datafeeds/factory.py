"""Build the price feed the settings ask for (``--feed``).

``make_feed(settings)`` dispatches on ``settings.feed``; each feed has its own
``make_<name>_feed(settings)``. Settings are read by attribute name
(``feed``, ``symbols``, ``speed``, ``seed``, ``sim_start``, ``replay``), so
any object with those attributes works (``terminal.settings.Settings``).
``resume`` (a ``datafeeds.sim.resume.ResumePoint`` read from the journal)
makes the simulator, alone or as the ``auto`` fallback, continue the stored market.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from engine.errors import ValidationError
from engine.ports import PriceFeed

if TYPE_CHECKING:
    from datafeeds.sim.resume import ResumePoint


class FeedSettings(Protocol):
    """The settings a feed is built from (``terminal.settings.Settings`` has them all; read-only here)."""

    @property
    def feed(self) -> str: ...
    @property
    def speed(self) -> float | str: ...
    @property
    def seed(self) -> int | None: ...
    @property
    def sim_start(self) -> datetime | None: ...
    @property
    def replay(self) -> Path | None: ...
    @property
    def interval(self) -> float: ...
    @property
    def feed_priority(self) -> list[str] | None: ...


def make_sim_feed(settings: FeedSettings, resume: ResumePoint | None = None) -> PriceFeed:
    """The simulated market at ``settings.speed`` from ``settings.sim_start`` with ``settings.seed``."""
    from datafeeds.sim import SimulatedFeed

    return SimulatedFeed(
        speed=getattr(settings, "speed", 1.0),
        seed=getattr(settings, "seed", None),
        sim_start=getattr(settings, "sim_start", None),
        resume=resume,
    )


def make_replay_feed(settings: FeedSettings, resume: ResumePoint | None = None) -> PriceFeed:
    """The file ``settings.replay`` played as a live feed at ``settings.speed`` (``resume`` is not used:
    the engine does not trade on rows older than the journal's last event)."""
    from datafeeds.replay_feed import ReplayFeed

    path = getattr(settings, "replay", None)
    if not path:
        raise ValidationError(
            "--feed replay needs --replay PATH (a CSV or Parquet of bars or ticks)", field="replay", code="missing"
        )
    return ReplayFeed(path, speed=getattr(settings, "speed", 1.0))


def make_live_feed(
    settings: FeedSettings,
    resume: ResumePoint | None = None,
    extra_feeds: Mapping[str, PriceFeed] | None = None,
    extra_first: bool = False,
) -> PriceFeed:
    """The live providers: ``auto`` (priority rotation, the simulator as fallback) or one by name.

    Uses ``settings.feed``, ``settings.interval`` and ``settings.feed_priority``;
    keys come from the environment or the keyring when the feed starts.
    ``extra_feeds`` join the ``auto`` rotation as providers (MetaTrader's feed,
    from the composition root), behind the free providers or ahead of them.
    """
    from datafeeds.aggregator.build import build_feed

    return build_feed(
        str(settings.feed).strip().lower(),
        interval=float(getattr(settings, "interval", 5.0) or 5.0),
        priority=getattr(settings, "feed_priority", None),
        fallback_factory=lambda: make_sim_feed(settings, resume),
        extra_feeds=extra_feeds,
        extra_first=extra_first,
    )


_FACTORIES = {
    "sim": make_sim_feed,
    "replay": make_replay_feed,
    "auto": make_live_feed,
    "yahoo": make_live_feed,
    "twelvedata": make_live_feed,
    "finnhub": make_live_feed,
    "alphavantage": make_live_feed,
}


def make_feed(settings: FeedSettings, resume: ResumePoint | None = None) -> PriceFeed:
    """Return the feed named by ``settings.feed``; raise ``ValidationError`` for one not available."""
    name = str(getattr(settings, "feed", "sim") or "sim").strip().lower()
    factory = _FACTORIES.get(name)
    if factory is None:
        raise ValidationError(
            f"feed {name!r} is not available in this build (available: {', '.join(sorted(_FACTORIES))})",
            field="feed",
            code="unavailable",
        )
    return factory(settings, resume)
