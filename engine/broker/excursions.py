"""Price extremes since each trade's open, at constant cost per tick.

Per symbol, time is cut into *segments*: a new segment starts whenever a
trade opens on the symbol. A tick only updates the four extremes of the
current segment (highest/lowest bid, highest/lowest ask) — four comparisons,
whatever the number of open trades. When a segment ends, its extremes go on
four monotonic stacks (segment index, value), so the extreme over "every
segment from s on" is the first stack entry whose index is ≥ s (binary
search). A trade remembers the segment it opened in; its extremes since the
open are materialised only when a record is produced.

MFE/MAE (pips, from the entry): a buy is valued at the bid, a sell at the ask;
mfe = max(0, best move), mae = min(0, worst move).
"""

from __future__ import annotations

import math
from bisect import bisect_left

_INF = math.inf


class _SuffixStack:
    """Suffix maxima of an append-only sequence (use negated values for minima)."""

    __slots__ = ("index", "value")

    def __init__(self) -> None:
        self.index: list[int] = []
        self.value: list[float] = []

    def push(self, index: int, value: float) -> None:
        values = self.value
        while values and values[-1] <= value:
            values.pop()
            self.index.pop()
        self.index.append(index)
        values.append(value)

    def max_from(self, start: int) -> float:
        """Return the max over entries with index ≥ ``start`` (−inf when none)."""
        pos = bisect_left(self.index, start)
        return self.value[pos] if pos < len(self.value) else -_INF


class Excursions:
    """Extremes of one symbol's bid and ask, per segment (see the module doc)."""

    __slots__ = ("segment", "max_bid", "min_bid", "max_ask", "min_ask", "_hi_bid", "_lo_bid", "_hi_ask", "_lo_ask")

    def __init__(self) -> None:
        self._hi_bid = _SuffixStack()
        self._lo_bid = _SuffixStack()
        self._hi_ask = _SuffixStack()
        self._lo_ask = _SuffixStack()
        self.segment = 0
        self.max_bid = self.max_ask = -_INF
        self.min_bid = self.min_ask = _INF

    def observe(self, bid: float, ask: float) -> None:
        """Record one tick (the broker inlines this on its hot path)."""
        if bid > self.max_bid:
            self.max_bid = bid
        if bid < self.min_bid:
            self.min_bid = bid
        if ask > self.max_ask:
            self.max_ask = ask
        if ask < self.min_ask:
            self.min_ask = ask

    def start_segment(self, bid: float | None, ask: float | None) -> int:
        """End the current segment, start one that includes the current quote; return its index."""
        if self.max_bid > -_INF:
            seg = self.segment
            self._hi_bid.push(seg, self.max_bid)
            self._lo_bid.push(seg, -self.min_bid)
            self._hi_ask.push(seg, self.max_ask)
            self._lo_ask.push(seg, -self.min_ask)
        self.segment += 1
        self.max_bid = self.max_ask = -_INF
        self.min_bid = self.min_ask = _INF
        if bid is not None and ask is not None:
            self.observe(bid, ask)
        return self.segment

    def since(self, segment: int) -> tuple[float, float, float, float]:
        """Return (max_bid, min_bid, max_ask, min_ask) since ``segment`` began (±inf if unseen)."""
        if segment >= self.segment:  # the current segment: no finished one is that recent
            return self.max_bid, self.min_bid, self.max_ask, self.min_ask
        return (
            max(self.max_bid, self._hi_bid.max_from(segment)),
            min(self.min_bid, -self._lo_bid.max_from(segment)),
            max(self.max_ask, self._hi_ask.max_from(segment)),
            min(self.min_ask, -self._lo_ask.max_from(segment)),
        )

    def reset(self) -> None:
        """Forget everything (no trade is open on the symbol any more)."""
        segment = self.segment
        Excursions.__init__(self)
        self.segment = segment


def excursion_pips(
    sign: int, entry: float, pip: float, extremes: tuple[float, float, float, float]
) -> tuple[float, float]:
    """Return (mfe_pips ≥ 0, mae_pips ≤ 0) of a trade of side ``sign`` from ``extremes``."""
    max_bid, min_bid, max_ask, min_ask = extremes
    if sign > 0:
        best, worst = max_bid, min_bid
    else:
        best, worst = min_ask, max_ask
    if not math.isfinite(best) or not math.isfinite(worst):
        return 0.0, 0.0
    mfe = max(0.0, sign * (best - entry) / pip)
    mae = min(0.0, sign * (worst - entry) / pip)
    return round(mfe, 1), round(mae, 1)
