"""BarBuilder and pandas resampling: bar boundaries, closes, forming bars, seeding."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from engine.bars import BarBuilder, resample
from engine.values import Bar, Quote, Timeframe

T0 = datetime(2026, 11, 23, 0, 0, tzinfo=timezone.utc)  # a Monday, 00:00 UTC


def q(seconds: float, bid: float, symbol: str = "EURUSD") -> Quote:
    return Quote(symbol, bid, bid + 0.0001, T0 + timedelta(seconds=seconds))


def test_bar_builder_first_quote_forms_but_closes_nothing():
    builder = BarBuilder()
    assert builder.on_quote(q(1, 1.1)) == []
    forming = builder.forming("EURUSD", Timeframe.M1)
    assert forming is not None and (forming.open, forming.close, forming.volume) == (1.1, 1.1, 1)


def test_bar_builder_quote_in_next_minute_closes_m1_with_ohlc_of_bids():
    builder = BarBuilder()
    for seconds, bid in [(1, 1.10), (10, 1.13), (20, 1.09), (59.9, 1.11)]:
        assert builder.on_quote(q(seconds, bid)) == []
    closed = builder.on_quote(q(61, 1.12))
    assert closed == [Bar("EURUSD", Timeframe.M1, T0, 1.10, 1.13, 1.09, 1.11, 4)]


def test_bar_builder_hour_boundary_closes_every_timeframe_below_h1_in_order():
    builder = BarBuilder()
    builder.on_quote(q(0, 1.1))
    builder.on_quote(q(3599, 1.2))
    closed = builder.on_quote(q(3600, 1.15))
    assert [b.timeframe for b in closed] == [Timeframe.M1, Timeframe.M5, Timeframe.M15, Timeframe.M30, Timeframe.H1]
    h1 = closed[-1]
    assert (h1.time, h1.open, h1.high, h1.low, h1.close, h1.volume) == (T0, 1.1, 1.2, 1.1, 1.2, 2)


def test_bar_builder_out_of_order_quote_is_ignored():
    builder = BarBuilder()
    builder.on_quote(q(61, 1.1))
    assert builder.on_quote(q(30, 1.5)) == []
    assert builder.forming("EURUSD", Timeframe.M1).high == 1.1


def test_bar_builder_keeps_symbols_apart_and_returns_closed_plus_forming():
    builder = BarBuilder(timeframes=[Timeframe.M1])
    for minute in range(5):
        builder.on_quote(q(minute * 60, 1.1 + minute / 1000))
        builder.on_quote(q(minute * 60, 150.0 + minute, symbol="USDJPY"))
    bars = builder.bars("EURUSD", Timeframe.M1, limit=3)
    assert [b.time for b in bars] == [T0 + timedelta(minutes=m) for m in (2, 3, 4)]
    assert all(b.symbol == "EURUSD" for b in bars)
    assert builder.bars("USDJPY", Timeframe.M1, limit=10)[-1].close == 154.0
    assert builder.bars("USDJPY", Timeframe.M1, limit=10, include_forming=False)[-1].close == 153.0


def _m1(minutes: int, start: datetime = T0) -> list[Bar]:
    return [
        Bar("EURUSD", Timeframe.M1, start + timedelta(minutes=i), 1.0 + i, 1.5 + i, 0.5 + i, 1.2 + i, 1)
        for i in range(minutes)
    ]


@pytest.mark.parametrize(("timeframe", "count"), [(Timeframe.M5, 12), (Timeframe.M15, 4), (Timeframe.H1, 1)])
def test_resample_aggregates_m1_into_higher_timeframe(timeframe, count):
    bars = resample(_m1(60), timeframe)
    assert len(bars) == count
    step = timeframe.seconds // 60
    first = bars[0]
    assert (first.time, first.open, first.high, first.low, first.close, first.volume) == (
        T0,
        1.0,
        1.5 + step - 1,
        0.5,
        1.2 + step - 1,
        step,
    )


def test_resample_drops_empty_intervals():
    bars = _m1(5) + _m1(5, start=T0 + timedelta(hours=2))
    assert [b.time for b in resample(bars, Timeframe.H1)] == [T0, T0 + timedelta(hours=2)]


def test_seed_m1_history_fills_higher_timeframes_and_the_first_quote_continues_the_last_interval():
    builder = BarBuilder()
    builder.seed(_m1(120))
    h1 = builder.bars("EURUSD", Timeframe.H1, limit=10)
    assert [b.time for b in h1] == [T0, T0 + timedelta(hours=1)]  # the second hour so far, from M1
    builder.on_quote(q(119 * 60 + 30, 1.0))  # live quote inside the last seeded minute
    m1 = builder.bars("EURUSD", Timeframe.M1, limit=500)
    assert m1[-2].time == T0 + timedelta(minutes=118)
    last = m1[-1]  # the seeded minute continued, not replaced: its open and extremes stay
    assert (last.time, last.open, last.high, last.low, last.close, last.volume) == (
        T0 + timedelta(minutes=119),
        120.0,
        120.5,
        1.0,
        1.0,
        2,
    )
    hour = builder.bars("EURUSD", Timeframe.H1, limit=10)[-1]
    assert (hour.time, hour.open, hour.high, hour.close) == (T0 + timedelta(hours=1), 61.0, 120.5, 1.0)
    assert hour.low == 1.0 and hour.volume == 61


def test_first_quote_of_the_day_after_a_restart_continues_the_day_from_journal_m1_bars():
    """A journal holds yesterday's D1 and today's M1 bars: today's candle opens at 00:00's price."""
    builder = BarBuilder()
    yesterday = Bar("EURUSD", Timeframe.D1, T0 - timedelta(days=1), 0.9, 1.0, 0.8, 0.95, 500)
    builder.seed([yesterday, *_m1(600)])  # 00:00-10:00 today in M1
    builder.on_quote(q(600 * 60 + 5, 500.0))  # the first live quote at 10:00:05
    d1 = builder.bars("EURUSD", Timeframe.D1, limit=5)
    assert [b.time for b in d1] == [T0 - timedelta(days=1), T0]
    today = d1[-1]
    assert (today.open, today.high, today.low, today.close) == (1.0, 600.5, 0.5, 500.0)
    assert today.volume == 601
