"""MetaTrader's prices as one more provider in the ``auto`` rotation (``FeedProvider`` over any PriceFeed)."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

import pytest

from datafeeds.aggregator.aggregator import AggregatedFeed
from datafeeds.providers.base import ProviderLimits
from datafeeds.providers.feed_source import FeedProvider
from engine.errors import ProviderUnavailable
from engine.values import Bar, FeedStatus, Quote, Timeframe
from tests.datafeeds.aggregator.fakes import FakeClock, FakeProvider


class ScriptedFeed:
    """A PriceFeed whose quotes, health and history the test decides."""

    name = "zmq"

    def __init__(self) -> None:
        self.started: list[list[str]] = []
        self.stopped = False
        self.healthy = True
        self._queue: asyncio.Queue[Quote | None] = asyncio.Queue()

    async def start(self, symbols):
        self.started.append(list(symbols))

    async def stop(self):
        self.stopped = True
        self._queue.put_nowait(None)

    async def stream(self):
        while (quote := await self._queue.get()) is not None:
            yield quote

    async def history(self, symbol, timeframe, count):
        now = datetime(2026, 11, 24, 12, tzinfo=timezone.utc)
        return [Bar(symbol, timeframe, now, 1.1, 1.1, 1.1, 1.1, 0.0)]

    def status(self):
        return [
            FeedStatus(
                name=self.name,
                enabled=True,
                healthy=self.healthy,
                last_error=None if self.healthy else "the expert advisor did not answer HEARTBEAT",
            )
        ]

    def tick(self, symbol: str, bid: float, age: float = 0.0) -> None:
        when = datetime.now(timezone.utc) - timedelta(seconds=age)
        self._queue.put_nowait(Quote(symbol, bid, round(bid + 0.0001, 5), when, source=self.name))


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_feed_provider_answers_fresh_quotes_of_every_symbol_asked():
    feed = ScriptedFeed()
    provider = FeedProvider("metatrader", feed)
    with pytest.raises(ProviderUnavailable, match="no price newer"):
        await provider.quotes(["EURUSD"])  # started; nothing came within a second
    assert feed.started == [["EURUSD"]]
    feed.tick("EURUSD", 1.1)
    await settle()
    assert (await provider.quotes(["EURUSD"]))["EURUSD"].bid == 1.1
    feed.tick("GBPUSD", 1.25, age=120)  # a closed market: the last price is old
    await settle()
    with pytest.raises(ProviderUnavailable):
        await provider.quotes(["GBPUSD"])
    assert feed.started[-1] == ["EURUSD", "GBPUSD"]  # the feed now tracks both
    feed.healthy = False
    with pytest.raises(ProviderUnavailable, match="did not answer"):
        await provider.quotes(["EURUSD"])
    assert (await provider.bars("EURUSD", Timeframe.H1, 1))[0].symbol == "EURUSD"
    await provider.aclose()
    assert feed.stopped and provider.limits.per_day is None and not provider.needs_key


@pytest.mark.parametrize(
    ("priority", "served_by"), [(("yahoo", "metatrader"), "yahoo"), (("metatrader", "yahoo"), "metatrader")]
)
async def test_metatrader_in_the_rotation_behind_or_ahead_of_the_free_providers(tmp_path, priority, served_by):
    clock = FakeClock(datetime.now(timezone.utc))
    yahoo = FakeProvider("yahoo", clock, ProviderLimits(per_minute=1000))
    feed = ScriptedFeed()
    mt = FeedProvider("metatrader", feed)
    aggregated = AggregatedFeed(
        [yahoo, mt],
        priority=priority,
        interval=5.0,
        clock=clock,
        sleep=clock.sleep,
        state_path=tmp_path / "state.json",
        autopoll=False,
        sources=[feed],
    )
    await aggregated.start(["EURUSD"])
    assert aggregated.plan.assignment == {"EURUSD": served_by} and aggregated.sources == (feed,)
    feed.tick("EURUSD", 1.2345)
    quotes = await aggregated.poll_once()
    assert [q.source for q in quotes] == ["zmq" if served_by == "metatrader" else "yahoo"]
    names = [s.name for s in aggregated.status()]
    assert names == list(priority)
    await aggregated.stop()
    assert feed.stopped  # the aggregator closes the provider, which stops the bridge's feed


async def test_metatrader_takes_over_when_the_free_provider_fails(tmp_path):
    from engine.errors import ProviderUnavailable as Down

    clock = FakeClock(datetime.now(timezone.utc))
    yahoo = FakeProvider("yahoo", clock, ProviderLimits(per_minute=1000))
    yahoo.failure = lambda: Down("yahoo: 503")
    feed = ScriptedFeed()
    mt = FeedProvider("metatrader", feed)
    aggregated = AggregatedFeed(
        [yahoo, mt],
        priority=("yahoo", "metatrader"),
        interval=5.0,
        clock=clock,
        sleep=clock.sleep,
        state_path=tmp_path / "state.json",
        autopoll=False,
    )
    await aggregated.start(["EURUSD"])
    feed.tick("EURUSD", 1.2345)
    quotes = await aggregated.poll_once()
    assert [(q.symbol, q.bid, q.source) for q in quotes] == [("EURUSD", 1.2345, "zmq")]
    await aggregated.stop()
