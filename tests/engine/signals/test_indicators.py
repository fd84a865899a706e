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
    got = [inc.update(h, lo, c) for h, lo, c in zip(frame["high"], frame["low"], frame["close"])]
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
