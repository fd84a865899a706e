"""The replay's price rows: every symbol's bars or ticks merged into one time-ordered table.

Rows stay numpy columns. For bars, ``low``/``high``/``open``/``close`` are
bid prices and the ask is bid + the symbol's spread (``spread[symbol]``, in
price units, rounded to the symbol's digits); for ticks all four bid columns
are the tick's bid and ``ask`` is the tick's ask.

``next_reach(start, stop, levels)`` is the skip-ahead: the first row in
[start, stop) whose price range reaches any trigger level of its symbol, found
with vectorised numpy over growing chunks (so a hit near ``start`` costs
little and a long quiet stretch costs one pass). The test is conservative by
half a point, so it may stop at a row that triggers nothing (which is then
walked exactly) but never skips a row that would trigger.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TypeAlias

import numpy as np

from engine.instruments import get_spec
from engine.replay.files import PriceData

FIRST_CHUNK = 64
MAX_CHUNK = 1 << 16

# Trigger levels, symbols × 4: (low_bid, high_bid, low_ask, high_ask), −inf/+inf for "none";
# an array or lists of floats.
Levels: TypeAlias = np.ndarray | Sequence[Sequence[float]]


class MarketRows:
    """Time-ordered rows of one or more symbols (see the module docstring)."""

    def __init__(self, data: PriceData, spread_pips: float | None = None) -> None:
        self.kind = data.kind
        self.symbols = list(data.series)
        self.specs = [get_spec(s) for s in self.symbols]
        self.bar_ns = (data.bar_seconds or 0) * 10**9
        self.spread = np.array(
            [
                round(
                    (spread_pips if spread_pips is not None else spec.typical_spread_pips) * spec.pip_size, spec.digits
                )
                for spec in self.specs
            ]
        )
        self.half_point = np.array([spec.point / 2.0 for spec in self.specs])
        # the same per-symbol constants as Python floats, for the scalar paths
        self.spread_f = [float(v) for v in self.spread]
        self.half_point_f = [float(v) for v in self.half_point]
        self.digits = [spec.digits for spec in self.specs]
        series = [data.series[s] for s in self.symbols]
        if len(series) == 1:
            only = series[0]
            self.sym: np.ndarray | None = None
            self.times, self.open, self.high = only.times, only.open, only.high
            self.low, self.close, self.ask = only.low, only.close, only.ask
        else:
            times = np.concatenate([s.times for s in series])
            order = np.argsort(times, kind="stable")
            self.sym = np.concatenate([np.full(len(s), k, dtype=np.int32) for k, s in enumerate(series)])[order]
            self.times = times[order]
            self.open = np.concatenate([s.open for s in series])[order]
            self.close = np.concatenate([s.close for s in series])[order]
            if self.kind == "ticks":
                self.high = self.low = self.open
                self.ask = np.concatenate([s.ask for s in series])[order]
            else:
                self.high = np.concatenate([s.high for s in series])[order]
                self.low = np.concatenate([s.low for s in series])[order]
                self.ask = None
        self.rows = int(self.times.shape[0])

    def symbol_index(self, row: int) -> int:
        return 0 if self.sym is None else int(self.sym[row])

    def rows_of(self, symbol_index: int) -> np.ndarray | None:
        """Row numbers of one symbol (None: every row, single-symbol data)."""
        return None if self.sym is None else np.flatnonzero(self.sym == symbol_index)

    def entry_row(self, symbol_index: int, time_ns: int, rows: np.ndarray | None) -> int | None:
        """The row that executes a signal at ``time_ns``: the first row strictly after it (for
        bars, the first bar opening after it). None when there is none."""
        times = self.times if rows is None else self.times[rows]
        k = int(np.searchsorted(times, time_ns, side="right"))
        if k >= times.shape[0]:
            return None
        return k if rows is None else int(rows[k])

    def ask_at(self, row: int, bid: float) -> float:
        """The ask that goes with ``bid`` on ``row``."""
        if self.ask is not None:
            return float(self.ask[row])
        k = 0 if self.sym is None else int(self.sym[row])
        ask = round(bid + self.spread_f[k], self.digits[k])
        return ask if ask > bid else bid  # noqa: FURB136  (max(bid, ask) without the call: a hot path)

    def row_reaches(self, row: int, levels: Levels) -> bool:
        """Whether the range of ``row`` reaches a level: ``next_reach`` for one row, in scalars."""
        k = 0 if self.sym is None else int(self.sym[row])
        lb: float
        hb: float
        la: float
        ha: float
        lb, hb, la, ha = levels[k]
        eps = self.half_point_f[k]
        low, high = float(self.low[row]), float(self.high[row])
        if self.ask is None:
            spread = self.spread_f[k]
            return low <= max(lb, la - spread) + eps or high >= min(hb, ha - spread) - eps
        ask = float(self.ask[row])
        return low <= lb + eps or high >= hb - eps or ask <= la + eps or ask >= ha - eps

    def price_reaches(self, row: int, bid: float, levels: Levels) -> bool:
        """Whether ``bid`` (and its ask) on ``row`` reaches a level (half a point of slack)."""
        k = 0 if self.sym is None else int(self.sym[row])
        lb: float
        hb: float
        la: float
        ha: float
        lb, hb, la, ha = levels[k]
        eps = self.half_point_f[k]
        ask = self.ask_at(row, bid)
        return bid <= lb + eps or bid >= hb - eps or ask <= la + eps or ask >= ha - eps

    def next_reach(self, start: int, stop: int, levels: Levels) -> int:
        """First row in [start, stop) reaching a level; ``stop`` when none does.

        ``levels`` is symbols × 4 (an array or lists): (low_bid, high_bid, low_ask, high_ask) with
        −inf/+inf for "none". A bid level is reached when low ≤ it (or high ≥
        it); an ask level likewise with the row's ask range.
        """
        size = FIRST_CHUNK
        while start < stop:
            end = min(stop, start + size)
            mask = self._reach_mask(start, end, levels)
            first = int(mask.argmax())  # the first True, or 0 when there is none
            if mask[first]:
                return start + first
            start = end
            size = min(size * 4, MAX_CHUNK)
        return stop

    def _reach_mask(self, a: int, b: int, levels: Levels) -> np.ndarray:
        low: np.ndarray = self.low[a:b]
        high: np.ndarray = self.high[a:b]
        if self.sym is None:
            lb, hb, la, ha = levels[0]
            eps = self.half_point_f[0]
            if self.ask is None:
                spread = self.spread_f[0]
                return (low <= max(lb, la - spread) + eps) | (high >= min(hb, ha - spread) - eps)
            ask = self.ask[a:b]
            return (low <= lb + eps) | (high >= hb - eps) | (ask <= la + eps) | (ask >= ha - eps)
        sym = self.sym[a:b]
        table = np.asarray(levels, dtype="float64")
        eps = self.half_point[sym]
        lb, hb, la, ha = (table[sym, k] for k in range(4))
        if self.ask is None:
            spread = self.spread[sym]
            ask_low, ask_high = low + spread, high + spread
        else:
            ask_low = ask_high = self.ask[a:b]
        mask: np.ndarray = (low <= lb + eps) | (high >= hb - eps) | (ask_low <= la + eps) | (ask_high >= ha - eps)
        return mask


def levels_rows(bounds: list[tuple[float | None, float | None, float | None, float | None]]) -> list[list[float]]:
    """Turn ``trigger_bounds`` tuples (None = no level) into symbols × 4 rows of floats (±inf: no level)."""
    inf = math.inf
    return [
        [
            -inf if lb is None else float(lb),
            inf if hb is None else float(hb),
            -inf if la is None else float(la),
            inf if ha is None else float(ha),
        ]
        for lb, hb, la, ha in bounds
    ]
