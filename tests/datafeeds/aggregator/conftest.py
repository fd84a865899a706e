"""Fixtures of the aggregator tests: a fake clock and a feed builder."""

from __future__ import annotations

import pytest

from datafeeds.aggregator.aggregator import AggregatedFeed
from tests.datafeeds.aggregator.fakes import FakeClock


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def build(clock, tmp_path):
    """Return ``build(providers, **options)`` → an AggregatedFeed polled by hand."""
    feeds: list[AggregatedFeed] = []

    def _build(providers, **options) -> AggregatedFeed:
        options.setdefault("interval", 60.0)
        options.setdefault("state_path", tmp_path / "feeds-state.json")
        feed = AggregatedFeed(providers, clock=clock, sleep=clock.sleep, rng=lambda: 1.0, autopoll=False, **options)
        feeds.append(feed)
        return feed

    return _build
