"""SimulatedFeed: determinism, history, weekends, spreads, wall clock at speed 1."""

from __future__ import annotations

import asyncio
import itertools
from datetime import datetime, timedelta, timezone

import pytest

from datafeeds.sim import SimulatedFeed, calendar
from datafeeds.sim.feed import parse_speed
from engine.errors import ValidationError
from engine.instruments import SPECS
from engine.ports import PriceFeed
from engine.values import Timeframe

THURSDAY = datetime(2026, 11, 19, 12, 0, tzinfo=timezone.utc)
FRIDAY_LATE = datetime(2026, 11, 20, 21, 30, tzinfo=timezone.utc)
SYMBOLS = ["EURUSD", "GBPUSD", "USDJPY"]


async def _take(feed, count, until=None):
    quotes = []
    async for quote in feed.stream():
        quotes.append(quote)
        if len(quotes) >= count or (until is not None and until(quote)):
            break
    return quotes


async def _started(symbols=SYMBOLS, **kwargs):
    feed = SimulatedFeed(**{"speed": "max", "seed": 7, "sim_start": THURSDAY, **kwargs})
    await feed.start(symbols)
    return feed


async def test_sim_feed_same_seed_gives_same_ticks_other_seed_differs():
    first, second, other = await _started(), await _started(), await _started(seed=8)
    a, b, c = [await _take(feed, 300) for feed in (first, second, other)]
    assert [(q.symbol, q.bid, q.ask, q.time) for q in a] == [(q.symbol, q.bid, q.ask, q.time) for q in b]
    assert [q.bid for q in a] != [q.bid for q in c]
    assert isinstance(first, PriceFeed)


async def test_sim_feed_history_has_5000_m1_bars_ending_at_start():
    feed = await _started()
    bars = await feed.history("EURUSD", Timeframe.M1, 100_000)
    assert len(bars) >= 5_000
    assert bars[-1].time == THURSDAY - timedelta(minutes=1)
    assert all(b.time < c.time for b, c in itertools.pairwise(bars))
    hourly = await feed.history("EURUSD", Timeframe.H1, 50)
    assert len(hourly) == 50 and hourly[-1].time == THURSDAY - timedelta(hours=1)
    daily = await feed.history("EURUSD", Timeframe.D1, 5)
    assert [b.time.hour for b in daily] == [0] * 5
    assert daily[-1].time == datetime(2026, 11, 18, tzinfo=timezone.utc)  # Thursday's is forming
    [first_quote] = await _take(feed, 1)
    assert abs(first_quote.bid - bars[-1].close) < 0.0020


async def test_sim_feed_history_skips_weekends_off_speed_one():
    feed = await _started()
    bars = await feed.history("GBPUSD", Timeframe.M1, 100_000)
    assert all(calendar.is_open(b.time) for b in bars)
    assert any(not calendar.is_open(b.time + timedelta(hours=2)) for b in bars)  # spans a weekend


async def test_sim_feed_weekend_has_no_ticks_and_reopens_sunday_2200():
    feed = await _started(sim_start=FRIDAY_LATE)
    quotes = await _take(feed, 100_000, until=lambda q: q.time.weekday() == 0)
    assert all(calendar.is_open(q.time) for q in quotes)
    times = [q.time for q in quotes]
    jumps = [(a, b) for a, b in itertools.pairwise(times) if b - a > timedelta(hours=1)]
    assert len(jumps) == 1
    before, after = jumps[0]
    assert before < datetime(2026, 11, 20, 22, tzinfo=timezone.utc)
    assert after == datetime(2026, 11, 22, 22, 0, tzinfo=timezone.utc)


async def test_sim_feed_spread_never_below_typical_and_widens_at_rollover():
    feed = await _started(sim_start=datetime(2026, 11, 19, 21, 40, tzinfo=timezone.utc), symbols=["EURUSD"])
    quotes = await _take(feed, 30 * 60 * 4)
    spec = SPECS["EURUSD"]
    spreads = [(q.time, round((q.ask - q.bid) / spec.pip_size, 1)) for q in quotes]
    assert min(s for _, s in spreads) >= spec.typical_spread_pips
    calm = [s for t, s in spreads if t.minute < 44 and t.hour == 21]
    rollover = [s for t, s in spreads if t.hour == 22 and t.minute < 2]
    assert sum(rollover) / len(rollover) > 2.5 * sum(calm) / len(calm)
    assert all(q.bid == round(q.bid, spec.digits) for q in quotes)


async def test_sim_feed_speed_one_follows_wall_clock_even_on_saturday():
    saturday = datetime(2026, 11, 21, 12, 0, tzinfo=timezone.utc)
    clock = {"now": saturday}

    def now():
        clock["now"] += timedelta(milliseconds=10)
        return clock["now"]

    feed = SimulatedFeed(speed=1, seed=3, tick_seconds=0.01, now=now)
    await feed.start(["EURUSD"])
    quotes = await _take(feed, 5)
    assert len(quotes) == 5
    assert all(q.time.weekday() == 5 for q in quotes)  # open around the clock
    assert quotes[-1].time > quotes[0].time
    bars = await feed.history("EURUSD", Timeframe.M1, 10_000)
    assert len(bars) >= 5_000


async def test_sim_feed_stop_ends_stream_and_status_reports():
    feed = SimulatedFeed(speed=0.5, seed=1, sim_start=THURSDAY, tick_seconds=0.25)
    await feed.start(["EURUSD"])

    async def consume():
        return await _take(feed, 10**6)

    task = asyncio.create_task(consume(), name="test-sim-consume")
    await asyncio.sleep(0.05)
    [status] = feed.status()
    assert status.name == "sim" and status.healthy and status.details["speed"] == 0.5
    await feed.stop()
    quotes = await asyncio.wait_for(task, timeout=2)
    assert len(quotes) <= 2  # paced at half speed: one step per 0.5 s
    assert not feed.status()[0].healthy


async def test_sim_feed_unknown_symbol_is_refused():
    feed = SimulatedFeed(speed="max", seed=1)
    with pytest.raises(ValidationError) as caught:
        await feed.start(["EURUSD", "NOPE"])
    assert caught.value.field == "symbols" and "NOPE" in caught.value.message


@pytest.mark.parametrize("value", ["0", "-1", "fast", "nan"])
def test_parse_speed_rejects_bad_values(value):
    with pytest.raises(ValidationError):
        parse_speed(value)


def test_parse_speed_accepts_max_and_numbers():
    assert parse_speed("max") == float("inf") and parse_speed("2.5") == 2.5
