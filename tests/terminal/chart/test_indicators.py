"""Chart indicators: the engine's numbers, computed incrementally as bars form, close and arrive late."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import numpy as np
import pandas as pd
import pytest

from engine.signals import indicators as ind
from engine.signals.mtf import MultiTimeframeGenerator
from engine.values import Bar, Timeframe
from terminal.chart.indicators import IndicatorSpec, IndicatorValues, default_specs
from terminal.chart.series import BarSeries

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
SPECS = [
    IndicatorSpec("sma", "sma", (10,)),
    IndicatorSpec("ema", "ema", (20,)),
    IndicatorSpec("bb", "bollinger", (20, 2.0)),
    IndicatorSpec("rsi", "rsi", (14,)),
    IndicatorSpec("macd", "macd", (12, 26, 9)),
    IndicatorSpec("atr", "atr", (14,)),
]


def series_of(n: int, seed: int = 4) -> BarSeries:
    rng = np.random.default_rng(seed)
    close = 1.1 + np.cumsum(rng.normal(0, 0.0003, n))
    open_ = np.r_[close[0], close[:-1]]
    ohlcv = np.column_stack(
        [open_, np.maximum(open_, close) + 0.0002, np.minimum(open_, close) - 0.0002, close, np.ones(n)]
    )
    series = BarSeries("EURUSD", Timeframe.M1)
    series.set_arrays(int(T0.timestamp()) + 60 * np.arange(n, dtype=np.int64), ohlcv)
    return series


def batch(spec: IndicatorSpec, series: BarSeries) -> dict[str, np.ndarray]:
    """What the engine's batch functions give over the whole series now."""
    close, high, low = (pd.Series(np.array(a)) for a in (series.close, series.high, series.low))
    p = spec.params
    if spec.kind == "sma":
        return {"value": ind.sma(close, p[0]).to_numpy()}
    if spec.kind == "ema":
        return {"value": ind.ema(close, p[0]).to_numpy()}
    if spec.kind == "bollinger":
        return {k: v.to_numpy() for k, v in ind.bollinger(close, p[0], p[1]).items()}
    if spec.kind == "rsi":
        return {"value": ind.rsi(close, p[0]).to_numpy()}
    if spec.kind == "macd":
        return {k: v.to_numpy() for k, v in ind.macd(close, *p).items()}
    return {"value": ind.atr(high, low, close, p[0]).to_numpy()}


def assert_equal_to_batch(values: IndicatorValues, series: BarSeries) -> None:
    for name, want in batch(values.spec, series).items():
        np.testing.assert_allclose(values.column(name), want, rtol=0, atol=1e-9, err_msg=name)


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.kind)
def test_indicator_values_follow_prices_bars_and_late_bars_incrementally(spec):
    series = series_of(1_000)
    values = IndicatorValues(spec)
    values.sync(series)
    assert values.recomputed == 1_000
    assert_equal_to_batch(values, series)
    last = int(series.times[-1])
    for k in range(30):  # prices on the forming bar: one bar each
        series.apply_price(last + 1 + k, 1.1 + (k % 5) * 1e-4)
        assert values.sync(series) and values.recomputed == 1
    assert_equal_to_batch(values, series)
    series.apply_price(last + 60, 1.1012)  # a new bar: the closed one and the new one
    values.sync(series)
    assert values.recomputed == 2
    late = Bar("EURUSD", Timeframe.M1, datetime.fromtimestamp(last - 120, tz=timezone.utc), 1.1, 1.2, 1.0, 1.15, 7.0)
    series.apply_bar(late)  # a late bar three from the end
    values.sync(series)
    assert values.recomputed == 4
    assert_equal_to_batch(values, series)
    assert values.sync(series) is False and values.recomputed == 0


def test_indicator_values_reset_when_the_series_is_replaced():
    values = IndicatorValues(SPECS[1])
    values.sync(series_of(300))
    other = series_of(50, seed=9)
    values.sync(other)
    assert len(values.column("value")) == 50
    assert_equal_to_batch(values, other)


def test_default_specs_carry_the_signal_models_own_parameters():
    specs = {s.key: s for s in default_specs()}
    generator = MultiTimeframeGenerator()
    assert specs["ema_fast"].params == (generator.fast_n,) and specs["ema_slow"].params == (generator.slow_n,)
    assert specs["rsi"].params == (generator.rsi_period,) and specs["atr"].params == (generator.atr_period,)
    macd = ind.Macd()
    assert specs["macd"].params == (
        int(2 / macd.fast.alpha - 1),
        int(2 / macd.slow.alpha - 1),
        int(2 / macd.signal.alpha - 1),
    )
    assert not any(s.enabled for s in specs.values())


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ((0,), "period"),
        ((1001,), "period"),
        ((float("nan"),), "period"),
        ((10, 2.0), "params"),
        (("14",), "period"),
        ((True,), "period"),
    ],
)
def test_indicator_spec_refuses_bad_parameters_naming_them(params, field):
    with pytest.raises(ValueError, match=field):
        IndicatorSpec("x", "ema", params).validated()


def test_macd_spec_needs_fast_below_slow():
    with pytest.raises(ValueError, match="fast"):
        IndicatorSpec("m", "macd", (26, 12, 9)).validated()


def test_series_by_timestamps_are_untouched_by_indicator_sync():
    series = series_of(100)
    before = series.close.copy()
    IndicatorValues(SPECS[3]).sync(series)
    assert np.array_equal(before, series.close)
    assert series.time_at(0) == T0 and series.time_at(1) == T0 + timedelta(minutes=1)


@pytest.mark.parametrize("n", [0, 1, 2, 9])
@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.kind)
def test_indicator_values_on_a_series_shorter_than_the_period(spec, n):
    series = series_of(n) if n else BarSeries("EURUSD", Timeframe.M1)
    values = IndicatorValues(spec)
    values.sync(series)
    for name in values._names[:1]:
        assert len(values.column(name)) == n
    if n:
        assert_equal_to_batch(values, series)
        series.apply_price(int(series.times[-1]) + 60, 1.2)  # then it grows bar by bar
        values.sync(series)
        assert values.recomputed == 2 and len(values.column(values._names[0])) == n + 1
        assert_equal_to_batch(values, series)
