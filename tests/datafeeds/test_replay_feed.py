"""ReplayFeed: a price file played back as live quotes, and the feed factory."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from types import SimpleNamespace

import pandas as pd
import pytest

from datafeeds.factory import make_feed
from datafeeds.replay_feed import ReplayFeed
from datafeeds.sim import SimulatedFeed
from engine.errors import ValidationError
from engine.ports import PriceFeed
from engine.replay.files import FileFormatError
from engine.values import Timeframe

START = pd.Timestamp("2024-03-04 10:00", tz="UTC")


def _bars(tmp_path, count=50, name="bars.csv", symbol_column=False):
    rows = []
    for i in range(count):
        o = 1.1 + 0.0001 * i
        rows.append(
            {
                "time": START + pd.Timedelta(minutes=i),
                "open": o,
                "high": o + 0.0003,
                "low": o - 0.0002,
                "close": o + 0.0001,
            }
        )
    frame = pd.DataFrame(rows)
    if symbol_column:
        frame.insert(1, "symbol", "GBPUSD")
    path = tmp_path / name
    frame.to_csv(path, index=False)
    return path


async def _all(feed):
    return [quote async for quote in feed.stream()]


async def test_replay_feed_plays_bars_as_four_quotes_after_warmup(tmp_path):
    feed = ReplayFeed(_bars(tmp_path), speed="max", warmup=10)
    await feed.start(["EURUSD"])
    quotes = await _all(feed)
    assert isinstance(feed, PriceFeed)
    assert len(quotes) == 40 * 4
    first = quotes[:4]
    assert [q.time for q in first] == [START + timedelta(minutes=10, seconds=s) for s in (0, 15, 30, 45)]
    # open 1.1010 is nearer the low (1.1008) than the high (1.1013): low first
    assert [q.bid for q in first] == [1.101, 1.1008, 1.1013, 1.1011]
    assert all(q.ask == pytest.approx(q.bid + 0.00008) for q in quotes)  # typical spread
    assert quotes[-1].source == "replay"
    assert feed.status()[0].details["finished"] is True


async def test_replay_feed_history_grows_with_playback(tmp_path):
    feed = ReplayFeed(_bars(tmp_path, count=120), speed="max", warmup=60)
    await feed.start(["EURUSD"])
    before = await feed.history("EURUSD", Timeframe.M1, 1000)
    assert len(before) == 60 and before[-1].time == START + timedelta(minutes=59)
    assert len(await feed.history("EURUSD", Timeframe.M5, 100)) == 12
    await _all(feed)
    after = await feed.history("EURUSD", Timeframe.M1, 1000)
    assert len(after) == 120
    hourly = await feed.history("EURUSD", Timeframe.H1, 10)
    assert len(hourly) == 2 and hourly[0].open == 1.1 and hourly[0].close == after[59].close


async def test_replay_feed_ticks_keep_their_ask_and_symbol_column(tmp_path):
    path = tmp_path / "ticks.csv"
    pd.DataFrame(
        {
            "time": [START + pd.Timedelta(seconds=s) for s in range(10)],
            "symbol": "USDJPY",
            "bid": [150.0 + s / 100 for s in range(10)],
            "ask": [150.02 + s / 100 for s in range(10)],
        }
    ).to_csv(path, index=False)
    feed = ReplayFeed(path, speed="max", warmup=0)
    await feed.start(["EURUSD"])
    quotes = await _all(feed)
    assert [q.symbol for q in quotes] == ["USDJPY"] * 10
    assert quotes[3].bid == 150.03 and quotes[3].ask == 150.05
    assert "EURUSD" in feed.status()[0].last_error


async def test_replay_feed_speed_paces_by_file_time(tmp_path):
    path = tmp_path / "ticks.csv"
    pd.DataFrame({"time": [START + pd.Timedelta(seconds=s) for s in range(4)], "bid": 1.1, "ask": 1.1001}).to_csv(
        path, index=False
    )
    feed = ReplayFeed(path, speed=20, warmup=0)
    await feed.start(["EURUSD"])
    started = time.perf_counter()
    quotes = await _all(feed)
    assert len(quotes) == 4
    assert time.perf_counter() - started >= 3 / 20 * 0.9  # 3 file seconds at 20×


async def test_replay_feed_stop_ends_a_slow_playback(tmp_path):
    feed = ReplayFeed(_bars(tmp_path), speed=0.01, warmup=0)
    await feed.start(["EURUSD"])
    task = asyncio.create_task(_all(feed), name="test-replay-consume")
    await asyncio.sleep(0.05)
    await feed.stop()
    quotes = await asyncio.wait_for(task, timeout=2)
    assert len(quotes) == 1


async def test_replay_feed_bad_file_is_refused_on_start(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("time,open,high,low,close\n2024-03-04,1,0.5,1,1\n")
    with pytest.raises(FileFormatError) as caught:
        await ReplayFeed(path, speed="max").start(["EURUSD"])
    assert caught.value.line == 2


def test_make_feed_builds_sim_and_replay_and_refuses_others(tmp_path):
    sim = make_feed(SimpleNamespace(feed="sim", speed="max", seed=3, sim_start=None))
    assert isinstance(sim, SimulatedFeed) and sim.seed == 3 and sim.speed == float("inf")
    replay = make_feed(SimpleNamespace(feed="replay", replay=_bars(tmp_path), speed=2.0))
    assert isinstance(replay, ReplayFeed) and replay.speed == 2.0
    with pytest.raises(ValidationError) as missing:
        make_feed(SimpleNamespace(feed="replay", replay=None, speed=1.0))
    assert missing.value.field == "replay"
    with pytest.raises(ValidationError) as unknown:
        make_feed(SimpleNamespace(feed="carrier-pigeon"))
    assert unknown.value.field == "feed" and "not available" in unknown.value.message
