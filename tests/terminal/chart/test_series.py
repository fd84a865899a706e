"""The Qt-free series model: append, forming-candle updates, resampling."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.values import Bar, Timeframe
from terminal.chart.series import BarSeries, bars_to_series, resample, resample_arrays

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)  # a Monday, on an M5/H1 boundary


def m1(i: int, o: float, h: float, lo: float, c: float, v: float = 1.0) -> Bar:
    return Bar("EURUSD", Timeframe.M1, T0 + timedelta(minutes=i), o, h, lo, c, v)


def test_series_append_beyond_capacity_keeps_every_bar_in_order():
    series = BarSeries("EURUSD", Timeframe.M1, capacity=2)
    for i in range(1000):
        series.append(1_700_000_040 + 60 * i, 1.0 + i, 2.0 + i, 0.5 + i, 1.5 + i, float(i))
    assert len(series) == 1000
    assert np.all(np.diff(series.times) == 60)
    assert series.close[-1] == 1.5 + 999 and series.volume[10] == 10.0


def test_series_append_older_bar_is_put_in_its_place_not_refused():
    series = BarSeries("EURUSD", Timeframe.M1)
    series.append(120, 1, 1, 1, 1)
    series.append(60, 2, 2, 2, 2)
    series.append(120, 3, 3, 3, 3)
    assert list(series.times) == [60, 120] and list(series.close) == [2, 3]


def test_apply_price_same_period_updates_forming_candle_in_place():
    series = BarSeries("EURUSD", Timeframe.M5)
    assert series.apply_price(T0, 1.1000) is True
    version = series.version
    assert series.apply_price(T0 + timedelta(seconds=30), 1.1010) is False
    assert series.apply_price(T0 + timedelta(seconds=60), 1.0990) is False
    assert series.apply_price(T0 + timedelta(seconds=299), 1.1005) is False
    assert len(series) == 1 and series.version == version  # no closed bar changed
    assert (series.open[0], series.high[0], series.low[0], series.close[0]) == (1.1, 1.101, 1.099, 1.1005)


def test_apply_price_next_period_opens_new_bar_and_ignores_older_prices():
    series = BarSeries("EURUSD", Timeframe.M5)
    series.apply_price(T0, 1.1)
    assert series.apply_price(T0 + timedelta(minutes=5), 1.2) is True
    assert series.apply_price(T0 + timedelta(minutes=1), 9.9) is False  # late tick of a closed bar
    assert len(series) == 2
    assert series.high[0] == 1.1 and series.open[1] == 1.2
    assert series.time_at(1) == T0 + timedelta(minutes=5)


def test_load_finer_bars_resamples_to_series_timeframe():
    bars = [m1(i, 1.0 + i / 100, 1.05 + i / 100, 0.95 + i / 100, 1.01 + i / 100) for i in range(10)]
    series = bars_to_series("EURUSD", Timeframe.M5, bars)
    assert len(series) == 2
    assert series.open[0] == bars[0].open and series.close[0] == bars[4].close
    assert series.high[0] == max(b.high for b in bars[:5]) and series.low[1] == min(b.low for b in bars[5:])
    assert series.volume[0] == 5.0


def test_apply_bar_of_finer_timeframe_merges_into_forming_bar():
    series = BarSeries("EURUSD", Timeframe.H1)
    series.apply_bar(m1(0, 1.0, 1.2, 0.9, 1.1))
    series.apply_bar(m1(1, 1.1, 1.5, 1.0, 1.3))
    assert len(series) == 1
    assert (series.open[0], series.high[0], series.low[0], series.close[0]) == (1.0, 1.5, 0.9, 1.3)


def test_resample_refuses_finer_target():
    with pytest.raises(ValueError, match="cannot resample"):
        resample(BarSeries("EURUSD", Timeframe.H1), Timeframe.M5)


def test_index_at_and_time_at_map_weekend_gap_without_empty_bars():
    friday = datetime(2026, 11, 20, 21, 0, tzinfo=timezone.utc)
    monday = datetime(2026, 11, 22, 22, 0, tzinfo=timezone.utc)
    series = BarSeries("EURUSD", Timeframe.H1)
    series.apply_price(friday, 1.0)
    series.apply_price(monday, 1.1)
    assert len(series) == 2  # no bars for the weekend
    assert series.index_at(monday + timedelta(minutes=5)) == 1
    assert series.index_at(friday - timedelta(hours=1)) == -1
    assert series.time_at(1) == monday and series.time_at(2) == monday + timedelta(hours=1)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 5000), st.floats(0.5, 2.0)), min_size=1, max_size=200))
def test_resample_matches_bucketwise_definition(points):
    points.sort(key=lambda p: p[0])
    times = np.array([60 * t for t, _ in points], dtype=np.int64)
    prices = np.array([p for _, p in points])
    ohlcv = np.column_stack([prices, prices + 0.1, prices - 0.1, prices, np.ones(len(prices))])
    out_t, out = resample_arrays(times, ohlcv, Timeframe.M15)
    buckets = times - times % 900
    for k, start in enumerate(out_t):
        mask = buckets == start
        assert out[k, 0] == prices[mask][0] and out[k, 3] == prices[mask][-1]
        assert out[k, 1] == pytest.approx((prices[mask] + 0.1).max())
        assert out[k, 2] == pytest.approx((prices[mask] - 0.1).min())
        assert out[k, 4] == mask.sum()
    assert len(out_t) == len(np.unique(buckets))


# --- late closed bars (issue 13, item 1) ---------------------------------------------------------


def quote_at(seconds: float, bid: float, stale: bool = False):
    from engine.values import Quote

    return Quote("EURUSD", bid, bid + 0.0001, T0 + timedelta(seconds=seconds), "test", stale=stale)


def row(series: BarSeries, i: int) -> tuple:
    return (int(series.times[i]), *(float(x) for x in series._ohlcv[i]))


def engine_row(bar: Bar) -> tuple:
    return (int(bar.time.timestamp()), bar.open, bar.high, bar.low, bar.close, float(bar.volume))


def feed(series: BarSeries, builder, quote) -> list[Bar]:
    """Apply a quote as the engine publishes it: the price first, then the bars it closed."""
    if not quote.stale:
        series.apply_price(quote.time, quote.bid)
    closed = [] if quote.stale else builder.on_quote(quote)
    for bar in closed:
        if bar.timeframe.seconds <= series.timeframe.seconds:
            series.apply_bar(bar)
    return closed


def test_apply_bar_late_closed_bar_after_next_bar_opened_replaces_it_in_place():
    series = BarSeries("EURUSD", Timeframe.M5)
    series.apply_price(T0, 1.1000)
    series.apply_price(T0 + timedelta(minutes=2), 1.1010)
    series.apply_price(T0 + timedelta(minutes=5, seconds=1), 1.1020)  # a tick opens the next bar first
    late = Bar("EURUSD", Timeframe.M5, T0, 1.1000, 1.1015, 1.0995, 1.1010, 3.0)
    series.apply_bar(late)  # then BarClosed of 09:00 arrives
    assert len(series) == 2
    assert row(series, 0) == engine_row(late)
    assert row(series, 1)[1:5] == (1.102, 1.102, 1.102, 1.102)  # the forming bar keeps the bid


def test_apply_bar_missing_older_bar_is_inserted_in_time_order():
    series = BarSeries("EURUSD", Timeframe.M5)
    series.apply_price(T0, 1.1)
    series.apply_price(T0 + timedelta(minutes=10), 1.2)
    version = series.version
    gap = Bar("EURUSD", Timeframe.M5, T0 + timedelta(minutes=5), 1.15, 1.16, 1.14, 1.15, 2.0)
    series.apply_bar(gap)
    assert [int(t) for t in series.times] == [int((T0 + timedelta(minutes=m)).timestamp()) for m in (0, 5, 10)]
    assert row(series, 1) == engine_row(gap) and series.close[-1] == 1.2
    assert series.version > version and series.first_change_since(version) == 1


def test_apply_bar_finer_closed_bar_never_rewinds_the_forming_close():
    series = BarSeries("EURUSD", Timeframe.M5)
    series.apply_price(T0, 1.1000)
    series.apply_price(T0 + timedelta(minutes=1, seconds=2), 1.1030)  # closes M1 09:00 in the engine
    series.apply_bar(Bar("EURUSD", Timeframe.M1, T0, 1.1000, 1.1000, 1.1000, 1.1000, 1.0))
    assert series.close[-1] == 1.1030 and series.high[-1] == 1.1030


def test_late_bar_change_is_reported_to_drawing_caches():
    series = BarSeries("EURUSD", Timeframe.M5)
    for k in range(4):
        series.apply_price(T0 + timedelta(minutes=5 * k), 1.1 + k / 100)
    version = series.version
    assert series.first_change_since(version) is None
    series.apply_bar(Bar("EURUSD", Timeframe.M5, T0 + timedelta(minutes=10), 1.12, 1.2, 1.1, 1.13, 9.0))
    assert series.first_change_since(version) == 2


@settings(max_examples=60, deadline=None)
@given(
    steps=st.lists(st.tuples(st.floats(0.0, 700.0), st.integers(-30, 30), st.booleans()), min_size=1, max_size=250),
    timeframe=st.sampled_from([Timeframe.M1, Timeframe.M5, Timeframe.M15, Timeframe.H1]),
)
def test_series_fed_like_the_engine_equals_the_engine_bar_store(steps, timeframe):
    """Prices first, then every bar each quote closed (lower timeframes first): as TradingEngine.on_quote."""
    from engine.bars import BarBuilder

    builder = BarBuilder()
    series = BarSeries("EURUSD", timeframe)
    when, price = 0.0, 1.1
    for gap, move, stale in steps:
        when += gap
        price = round(price + move * 1e-5, 5)
        feed(series, builder, quote_at(when, price, stale=stale and when > 0))
        engine = builder.bars("EURUSD", timeframe, limit=10_000)
        assert [row(series, i) for i in range(len(series))] == [engine_row(b) for b in engine]
