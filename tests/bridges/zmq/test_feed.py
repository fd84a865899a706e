"""ZmqFeed against the fake stock DWX EA: TRACK_PRICES stream and HIST history in server time."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

import pytest

from bridges.clock import ServerClock
from bridges.config import MirrorOptions
from bridges.zmq.client import ZmqClient
from bridges.zmq.feed import ZmqFeed
from bridges.zmq.mirror import ZmqMirror
from engine.errors import ProviderUnavailable, ValidationError
from engine.ports import PriceFeed
from engine.values import Timeframe
from tests.bridges.conftest import MAGIC
from tests.kit import mirrored_trade


def hourly_bars(fake_ea, hours: int = 30) -> datetime:
    """H1 bars in server time up to the forming one; return the UTC open of the forming bar."""
    now = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0)
    offset = fake_ea.mt4.offset
    fake_ea.set_rates(
        "EURUSD",
        60,
        [
            {
                "time": (now - timedelta(hours=h) + offset).replace(tzinfo=None),
                "open": 1.1,
                "high": 1.102,
                "low": 1.099,
                "close": 1.101,
                "tick_volume": 50,
            }
            for h in range(hours, -1, -1)
        ],
    )
    return now


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
    assert feed.status()[0].details["server_clock"] == "unknown"  # the stock EA never sends its clock
    assert fake_ea.server.publish_symbols == ["EURUSD", "USDJPY"]
    await feed.stop()


async def test_feed_ignores_the_blank_error_symbols_of_the_stock_eas_fixed_array(fake_ea):
    feed = ZmqFeed(ZmqClient(fake_ea.config()))
    await feed.start(["EURUSD"])  # the EA answers symbol_count 10 and nine '' error symbols
    assert "'error_symbols':['', ''" in next(m for m in fake_ea.sent if "TRACK_PRICES" in m)
    with pytest.raises(ValidationError, match="cannot price XAUEUR") as err:
        await feed.start(["XAUEUR"])
    assert err.value.field == "symbols"
    await feed.stop()


async def test_empty_message_after_every_reply_is_protocol_not_a_warning(fake_ea, caplog):
    client = ZmqClient(fake_ea.config(heartbeat=30))
    feed = ZmqFeed(client)
    await feed.start(["EURUSD"])
    for _ in range(5):
        await client.heartbeat()
    sent_empty = sum(1 for m in fake_ea.sent if m == "")
    assert sent_empty >= 1 and client.empty_messages == sent_empty
    assert not [r for r in caplog.records if r.levelname == "WARNING" and "empty" in r.getMessage()]
    await feed.stop()


async def test_bundled_mq5_eas_clock_gives_the_exact_offset_even_on_a_closed_market(fake_ea):
    fake_ea.server.bundled_clock = "TimeTradeServer"
    client = ZmqClient(fake_ea.config())
    client.clock = ServerClock(market_open=lambda now: False)
    feed = ZmqFeed(client)
    await feed.start(["EURUSD"])
    details = feed.status()[0].details
    assert (details["server_clock"], details["server_utc_offset_hours"]) == ("detected", 2.0)
    assert details["server_clock_from"] == "the EA's TimeTradeServer and TimeGMT"
    await feed.stop()


@pytest.mark.parametrize(("market_open", "expected"), [(True, "estimated"), (False, "unknown")])
async def test_bundled_mq4_eas_last_tick_time_estimates_only_on_an_open_market(fake_ea, market_open, expected):
    fake_ea.server.bundled_clock = "TimeCurrent"
    client = ZmqClient(fake_ea.config())
    client.clock = ServerClock(market_open=lambda now: market_open)
    feed = ZmqFeed(client)
    await feed.start(["EURUSD"])
    assert feed.status()[0].details["server_clock"] == expected
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

    async def ticking() -> None:
        # As the EA does, every tick: a reconnected SUB socket misses what is published before its
        # subscription reaches the publisher (ZeroMQ's slow joiner), so one lone price may be lost.
        while True:
            fake_ea.publish("EURUSD", 1.3, 1.3002)
            await asyncio.sleep(0.1)

    publisher = asyncio.create_task(ticking())
    try:
        quote = await next_quote(stream, timeout=10)
        while quote.bid != 1.3:
            quote = await next_quote(stream, timeout=10)
    finally:
        publisher.cancel()
    await feed.stop()


async def test_history_asks_and_stamps_in_server_time_with_the_offset_learnt_from_a_fill(fake_ea):
    forming = hourly_bars(fake_ea)
    client = ZmqClient(fake_ea.config())
    feed = ZmqFeed(client)
    mirror = ZmqMirror(client, MirrorOptions(magic=MAGIC))
    await feed.start([])
    await mirror.connect()
    assert (await mirror.open(mirrored_trade(1))).ok  # the EA's _open_time tells the offset
    bars = await feed.history("EURUSD", Timeframe.H1, 10)
    assert [b.time for b in bars] == [forming - timedelta(hours=h) for h in range(10, 0, -1)]
    hist = next(c for c in reversed(fake_ea.commands) if c.startswith("HIST;EURUSD;60;"))
    end = datetime.strptime(hist.split(";")[4], "%Y.%m.%d %H:%M:%S").replace(tzinfo=timezone.utc)
    assert abs((end - (datetime.now(timezone.utc) + timedelta(hours=2))).total_seconds()) < 60  # server time
    assert feed.status()[0].details["server_clock"] == "detected"
    with pytest.raises(ValidationError, match="no history"):
        await feed.history("GBPUSD", Timeframe.H1, 10)
    await mirror.disconnect()
    await feed.stop()


async def test_history_with_a_configured_offset(fake_ea):
    forming = hourly_bars(fake_ea)
    feed = ZmqFeed(ZmqClient(fake_ea.config()), MirrorOptions(server_utc_offset_hours=2))
    await feed.start([])
    bars = await feed.history("EURUSD", Timeframe.H1, 3)
    assert [b.time for b in bars] == [forming - timedelta(hours=h) for h in (3, 2, 1)]
    assert feed.status()[0].details["server_clock"] == "configured"
    await feed.stop()


async def test_history_estimates_the_offset_from_the_forming_bar_while_the_market_is_open(fake_ea):
    forming = hourly_bars(fake_ea)
    now = datetime.now(timezone.utc).replace(second=0, microsecond=0)
    fake_ea.set_rates(
        "EURUSD",
        5,
        [
            {
                "time": (now - timedelta(minutes=m) + fake_ea.mt4.offset).replace(tzinfo=None),
                "open": 1.1,
                "high": 1.1,
                "low": 1.1,
                "close": 1.1,
            }
            for m in (10, 5, 0)
        ],
    )
    client = ZmqClient(fake_ea.config())
    client.clock = ServerClock(market_open=lambda when: True)
    feed = ZmqFeed(client)
    await feed.start([])
    bars = await feed.history("EURUSD", Timeframe.H1, 2)
    assert [b.time for b in bars] == [forming - timedelta(hours=h) for h in (2, 1)]
    assert feed.status()[0].details["server_clock_from"] == "the forming EURUSD M5 bar"
    await feed.stop()


async def test_history_without_any_clock_is_refused_rather_than_shifted(fake_ea):
    hourly_bars(fake_ea)
    client = ZmqClient(fake_ea.config())
    client.clock = ServerClock(market_open=lambda when: False)  # a weekend: no fresh stamp to go by
    feed = ZmqFeed(client)
    await feed.start([])
    with pytest.raises(ProviderUnavailable, match="server_utc_offset_hours"):
        await feed.history("EURUSD", Timeframe.H1, 10)
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
    fake_ea.raw("EURUSD:|:not;numbers")
    await asyncio.sleep(0.05)  # the EA's PUB socket has a high-water mark of 1: back-to-back ticks drop
    fake_ea.raw("EURUSD_M1:|:1565785200;1.1;1.2;1.0;1.1;15;0;0")
    await asyncio.sleep(0.05)
    fake_ea.publish("EURUSD", 1.4, 1.4002)
    quote = await next_quote(stream)
    while quote.bid != 1.4:
        quote = await next_quote(stream)
    assert feed.status()[0].details["bad_messages"] == 1
    await feed.stop()
