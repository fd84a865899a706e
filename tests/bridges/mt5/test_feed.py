"""Mt5Feed: quotes from symbol_info_tick, history from copy_rates_from_pos."""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone

import pytest

from bridges.config import MirrorOptions
from bridges.mt5.feed import Mt5Feed
from engine.errors import ValidationError
from engine.ports import PriceFeed
from engine.values import Timeframe
from tests.bridges.fake_mt5 import constants as c


async def next_quote(stream):
    return await asyncio.wait_for(stream.__anext__(), timeout=2)


async def test_feed_streams_mapped_symbols_in_utc(mt5_client, terminal):
    feed = Mt5Feed(mt5_client, MirrorOptions(symbol_suffix=".m"), poll_interval=0.01)
    assert isinstance(feed, PriceFeed)
    await feed.start(["EURUSD", "USDJPY"])
    stream = feed.stream()
    first, second = await next_quote(stream), await next_quote(stream)
    assert {first.symbol, second.symbol} == {"EURUSD", "USDJPY"}
    assert first.source == "mt5"
    now = datetime.now(timezone.utc)
    assert abs((now - first.time).total_seconds()) < 5  # server GMT+2 converted back to UTC
    assert feed.clock.offset_seconds == 7200
    terminal.set_price("EURUSD.m", 1.20000)
    moved = await next_quote(stream)
    assert (moved.symbol, moved.bid) == ("EURUSD", 1.2)
    assert terminal.symbols["EURUSD.m"].visible
    await feed.stop()


async def test_feed_survives_terminal_loss_and_reconnects(mt5_client, terminal):
    feed = Mt5Feed(mt5_client, MirrorOptions(symbol_suffix=".m"), poll_interval=0.01)
    await feed.start(["EURUSD"])
    stream = feed.stream()
    await next_quote(stream)
    terminal.disconnect()
    terminal.set_price("EURUSD.m", 1.15)
    quote = await asyncio.wait_for(stream.__anext__(), timeout=5)  # backoff 1 s then reconnect
    assert quote.bid == 1.15
    assert feed.status()[0].healthy
    await feed.stop()


async def test_history_returns_closed_bars_in_utc(mt5_client, terminal):
    base = int(datetime(2026, 11, 24, 10, 0, tzinfo=timezone.utc).timestamp()) + 7200
    rows = [(base + i * 3600, 1.1, 1.102, 1.099, 1.101, 100 + i, 10, 0) for i in range(5)]
    terminal.set_rates("EURUSD.m", c.TIMEFRAME_H1, rows)
    feed = Mt5Feed(mt5_client, MirrorOptions(symbol_suffix=".m", server_utc_offset_hours=2))
    await feed.start(["EURUSD"])
    bars = await feed.history("EURUSD", Timeframe.H1, 3)
    assert [b.time.hour for b in bars] == [11, 12, 13]  # the forming 14:00 bar is left out
    assert bars[0].volume == 101 and bars[0].timeframe is Timeframe.H1
    with pytest.raises(ValidationError):
        await feed.history("EURUSD", Timeframe.H1, 0)
    await feed.stop()


async def test_start_with_unknown_symbol_names_it(mt5_client):
    feed = Mt5Feed(mt5_client)
    with pytest.raises(ValidationError, match="AUDNZD"):
        await feed.start(["AUDNZD"])
    await feed.stop()
