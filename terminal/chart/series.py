"""A Qt-free OHLC series held in numpy arrays.

Bars are indexed 0..n-1 in time order; the chart's x coordinate *is* this
index, so market closures (weekends) leave no gap. Times are UTC epoch
seconds (``int64``) of each bar's open; prices are bid prices (``float64``).

Appending is amortised O(1): the arrays grow by doubling. A price applied to
the series updates the *forming* (last) bar in place, or opens a new bar when
the price belongs to a later period of the series' timeframe. Closed bars
published by the engine may arrive after a price has opened the next bar:
they are merged into their place (``apply_bar``), never refused, so the
series stays equal to the engine's bar store (``engine.bars.BarBuilder``).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Sequence
from datetime import datetime, timezone

import numpy as np

from engine.values import Bar, Timeframe

_INITIAL_CAPACITY = 1024
_CHANGE_LOG = 256


class BarSeries:
    """OHLCV bars of one symbol and timeframe in growable numpy arrays.

    ``version`` increases whenever a *closed* bar changes (a bar is appended
    behind the forming one, a late closed bar replaces or is inserted before
    it, or the series is replaced); ``first_change_since(version)`` says from
    which bar on, so drawing caches and indicators redo only that part.
    ``forming_version`` increases on every change, prices included.
    """

    def __init__(self, symbol: str, timeframe: Timeframe, capacity: int = _INITIAL_CAPACITY) -> None:
        self.symbol = symbol
        self.timeframe = timeframe
        self._n = 0
        self._time = np.zeros(max(capacity, 1), dtype=np.int64)
        self._ohlcv = np.zeros((max(capacity, 1), 5), dtype=np.float64)
        self.version = 0
        self.forming_version = 0
        self._seen = 0.0  # epoch s up to which the last bar's prices are known
        self._changes: deque[tuple[int, int]] = deque(maxlen=_CHANGE_LOG)  # (version, first index changed)

    # --- views -------------------------------------------------------------
    def __len__(self) -> int:
        return self._n

    @property
    def times(self) -> np.ndarray:
        """Bar open times, UTC epoch seconds (a view, do not mutate)."""
        return self._time[: self._n]

    @property
    def open(self) -> np.ndarray:
        return self._ohlcv[: self._n, 0]

    @property
    def high(self) -> np.ndarray:
        return self._ohlcv[: self._n, 1]

    @property
    def low(self) -> np.ndarray:
        return self._ohlcv[: self._n, 2]

    @property
    def close(self) -> np.ndarray:
        return self._ohlcv[: self._n, 3]

    @property
    def volume(self) -> np.ndarray:
        return self._ohlcv[: self._n, 4]

    def ohlc(self, start: int, stop: int) -> tuple[np.ndarray, np.ndarray]:
        """Return (times, ohlcv rows) of bars ``start..stop-1`` clipped to the series (views)."""
        start = max(0, start)
        stop = min(self._n, stop)
        if stop <= start:
            return self._time[:0], self._ohlcv[:0]
        return self._time[start:stop], self._ohlcv[start:stop]

    def time_at(self, index: int) -> datetime | None:
        """Open time of bar ``index`` (UTC), extrapolated beyond the last bar; None when empty."""
        if self._n == 0:
            return None
        if index < 0:
            seconds = int(self._time[0]) + index * self.timeframe.seconds
        elif index >= self._n:
            seconds = int(self._time[self._n - 1]) + (index - self._n + 1) * self.timeframe.seconds
        else:
            seconds = int(self._time[index])
        return datetime.fromtimestamp(seconds, tz=timezone.utc)

    def index_at(self, when: datetime) -> int:
        """Index of the bar containing ``when`` (the last bar opening at or before it); -1 if before all."""
        seconds = int(when.timestamp())
        return int(np.searchsorted(self.times, seconds, side="right")) - 1

    def price_range(self, start: int, stop: int) -> tuple[float, float] | None:
        """(lowest low, highest high) of bars ``start..stop-1``; None when none is there."""
        _, rows = self.ohlc(start, stop)
        if len(rows) == 0:
            return None
        return float(rows[:, 2].min()), float(rows[:, 1].max())

    # --- change tracking ---------------------------------------------------
    def first_change_since(self, version: int) -> int | None:
        """Lowest bar index whose *closed* bar changed after ``version``; None when none did.

        Appending reports the new bar's index, replacing or inserting an older
        bar reports that bar's index, replacing the series reports 0 (also when
        ``version`` is older than the change log reaches). Drawing caches and
        indicators redo their work from this index on.
        """
        if version >= self.version:
            return None
        first: int | None = None
        oldest = self.version + 1
        for logged, index in reversed(self._changes):
            if logged <= version:
                break
            first = index if first is None else min(first, index)
            oldest = logged
        if first is None or oldest > version + 1:
            return 0
        return first

    def _changed(self, index: int) -> None:
        self.version += 1
        self.forming_version += 1
        self._changes.append((self.version, index))

    # --- mutation ----------------------------------------------------------
    def _grow(self, needed: int) -> None:
        capacity = len(self._time)
        if needed <= capacity:
            return
        while capacity < needed:
            capacity *= 2
        time = np.zeros(capacity, dtype=np.int64)
        ohlcv = np.zeros((capacity, 5), dtype=np.float64)
        time[: self._n] = self._time[: self._n]
        ohlcv[: self._n] = self._ohlcv[: self._n]
        self._time, self._ohlcv = time, ohlcv

    def clear(self) -> None:
        self._n = 0
        self._seen = 0.0
        self._changed(0)

    def set_arrays(self, times: np.ndarray, ohlcv: np.ndarray) -> None:
        """Replace the content with ``times`` (epoch s) and ``ohlcv`` rows (n × 5, or n × 4 without volume)."""
        n = len(times)
        if ohlcv.shape[0] != n or ohlcv.shape[1] not in (4, 5):
            raise ValueError("ohlcv must have one row of 4 or 5 columns per time")
        self._n = 0
        self._grow(n)
        self._time[:n] = times
        self._ohlcv[:n, : ohlcv.shape[1]] = ohlcv
        if ohlcv.shape[1] == 4:
            self._ohlcv[:n, 4] = 0.0
        self._n = n
        self._seen = float(times[-1]) + self.timeframe.seconds if n else 0.0
        self._changed(0)

    def load(self, bars: Iterable[Bar]) -> None:
        """Replace the content with ``bars`` (oldest first); bars of other timeframes are resampled."""
        bars = list(bars)
        if not bars:
            self.clear()
            return
        times = np.fromiter((int(b.time.timestamp()) for b in bars), dtype=np.int64, count=len(bars))
        ohlcv = np.array([(b.open, b.high, b.low, b.close, b.volume) for b in bars], dtype=np.float64)
        order = np.argsort(times, kind="stable")
        times, ohlcv = times[order], ohlcv[order]
        source_seconds = bars[0].timeframe.seconds
        if source_seconds != self.timeframe.seconds:
            times, ohlcv = resample_arrays(times, ohlcv, self.timeframe)
        self.set_arrays(times, ohlcv)

    def append(self, time: int, open_: float, high: float, low: float, close: float, volume: float = 0.0) -> None:
        """Put one bar opening at ``time`` (epoch s) in its place; a bar already there is replaced.

        A bar later than the last one is appended; one at the last bar's time
        replaces the forming bar; an older one (a late ``BarClosed``) replaces
        the bar of its time, or is inserted in time order when there is none.
        """
        n = self._n
        values = (open_, high, low, close, volume)
        if n == 0 or time > self._time[n - 1]:
            self._grow(n + 1)
            self._time[n] = time
            self._ohlcv[n] = values
            self._n = n + 1
            self._seen = float(time) + self.timeframe.seconds
            self._changed(n)
            return
        if time == self._time[n - 1]:
            self._ohlcv[n - 1] = values
            self._seen = max(self._seen, float(time) + self.timeframe.seconds)
            self.forming_version += 1
            return
        index = int(np.searchsorted(self._time[:n], time))
        if self._time[index] != time:
            self._grow(n + 1)
            self._time[index + 1 : n + 1] = self._time[index:n]
            self._ohlcv[index + 1 : n + 1] = self._ohlcv[index:n]
            self._time[index] = time
            self._n = n + 1
        self._ohlcv[index] = values
        self._changed(index)

    def apply_bar(self, bar: Bar) -> None:
        """Merge a bar of the series' timeframe or a finer one, arriving in any order.

        A bar of the series' timeframe is authoritative: it replaces the bar of
        its time (or is inserted). A finer bar widens its bucket's high and low;
        it sets the close (and adds its volume) only when it holds prices newer
        than any the bucket has seen, so a late finer bar never rewinds the
        forming candle; a bucket the series lacks is created from it.
        """
        seconds = int(bar.time.timestamp())
        if bar.timeframe.seconds == self.timeframe.seconds:
            self.append(seconds, bar.open, bar.high, bar.low, bar.close, bar.volume)
            return
        start = _floor(seconds, self.timeframe.seconds)
        end = float(seconds + bar.timeframe.seconds)
        n = self._n
        index = int(np.searchsorted(self._time[:n], start)) if n else 0
        if index >= n or self._time[index] != start:
            self.append(start, bar.open, bar.high, bar.low, bar.close, bar.volume)
            if index == self._n - 1:
                self._seen = end
            return
        row = self._ohlcv[index]
        row[1] = max(row[1], bar.high)
        row[2] = min(row[2], bar.low)
        if index == n - 1:
            if end > self._seen:
                if seconds >= self._seen:
                    row[4] += bar.volume
                row[3] = bar.close
                self._seen = end
            self.forming_version += 1
        else:
            self._changed(index)

    def apply_price(self, when: datetime | int | float, price: float, volume: float = 1.0) -> bool:
        """Apply one price at ``when`` (datetime or epoch s) to the forming bar.

        ``volume`` is added to the bar's tick volume (the engine counts one per
        quote). Return True when a new bar was opened, False when the forming
        bar was updated in place (or the price was older than it and ignored,
        as the engine ignores it).
        """
        moment = when.timestamp() if isinstance(when, datetime) else float(when)
        start = _floor(int(moment), self.timeframe.seconds)
        if self._n:
            last = self._time[self._n - 1]
            if start == last:
                row = self._ohlcv[self._n - 1]
                if price > row[1]:
                    row[1] = price
                if price < row[2]:
                    row[2] = price
                row[3] = price
                row[4] += volume
                self._seen = max(self._seen, moment)
                self.forming_version += 1
                return False
            if start < last:
                return False
        self.append(start, price, price, price, price, volume)
        self._seen = moment
        return True


def _floor(seconds: int, step: int) -> int:
    return seconds - seconds % step


def resample_arrays(times: np.ndarray, ohlcv: np.ndarray, timeframe: Timeframe) -> tuple[np.ndarray, np.ndarray]:
    """Aggregate bars into ``timeframe`` buckets (epoch-aligned).

    open = first open, high = max high, low = min low, close = last close,
    volume = sum; times must be sorted ascending. Returns new arrays.
    """
    if len(times) == 0:
        return times.copy(), ohlcv.copy()
    step = timeframe.seconds
    buckets = times - times % step
    starts = np.flatnonzero(np.r_[True, buckets[1:] != buckets[:-1]])
    ends = np.r_[starts[1:], len(times)] - 1
    out = np.empty((len(starts), 5), dtype=np.float64)
    out[:, 0] = ohlcv[starts, 0]
    out[:, 1] = np.maximum.reduceat(ohlcv[:, 1], starts)
    out[:, 2] = np.minimum.reduceat(ohlcv[:, 2], starts)
    out[:, 3] = ohlcv[ends, 3]
    out[:, 4] = np.add.reduceat(ohlcv[:, 4], starts) if ohlcv.shape[1] > 4 else 0.0
    return buckets[starts].copy(), out


def resample(series: BarSeries, timeframe: Timeframe) -> BarSeries:
    """Return a new series of ``series``' bars aggregated to ``timeframe`` (must not be shorter)."""
    if timeframe.seconds < series.timeframe.seconds:
        raise ValueError(f"cannot resample {series.timeframe.value} down to {timeframe.value}")
    out = BarSeries(series.symbol, timeframe, capacity=max(len(series), 1))
    if len(series):
        times, ohlcv = resample_arrays(series.times, series._ohlcv[: len(series)], timeframe)  # noqa: SLF001
        out.set_arrays(times, ohlcv)
    return out


def bars_to_series(symbol: str, timeframe: Timeframe, bars: Sequence[Bar]) -> BarSeries:
    """Build a series of ``timeframe`` from ``bars`` (resampled when they are finer)."""
    series = BarSeries(symbol, timeframe, capacity=max(len(bars), 1))
    series.load(bars)
    return series
