"""SymbolBars.bars: the resampled tail equals resampling the whole M1 history, live bars included."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import numpy as np
import pandas as pd
import pytest

from datafeeds.sim.history import SymbolBars, generate_history
from datafeeds.sim.model import MarketModel
from engine.values import Quote, Timeframe

FRIDAY_EVENING = datetime(2026, 11, 27, 21, 7, tzinfo=timezone.utc)  # the weekend closure is inside the history


def _whole(symbol_bars: SymbolBars, timeframe: Timeframe, count: int) -> list[tuple]:
    """The reference: every M1 bar resampled, only complete intervals, the last ``count``."""
    frame = symbol_bars.frame()
    if timeframe is not Timeframe.M1:
        last_close = frame.index[-1] + pd.Timedelta(minutes=1)
        origin = {} if timeframe is Timeframe.D1 else {"origin": "epoch"}
        frame = (
            frame.resample(timeframe.pandas_rule, label="left", closed="left", **origin)
            .agg({"open": "first", "high": "max", "low": "min", "close": "last"})
            .dropna()
        )
        frame = frame[frame.index + pd.Timedelta(seconds=timeframe.seconds) <= last_close]
    frame = frame.iloc[-count:]
    return [
        (t.to_pydatetime(), o, h, low, c)
        for t, o, h, low, c in zip(frame.index, frame["open"], frame["high"], frame["low"], frame["close"], strict=True)
    ]


def _tuples(bars) -> list[tuple]:
    return [(b.time, b.open, b.high, b.low, b.close) for b in bars]


@pytest.fixture(scope="module")
def eurusd() -> SymbolBars:
    model = MarketModel(["EURUSD"], seed=3)
    return generate_history(model, ["EURUSD"], FRIDAY_EVENING, days=12, always_open=False)["EURUSD"]


@pytest.mark.parametrize("timeframe", list(Timeframe))
@pytest.mark.parametrize("count", [1, 7, 500, 100_000])
def test_the_tail_resampled_equals_the_whole_history_resampled(eurusd, timeframe, count):
    got = eurusd.bars(timeframe, count)
    assert _tuples(got) == _whole(eurusd, timeframe, count)
    assert all(bar.time.tzinfo is not None and bar.timeframe is timeframe for bar in got)


def test_live_bars_join_the_history_and_the_cached_frame_follows_them():
    model = MarketModel(["EURUSD"], seed=4)
    bars = generate_history(model, ["EURUSD"], FRIDAY_EVENING - timedelta(days=1), days=3, always_open=True)["EURUSD"]
    before = bars.bars(Timeframe.M1, 10)
    start = FRIDAY_EVENING - timedelta(days=1)
    for second in range(0, 3 * 60 + 1, 20):  # three live minutes closed, a fourth forming
        when = start + timedelta(seconds=second)
        bid = 1.1 + second * 1e-5
        bars.add_quote(Quote("EURUSD", bid, bid + 0.0001, when))
    after = bars.bars(Timeframe.M1, 10)
    assert after[:-3] == before[3:]
    assert [b.time for b in after[-3:]] == [start + timedelta(minutes=m) for m in range(3)]
    assert after[-1].close == pytest.approx(1.1 + 160e-5)
    assert _tuples(bars.bars(Timeframe.M5, 50)) == _whole(bars, Timeframe.M5, 50)
    assert np.isclose(bars.frame()["close"].iloc[-1], after[-1].close)
