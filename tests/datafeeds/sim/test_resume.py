"""Resuming the simulator from a journal: prices, clock and history continue what was stored."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from datafeeds.sim import SimulatedFeed
from datafeeds.sim.model import MarketModel
from datafeeds.sim.resume import ResumePoint, SimPast, anchor, start_clock
from engine.instruments import get_spec
from engine.values import Bar, Quote, Timeframe

THURSDAY = datetime(2026, 11, 19, 12, 0, tzinfo=timezone.utc)
TICK = timedelta(seconds=0.25)


def mid_of(model: MarketModel, symbol: str) -> float:
    return float(model.mids()[model.symbols.index(symbol)])


def stored_point(last: datetime, closes: dict[str, float], minutes: int = 120) -> ResumePoint:
    """A journal that traded ``closes`` (bids) up to ``last``, with ``minutes`` stored M1 bars before it."""
    bars, quotes = {}, {}
    for symbol, close in closes.items():
        spec = get_spec(symbol)
        start = last.replace(second=0, microsecond=0) - timedelta(minutes=minutes)
        bars[symbol] = [
            Bar(
                symbol,
                Timeframe.M1,
                start + timedelta(minutes=i),
                close,
                close + 5 * spec.point,
                close - 5 * spec.point,
                close,
            )
            for i in range(minutes)
        ]
        quotes[symbol] = Quote(
            symbol, close, round(close + spec.typical_spread_pips * spec.pip_size, spec.digits), last, "sim", stale=True
        )
    first = {s: b[0] for s, b in bars.items()}
    return ResumePoint(quotes=quotes, bars=bars, first_bar=first, not_before=last)


def test_anchor_reproduces_dollar_pairs_and_fixes_a_lone_cross():
    model = MarketModel(["EURUSD", "USDJPY", "EURJPY", "EURGBP", "GBPUSD"], seed=1)
    model.x = anchor(model, {"EURUSD": 1.09036, "USDJPY": 151.2, "EURGBP": 0.8412})
    assert mid_of(model, "EURUSD") == pytest.approx(1.09036, rel=1e-12)
    assert mid_of(model, "USDJPY") == pytest.approx(151.2, rel=1e-12)
    assert mid_of(model, "EURJPY") == pytest.approx(1.09036 * 151.2, rel=1e-12)  # follows from its legs
    assert mid_of(model, "EURGBP") == pytest.approx(0.8412, rel=1e-12)
    lone = MarketModel(["EURGBP"], seed=1)
    lone.x = anchor(lone, {"EURGBP": 0.8412})
    assert mid_of(lone, "EURGBP") == pytest.approx(0.8412, rel=1e-12)


def test_start_clock_never_goes_before_the_journal_last_event():
    point = ResumePoint(not_before=THURSDAY)
    now = THURSDAY + timedelta(hours=2)
    assert start_clock(point, now, wall_clock=True, sim_start=None, default_start=now, tick=TICK) == (now, timedelta(0))
    early = THURSDAY - timedelta(days=3)  # the journal is ahead of the wall clock (a run at --speed 60)
    clock, offset = start_clock(point, early, wall_clock=True, sim_start=None, default_start=early, tick=TICK)
    assert clock == THURSDAY + TICK and offset == THURSDAY + TICK - early
    clock, _ = start_clock(
        point, now, wall_clock=False, sim_start=None, default_start=now - timedelta(days=30), tick=TICK
    )
    assert clock == THURSDAY + TICK  # --speed 60 restarted: 30 days ago would be before the trades
    later = THURSDAY + timedelta(days=1)
    assert start_clock(point, now, wall_clock=False, sim_start=later, default_start=now, tick=TICK)[0] == later
    friday_night = datetime(2026, 11, 20, 21, 59, 59, 900000, tzinfo=timezone.utc)
    weekend, _ = start_clock(
        ResumePoint(not_before=friday_night),
        now,
        wall_clock=False,
        sim_start=None,
        default_start=now - timedelta(days=30),
        tick=TICK,
    )
    assert weekend == datetime(2026, 11, 22, 22, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize("speed", [1, 60])
@pytest.mark.parametrize("seed", [7, None])
async def test_resumed_feed_starts_at_the_last_quote_no_earlier_than_the_last_event(speed, seed):
    last = THURSDAY + timedelta(minutes=37, seconds=12)
    point = stored_point(last, {"EURUSD": 1.09036, "USDJPY": 151.200})
    feed = SimulatedFeed(speed=speed, seed=seed, resume=point, now=lambda: THURSDAY + timedelta(minutes=40))
    await feed.start(["EURUSD", "USDJPY"])
    first = {q.symbol: q for q in feed.step()}
    for symbol, stored in point.quotes.items():
        spec = get_spec(symbol)
        assert first[symbol].time >= last
        # one tick of EURUSD moves ~0.1 pip; the bug moved it 400 pips (1.09036 -> 1.04897)
        assert abs(first[symbol].mid - stored.mid) < 2 * spec.pip_size + spec.typical_spread_pips * spec.pip_size
    m1 = await feed.history("EURUSD", Timeframe.M1, 100_000)
    stored_bars = point.bars["EURUSD"]
    assert m1[-len(stored_bars) :] == stored_bars  # the stored bars, as stored
    seam = m1[-len(stored_bars) - 1]
    assert seam.time < stored_bars[0].time
    assert abs(seam.close - stored_bars[0].open) < 2 * get_spec("EURUSD").pip_size  # the past meets them
    assert len(m1) > 5_000


async def test_wall_clock_feed_behind_the_journal_runs_ahead_by_the_difference():
    last = THURSDAY + timedelta(days=2)
    point = stored_point(last, {"EURUSD": 1.1})
    feed = SimulatedFeed(speed=1, seed=1, resume=point, tick_seconds=0.25, now=lambda: THURSDAY)
    await feed.start(["EURUSD"])
    times = [feed.step()[0].time for _ in range(3)]
    assert times[0] >= last and times == sorted(times)


async def test_feed_without_a_journal_price_of_its_symbols_generates_as_before():
    point = stored_point(THURSDAY, {"GBPUSD": 1.25})
    fresh = SimulatedFeed(speed="max", seed=7, sim_start=THURSDAY)
    resumed = SimulatedFeed(speed="max", seed=7, sim_start=THURSDAY, resume=point)
    for feed in (fresh, resumed):
        await feed.start(["EURUSD"])
    assert [q.bid for q in fresh.step()] == [q.bid for q in resumed.step()]
    assert not math.isnan(fresh.step()[0].bid)


async def test_unseeded_restarts_show_the_same_invented_past_and_different_futures():
    point = stored_point(THURSDAY, {"EURUSD": 1.1})
    feeds = [SimulatedFeed(speed=60, resume=point, now=lambda: THURSDAY) for _ in range(2)]
    for feed in feeds:
        await feed.start(["EURUSD"])
    first, second = [await feed.history("EURUSD", Timeframe.H1, 200) for feed in feeds]
    assert first == second
    paths = [[feed.step()[0].bid for _ in range(400)] for feed in feeds]
    assert paths[0] != paths[1]


@pytest.mark.parametrize(("speed", "seed"), [(1, None), (60, None), (60, 7)])
async def test_the_past_seen_at_the_first_start_is_the_past_every_restart_shows(speed, seed):
    """Lived in: the chart left of the first start changed shape at the first restart."""
    start = THURSDAY + timedelta(seconds=45)
    first = SimulatedFeed(speed=speed, seed=seed, sim_start=start, now=lambda: start)
    await first.start(["EURUSD", "GBPUSD"])
    assert first.past is not None and first.past.end == start and first.past.always_open == (speed == 1)
    assert SimPast.parse(first.past.text()) == first.past  # what the journal keeps reads back
    before = await first.history("EURUSD", Timeframe.M1, 2_000)
    [tick, _] = first.step()
    # The journal after a short session: two M1 bars, and an M15 bar begun before the first start.
    stored = stored_point(start + timedelta(minutes=2), {"EURUSD": tick.bid}, minutes=2)
    m15 = Bar("EURUSD", Timeframe.M15, THURSDAY - timedelta(minutes=15), 1.05, 1.06, 1.04, 1.05)
    point = replace(stored, first_bar={"EURUSD": m15}, past=first.past)
    later = start + timedelta(minutes=5)
    for _ in range(2):  # every restart, not only the first
        restarted = SimulatedFeed(speed=speed, seed=seed, resume=point, sim_start=start, now=lambda: later)
        await restarted.start(["EURUSD"])
        again = [b for b in await restarted.history("EURUSD", Timeframe.M1, 2_000) if b.time < THURSDAY]
        assert again == before[-len(again) :] and len(again) > 1_000
        assert restarted.past is None  # nothing new to record


def test_a_record_that_does_not_read_is_no_record():
    for text in (None, "", "12|not a time|1", "12|2026-11-19T12:00:00|1", "x|2026-11-19T12:00:00+00:00|0", "1|2|3|4"):
        assert SimPast.parse(text) is None, text
