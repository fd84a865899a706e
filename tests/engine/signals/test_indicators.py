"""Indicators: the incremental classes give the batch (pandas) numbers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from engine.signals import indicators as ind
from tests.engine.signals.factories import bars_from_closes, frame_of, random_walk


@pytest.fixture(scope="module")
def frame():
    return frame_of(bars_from_closes(random_walk(400, seed=3), wick=0.0003))


def test_ema_incremental_equals_batch(frame):
    inc = ind.Ema(20)
    got = [inc.update(x) for x in frame["close"]]
    np.testing.assert_allclose(got, ind.ema(frame["close"], 20), rtol=0, atol=1e-12)


def test_rsi_incremental_equals_batch(frame):
    inc = ind.Rsi(14)
    got = [inc.update(x) for x in frame["close"]]
    np.testing.assert_allclose(got, ind.rsi(frame["close"], 14), rtol=0, atol=1e-9)


def test_macd_incremental_equals_batch(frame):
    inc = ind.Macd()
    got = np.array([inc.update(x) for x in frame["close"]])
    np.testing.assert_allclose(got, ind.macd(frame["close"]).to_numpy(), rtol=0, atol=1e-12)


def test_atr_incremental_equals_batch(frame):
    inc = ind.Atr(14)
    got = [inc.update(h, lo, c) for h, lo, c in zip(frame["high"], frame["low"], frame["close"], strict=True)]
    np.testing.assert_allclose(got, ind.atr(frame["high"], frame["low"], frame["close"]), rtol=0, atol=1e-12)


def test_rsi_rising_series_is_100_and_falling_is_0():
    up = pd.Series(np.arange(1.0, 40.0))
    assert ind.rsi(up).iloc[-1] == pytest.approx(100.0)
    assert ind.rsi(up[::-1].reset_index(drop=True)).iloc[-1] == pytest.approx(0.0)


def test_rsi_wilder_known_value():
    # Two changes: +1 then -1 with n=2: gain = 1 then 0.5; loss = 0 then 0.5 -> RSI 50.
    assert ind.rsi(pd.Series([1.0, 2.0, 1.0]), 2).iloc[-1] == pytest.approx(50.0)


def test_atr_uses_previous_close_for_gaps():
    # Second bar gaps up: true range = high - previous close, not high - low.
    tr = ind.true_range(pd.Series([1.0, 1.6]), pd.Series([0.9, 1.5]), pd.Series([1.0, 1.55]))
    assert tr.tolist() == pytest.approx([0.1, 0.6])


def test_sma_incremental_equals_batch_and_is_undefined_while_warming_up(frame):
    inc = ind.Sma(20)
    got = np.array([inc.update(x) for x in frame["close"]])
    want = ind.sma(frame["close"], 20).to_numpy()
    assert np.isnan(got[:19]).all() and np.isnan(want[:19]).all()
    np.testing.assert_allclose(got[19:], want[19:], rtol=0, atol=1e-12)
    assert got[19] == pytest.approx(frame["close"].iloc[:20].mean())


def test_bollinger_incremental_equals_batch_with_population_deviation(frame):
    inc = ind.Bollinger(20, 2.0)
    got = np.array([inc.update(x) for x in frame["close"]])
    want = ind.bollinger(frame["close"], 20, 2.0).to_numpy()
    np.testing.assert_allclose(got[19:], want[19:], rtol=0, atol=1e-12)
    window = frame["close"].iloc[:20].to_numpy()
    assert got[19][1] == pytest.approx(window.mean() + 2.0 * window.std(ddof=0))
    assert np.isnan(got[:19]).all()


def test_rsi_averages_are_the_state_of_the_incremental_rsi(frame):
    averages = ind.rsi_averages(frame["close"], 14)
    inc = ind.Rsi(14)
    for i, x in enumerate(frame["close"]):
        inc.update(x)
        if i == 0:
            assert np.isnan(averages["gain"].iloc[0])
        else:
            assert averages["gain"].iloc[i] == pytest.approx(inc.gain, abs=1e-12)
            assert averages["loss"].iloc[i] == pytest.approx(inc.loss, abs=1e-12)
