"""``datafeeds.factory.make_feed`` builds the aggregated feed for the live feed names."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from datafeeds.aggregator.aggregator import AggregatedFeed
from datafeeds.factory import make_feed
from engine.errors import ValidationError
from engine.ports import PriceFeed


def settings(feed: str, **extra):
    return SimpleNamespace(
        feed=feed, interval=30.0, feed_priority=None, speed=1.0, seed=1, sim_start=None, symbols=["EURUSD"], **extra
    )


@pytest.mark.parametrize("name", ["auto", "yahoo", "twelvedata", "finnhub", "alphavantage"])
def test_live_feed_names_build_an_aggregated_feed(name):
    feed = make_feed(settings(name))
    assert isinstance(feed, AggregatedFeed) and isinstance(feed, PriceFeed)
    assert feed.name == name and feed.interval == 30.0
    assert (feed._sim._factory is not None) == (name == "auto")  # only auto falls back to sim


def test_auto_priority_comes_from_settings():
    feed = make_feed(SimpleNamespace(feed="auto", interval=5.0, feed_priority=["finnhub", "yahoo"]))
    assert feed._priority == ("finnhub", "yahoo", "twelvedata", "alphavantage")


async def test_named_feed_without_key_fails_at_start_naming_the_variable():
    feed = make_feed(settings("alphavantage"))
    feed._autopoll = False
    with pytest.raises(ValidationError, match="ALPHAVANTAGE_API_KEY"):
        await feed.start(["EURUSD"])
    await feed.stop()
