"""ZmqFeed against the fake EA: TRACK_PRICES stream and HIST history."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

import pytest

from bridges.zmq.client import ZmqClient
from bridges.zmq.feed import ZmqFeed
from engine.errors import ValidationError
from engine.ports import PriceFeed
from engine.values import Timeframe


async def next_quote(stream, timeout=3):
    return await asyncio.wait_for(stream.__anext__(), timeout)


async def test_feed_streams_tracked_prices(fake_ea):
    feed = ZmqFeed(ZmqClient(fake_ea.config()))
    assert isinstance(feed, PriceFeed)
    await feed.start(["EURUSD", "USDJPY"])
    assert fake_ea.tracked == ["EURUSD", "USDJPY"]
    stream = feed.stream()
    fake_ea.publish("EURUSD", 1.2, 1.2001)
    seen = {}
    while "EURUSD" not in seen or seen["EURUSD"].bid != 1.2:
        quote = await next_quote(stream)
        seen[quote.symbol] = quote
    assert seen["EURUSD"].ask == 1.2001 and seen["EURUSD"].source == "zmq"
    assert abs((datetime.now(timezone.utc) - seen["EURUSD"].time).total_seconds()) < 5
    assert feed.clock.offset_seconds == 7200  # from the heartbeat's _server_time
    await feed.stop()


async def test_feed_retracks_after_ea_restart(fake_ea):
    feed = ZmqFeed(ZmqClient(fake_ea.config()))
    await feed.start(["EURUSD"])
    stream = feed.stream()
    await next_quote(stream)
    fake_ea.restart()
    assert fake_ea.tracked == []
    for _ in range(100):  # the heartbeat notices, reconnects and tracks again
        if fake_ea.tracked == ["EURUSD"]:
            break
        await asyncio.sleep(0.05)
    assert fake_ea.tracked == ["EURUSD"]
    fake_ea.publish("EURUSD", 1.3, 1.3002)
    quote = await next_quote(stream)
    while quote.bid != 1.3:
        quote = await next_quote(stream)
    await feed.stop()


async def test_history_converts_server_time_and_drops_forming_bar(fake_ea):
    now = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0)
    server = [now - timedelta(hours=h) + timedelta(hours=2) for h in (3, 2, 1, 0)]
    fake_ea.rates["EURUSD_60"] = [
        {"time": t.strftime("%Y.%m.%d %H:%M"), "open": 1.1, "high": 1.102, "low": 1.099, "close": 1.101,
         "tick_volume": 50, "spread": 8, "real_volume": 0} for t in server]
    feed = ZmqFeed(ZmqClient(fake_ea.config()))
    await feed.start([])
    bars = await feed.history("EURUSD", Timeframe.H1, 10)
    assert [b.time for b in bars] == [now - timedelta(hours=h) for h in (3, 2, 1)]
    assert fake_ea.commands[-1].startswith("HIST;EURUSD;60;")
    with pytest.raises(ValidationError, match="no history"):
        await feed.history("GBPUSD", Timeframe.H1, 10)
    await feed.stop()


async def test_feed_reports_unhealthy_when_ea_stops_answering(fake_ea):
    feed = ZmqFeed(ZmqClient(fake_ea.config()))
    await feed.start(["EURUSD"])
    assert feed.status()[0].healthy
    fake_ea.silent = True
    for _ in range(200):  # heartbeat every 0.2 s, 1 s timeout; generous for a loaded machine
        if not feed.status()[0].healthy:
            break
        await asyncio.sleep(0.05)
    status = feed.status()[0]
    assert not status.healthy and "did not answer HEARTBEAT" in status.last_error
    fake_ea.silent = False
    for _ in range(200):
        if feed.status()[0].healthy:
            break
        await asyncio.sleep(0.05)
    assert feed.status()[0].healthy
    await feed.stop()


async def test_feed_ignores_garbage_stream_messages(fake_ea):
    feed = ZmqFeed(ZmqClient(fake_ea.config()))
    await feed.start(["EURUSD"])
    stream = feed.stream()
    fake_ea._control.put(("pub", "EURUSD:|:not;numbers"))
    fake_ea._control.put(("pub", "EURUSD_M1:|:1565785200;1.1;1.2;1.0;1.1;15;0;0"))
    fake_ea.publish("EURUSD", 1.4, 1.4002)
    quote = await next_quote(stream)
    while quote.bid != 1.4:
        quote = await next_quote(stream)
    assert feed.status()[0].details["bad_messages"] == 1
    await feed.stop()
