"""BarsFrame (the bounded bar window) and StreamStates (incremental state kept in step)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from engine.signals.protocol import BarsFrame, StreamStates
from engine.values import Timeframe
from tests.engine.signals.factories import bars_from_closes


def test_bars_frame_keeps_last_capacity_bars_across_compaction():
    bars = bars_from_closes([1.0 + i / 1000 for i in range(23)])
    frame = BarsFrame("EURUSD", Timeframe.H1, capacity=5)
    for bar in bars:
        frame.append(bar)
    assert len(frame) == 5
    assert frame.close.tolist() == pytest.approx([b.close for b in bars[-5:]])
    assert frame.time_at(-1) == bars[-1].time
    df = frame.frame()
    assert df.index[0] == bars[-5].time and list(df.columns) == ["open", "high", "low", "close", "volume"]


def test_bars_frame_ignores_a_bar_not_newer_than_the_last():
    bars = bars_from_closes([1.0, 1.1, 1.2])
    frame = BarsFrame.from_bars(bars)
    frame.append(bars[1])
    assert len(frame) == 3 and frame.close[-1] == 1.2


def test_bars_frame_capacity_too_small_refused():
    with pytest.raises(ValueError):
        BarsFrame("EURUSD", Timeframe.H1, capacity=1)


@dataclass
class Counter:
    last_time: int = 0
    fed: int = 0


def test_stream_states_feeds_only_new_bar_and_rebuilds_after_gap():
    streams = StreamStates(
        Counter, lambda s, bars, i: setattr(s, "fed", s.fed + 1) or setattr(s, "last_time", int(bars.times[i]))
    )
    bars = bars_from_closes([1.0 + i / 100 for i in range(10)])
    frame = BarsFrame.from_bars(bars[:5], capacity=50)
    assert streams.advance("EURUSD", Timeframe.H1, frame).fed == 5  # warm-up from the window
    assert streams.advance("EURUSD", Timeframe.H1, frame) is None  # same bar again: nothing
    frame.append(bars[5])
    assert streams.advance("EURUSD", Timeframe.H1, frame).fed == 6  # only the new bar
    frame.append(bars[7])  # bar 6 missing: a gap
    state = streams.advance("EURUSD", Timeframe.H1, frame)
    assert state.fed == 7 and state.last_time == int(bars[7].time.timestamp())  # rebuilt from the window
