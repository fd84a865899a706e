"""The signal-generator contract and the bar window handed to generators.

A generator is called once per *closed* bar of each timeframe it declares,
off the event loop (in the runner's worker thread), with the recent bars of
that symbol and timeframe. It returns zero or more ``Signal`` values with
``id=None``; the ``SignalBook`` validates, numbers and journals them.

Generators keep their own per-(symbol, timeframe) state and update it with
the newest bar only (O(1) per bar); when they see a window they have no state
for (first call, a gap) they warm up from the whole window.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from typing import Any, Generic, Protocol, TypeVar, runtime_checkable

import numpy as np
import pandas as pd

from engine.values import Bar, Signal, Timeframe

_COLUMNS = ("open", "high", "low", "close", "volume")
S = TypeVar("S", bound=Any)


class BarsFrame:
    """A bounded, append-only window of closed bars of one symbol and timeframe.

    Columns are numpy views (``time`` as int64 unix seconds, prices as float64),
    oldest first; ``frame()`` gives a pandas DataFrame indexed by UTC time
    (built lazily, cached until the next append). Appending is amortised O(1):
    storage is twice ``capacity`` and is compacted when full.
    """

    __slots__ = ("symbol", "timeframe", "capacity", "_data", "_times", "_start", "_end", "_frame")

    def __init__(self, symbol: str, timeframe: Timeframe, capacity: int = 500) -> None:
        if capacity < 2:
            raise ValueError("capacity must be at least 2")
        self.symbol = symbol
        self.timeframe = timeframe
        self.capacity = capacity
        self._data = np.empty((2 * capacity, len(_COLUMNS)), dtype=np.float64)
        self._times = np.empty(2 * capacity, dtype=np.int64)
        self._start = 0
        self._end = 0
        self._frame: pd.DataFrame | None = None

    @classmethod
    def from_bars(cls, bars: Sequence[Bar], capacity: int = 500) -> BarsFrame:
        """Build a window from bars of one symbol and timeframe (oldest first)."""
        if not bars:
            raise ValueError("no bars")
        frame = cls(bars[0].symbol, bars[0].timeframe, capacity)
        for bar in bars:
            frame.append(bar)
        return frame

    def __len__(self) -> int:
        return self._end - self._start

    def append(self, bar: Bar) -> None:
        """Add the newest closed bar; a bar not newer than the last one replaces nothing and is ignored."""
        t = int(bar.time.timestamp())
        if self._end > self._start and t <= self._times[self._end - 1]:
            return
        if self._end == len(self._times):
            keep = self.capacity - 1
            self._data[:keep] = self._data[self._end - keep : self._end]
            self._times[:keep] = self._times[self._end - keep : self._end]
            self._start, self._end = 0, keep
        self._data[self._end] = (bar.open, bar.high, bar.low, bar.close, bar.volume)
        self._times[self._end] = t
        self._end += 1
        if self._end - self._start > self.capacity:
            self._start += 1
        self._frame = None

    def _col(self, i: int) -> np.ndarray:
        return self._data[self._start : self._end, i]

    @property
    def open(self) -> np.ndarray:
        return self._col(0)

    @property
    def high(self) -> np.ndarray:
        return self._col(1)

    @property
    def low(self) -> np.ndarray:
        return self._col(2)

    @property
    def close(self) -> np.ndarray:
        return self._col(3)

    @property
    def volume(self) -> np.ndarray:
        return self._col(4)

    @property
    def times(self) -> np.ndarray:
        """Open times as int64 unix seconds."""
        return self._times[self._start : self._end]

    def time_at(self, i: int) -> datetime:
        """Open time of bar ``i`` (negative counts from the newest) as a UTC datetime."""
        return datetime.fromtimestamp(int(self.times[i]), tz=timezone.utc)

    def frame(self) -> pd.DataFrame:
        """The window as a DataFrame indexed by UTC open time (cached)."""
        if self._frame is None:
            index = pd.to_datetime(self.times, unit="s", utc=True)
            self._frame = pd.DataFrame(self._data[self._start : self._end].copy(), index=index, columns=list(_COLUMNS))
        return self._frame


@runtime_checkable
class SignalGenerator(Protocol):
    """Something that turns closed bars into signals.

    ``name`` becomes each signal's ``source``; ``timeframes`` are the bar
    timeframes it wants. ``on_bar`` is called from a worker thread, never on
    the event loop, once per closed bar, and must not block on I/O.
    """

    name: str
    timeframes: tuple[Timeframe, ...]

    def on_bar(self, symbol: str, timeframe: Timeframe, bars: BarsFrame) -> list[Signal]:
        """Return the signals raised by the newest bar of ``bars`` (often none)."""
        ...


class StreamStates(Generic[S]):
    """Per-(symbol, timeframe) incremental states of a generator, kept in step with ``BarsFrame``s.

    ``factory()`` makes an empty state (an object with a ``last_time`` int
    attribute, 0 when new); ``feed(state, bars, i)`` updates it with bar ``i``
    of the window and sets ``last_time``. ``advance`` feeds only the newest bar
    when the state has seen the one before it, and otherwise rebuilds the state
    from the whole window (first call, or a gap in the bars).
    """

    def __init__(self, factory: Callable[[], S], feed: Callable[[S, BarsFrame, int], None]) -> None:
        self._factory = factory
        self._feed = feed
        self._states: dict[tuple[str, Timeframe], S] = {}

    def get(self, symbol: str, timeframe: Timeframe) -> S | None:
        """The state of a stream, or None."""
        return self._states.get((symbol, timeframe))

    def advance(self, symbol: str, timeframe: Timeframe, bars: BarsFrame) -> S | None:
        """Feed the newest bar; return the state, or None when that bar was already fed."""
        n = len(bars)
        if n == 0:
            return None
        times = bars.times
        key = (symbol, timeframe)
        state = self._states.get(key)
        if state is not None and int(times[-1]) == state.last_time:
            return None
        if state is None or n < 2 or int(times[-2]) != state.last_time:
            state = self._factory()
            self._states[key] = state
            for i in range(n - 1):
                self._feed(state, bars, i)
        self._feed(state, bars, n - 1)
        return state
