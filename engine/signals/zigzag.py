"""ZigZag swing detection, one bar at a time.

A swing high (low) is *confirmed* once price has moved back down (up) from it
by at least ``threshold`` (a price distance, e.g. a multiple of ATR). Until
then the running extreme of the current leg is the *candidate* pivot, which
moves with price. Only bars up to the current one are used: no look-ahead.

When one bar both extends the leg and reverses by the threshold, the
extension is taken first (the order of high and low inside a bar is unknown).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import cast

import numpy as np
import pandas as pd


@dataclass(frozen=True, slots=True)
class Pivot:
    """A swing point: bar ``index`` (running count of bars seen), time (unix s), price, kind (+1 high, -1 low)."""

    index: int
    time: int
    price: float
    kind: int


class ZigZag:
    """Incremental zigzag keeping the last ``keep`` confirmed pivots."""

    __slots__ = ("pivots", "direction", "candidate", "_hi", "_lo", "_count")

    def __init__(self, keep: int = 12) -> None:
        self.pivots: deque[Pivot] = deque(maxlen=keep)
        self.direction = 0  # +1 up leg (candidate is a high), -1 down leg, 0 unknown yet
        self.candidate: Pivot | None = None
        self._hi: Pivot | None = None
        self._lo: Pivot | None = None
        self._count = 0

    def update(self, time: int, high: float, low: float, threshold: float) -> Pivot | None:
        """Feed one bar; return the pivot confirmed by this bar, if any."""
        i = self._count
        self._count += 1
        if self.direction == 0:
            if self._hi is None or high > self._hi.price:
                self._hi = Pivot(i, time, high, 1)
            if self._lo is None or low < self._lo.price:
                self._lo = Pivot(i, time, low, -1)
            if self._hi.price - self._lo.price >= threshold > 0:
                if self._hi.index >= self._lo.index:  # rose from the low: low confirmed
                    self.pivots.append(self._lo)
                    self.direction, self.candidate = 1, self._hi
                    return self._lo
                self.pivots.append(self._hi)
                self.direction, self.candidate = -1, self._lo
                return self._hi
            return None
        cand = self.candidate
        assert cand is not None  # set with the direction
        if self.direction == 1:
            if high > cand.price:
                self.candidate = Pivot(i, time, high, 1)
            elif threshold > 0 and cand.price - low >= threshold:
                self.pivots.append(cand)
                self.direction, self.candidate = -1, Pivot(i, time, low, -1)
                return cand
        else:
            if low < cand.price:
                self.candidate = Pivot(i, time, low, -1)
            elif threshold > 0 and high - cand.price >= threshold:
                self.pivots.append(cand)
                self.direction, self.candidate = 1, Pivot(i, time, high, 1)
                return cand
        return None


def zigzag(df: pd.DataFrame, threshold: float | pd.Series) -> list[Pivot]:
    """Confirmed pivots of a whole frame (``high``/``low`` columns, UTC DatetimeIndex).

    ``threshold`` is a price distance, constant or one per bar.
    """
    zz = ZigZag(keep=len(df) + 1)
    thr = threshold if isinstance(threshold, pd.Series) else pd.Series(float(threshold), index=df.index)
    if df.index.dtype.kind == "M":
        unit = {"s": 1, "ms": 1_000, "us": 1_000_000, "ns": 1_000_000_000}[getattr(df.index, "unit", "ns")]
        times = cast(pd.DatetimeIndex, df.index).asi8 // unit
    else:
        times = np.arange(len(df), dtype=np.int64)
    for t, h, lo, th in zip(times, df["high"].to_numpy(), df["low"].to_numpy(), thr.to_numpy(), strict=True):
        zz.update(int(t), float(h), float(lo), float(th))
    return list(zz.pivots)
