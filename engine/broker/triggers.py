"""Per-symbol trigger levels: heaps with lazy deletion.

Every level that a price can cross is kept in one of ten heaps per symbol,
ordered so that the nearest level is on top. Entries are ``(key, trade_id)``;
a max-heap stores the negated level. An entry is *stale* when its trade is
gone or its level changed; stale entries are skipped when they reach the top
and purged when a heap grows past twice its live size, so a tick costs O(1)
when nothing triggers and O(k log n) when k levels trigger.

| heap        | level             | triggers when   |
|-------------|-------------------|-----------------|
| buy_sl      | SL of a buy       | bid ≤ level     |
| sell_stop   | sell stop order   | bid ≤ level     |
| buy_tp      | TP of a buy       | bid ≥ level     |
| sell_limit  | sell limit order  | bid ≥ level     |
| trail_buy   | buy trailing step | bid > level     |
| sell_sl     | SL of a sell      | ask ≥ level     |
| buy_stop    | buy stop order    | ask ≥ level     |
| sell_tp     | TP of a sell      | ask ≤ level     |
| buy_limit   | buy limit order   | ask ≤ level     |
| trail_sell  | sell trailing step| ask < level     |
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Iterator

from engine.broker.position import Position
from engine.values import OrderType, Side, TradeStatus

_INF = math.inf
_OPEN = TradeStatus.OPEN
_PENDING = TradeStatus.PENDING

# name -> (negated (max-heap)?, status, level of a position or None)
HEAPS: dict[str, tuple[bool, TradeStatus, Callable[[Position], float | None]]] = {
    "buy_sl": (True, _OPEN, lambda p: p.sl),
    "sell_stop": (True, _PENDING, lambda p: p.requested_price),
    "buy_tp": (False, _OPEN, lambda p: p.tp),
    "sell_limit": (False, _PENDING, lambda p: p.requested_price),
    "trail_buy": (False, _OPEN, lambda p: p.trail_key),
    "sell_sl": (False, _OPEN, lambda p: p.sl),
    "buy_stop": (False, _PENDING, lambda p: p.requested_price),
    "sell_tp": (True, _OPEN, lambda p: p.tp),
    "buy_limit": (True, _PENDING, lambda p: p.requested_price),
    "trail_sell": (True, _OPEN, lambda p: p.trail_key),
}


# name -> (negated?, status, Position attribute holding the level): HEAPS without lambdas
_META: dict[str, tuple[bool, TradeStatus, str]] = {
    "buy_sl": (True, _OPEN, "sl"),
    "sell_stop": (True, _PENDING, "requested_price"),
    "buy_tp": (False, _OPEN, "tp"),
    "sell_limit": (False, _PENDING, "requested_price"),
    "trail_buy": (False, _OPEN, "trail_key"),
    "sell_sl": (False, _OPEN, "sl"),
    "buy_stop": (False, _PENDING, "requested_price"),
    "sell_tp": (True, _OPEN, "tp"),
    "buy_limit": (True, _PENDING, "requested_price"),
    "trail_sell": (True, _OPEN, "trail_key"),
}
_LOW_BID = ("buy_sl", "sell_stop")
_HIGH_BID = ("buy_tp", "sell_limit", "trail_buy")
_HIGH_ASK = ("sell_sl", "buy_stop")
_LOW_ASK = ("sell_tp", "buy_limit", "trail_sell")


def pending_heap(side: Side, order_type: OrderType) -> str:
    """Return the heap name of a pending order."""
    return f"{side.value}_{order_type.value}"


class Levels:
    """The ten heaps of one symbol plus the cached nearest levels (``bounds``)."""

    __slots__ = ("heaps", "positions", "lo_bid", "hi_bid", "lo_ask", "hi_ask", "dirty")

    def __init__(self, positions: dict[int, Position]) -> None:
        self.heaps: dict[str, list[tuple[float, int]]] = {name: [] for name in HEAPS}
        self.positions = positions
        self.lo_bid = self.lo_ask = -_INF
        self.hi_bid = self.hi_ask = _INF
        # True after a push that ``refresh`` has not seen yet (removals are always followed by
        # an explicit ``refresh`` in the broker, so ``fresh`` only needs to watch pushes)
        self.dirty = False

    def _valid(self, name: str, key: float, trade_id: int) -> bool:
        negated, status, attr = _META[name]
        pos = self.positions.get(trade_id)
        if pos is None or pos.status is not status:
            return False
        level = getattr(pos, attr)
        return level is not None and (-level if negated else level) == key

    def push(self, name: str, level: float | None, trade_id: int) -> None:
        """Add ``level`` of ``trade_id`` to heap ``name`` (None: nothing to watch)."""
        if level is None:
            return
        heap = self.heaps[name]
        heapq.heappush(heap, (-level if _META[name][0] else level, trade_id))
        self.dirty = True
        if len(heap) > 2 * len(self.positions) + 64:
            heap[:] = [entry for entry in heap if self._valid(name, entry[0], entry[1])]
            heapq.heapify(heap)

    def _top(self, name: str) -> float | None:
        """Return the nearest live level of heap ``name`` (dropping stale tops), or None."""
        heap = self.heaps[name]
        if not heap:
            return None
        negated, status, attr = _META[name]
        positions = self.positions
        while heap:
            key, trade_id = heap[0]
            pos = positions.get(trade_id)
            if pos is not None and pos.status is status:
                level = getattr(pos, attr)
                if level is not None and (-level if negated else level) == key:
                    return -key if negated else key
            heapq.heappop(heap)
        return None

    def refresh(self) -> None:
        """Recompute the cached nearest levels after heaps changed.

        low_bid = max(buy_sl, sell_stop), high_bid = min(buy_tp, sell_limit, trail_buy),
        high_ask = min(sell_sl, buy_stop), low_ask = max(sell_tp, buy_limit, trail_sell);
        ±inf when a side has no level.
        """
        heaps = self.heaps
        top = self._top
        lo_bid = lo_ask = -_INF
        hi_bid = hi_ask = _INF
        for name in _LOW_BID:
            if heaps[name]:
                v = top(name)
                if v is not None and v > lo_bid:
                    lo_bid = v
        for name in _HIGH_BID:
            if heaps[name]:
                v = top(name)
                if v is not None and v < hi_bid:
                    hi_bid = v
        for name in _HIGH_ASK:
            if heaps[name]:
                v = top(name)
                if v is not None and v < hi_ask:
                    hi_ask = v
        for name in _LOW_ASK:
            if heaps[name]:
                v = top(name)
                if v is not None and v > lo_ask:
                    lo_ask = v
        self.lo_bid, self.hi_bid, self.hi_ask, self.lo_ask = lo_bid, hi_bid, hi_ask, lo_ask
        self.dirty = False

    def fresh(self) -> None:
        """``refresh`` when a level was pushed since the last one."""
        if self.dirty:
            self.refresh()

    def triggered(self, name: str, price: float) -> Iterator[Position]:
        """Pop and yield, nearest first, the live positions of heap ``name`` that ``price`` triggers.

        The caller handles each position before asking for the next one, so a
        position changed in between is re-checked.
        """
        negated, _, _ = HEAPS[name]
        heap = self.heaps[name]
        strict = name.startswith("trail")
        while heap:
            key, trade_id = heap[0]
            if not self._valid(name, key, trade_id):
                heapq.heappop(heap)
                continue
            level = -key if negated else key
            # A max-heap holds levels crossed from above (price ≤ level), a min-heap from below.
            if negated:
                hit = price < level if strict else price <= level
            else:
                hit = price > level if strict else price >= level
            if not hit:
                return
            heapq.heappop(heap)
            yield self.positions[trade_id]

    def bounds(self) -> tuple[float | None, float | None, float | None, float | None]:
        """Return (low_bid, high_bid, low_ask, high_ask): the nearest levels, None when none."""
        finite = math.isfinite
        lo_bid, hi_bid, lo_ask, hi_ask = self.lo_bid, self.hi_bid, self.lo_ask, self.hi_ask
        return (
            lo_bid if finite(lo_bid) else None,
            hi_bid if finite(hi_bid) else None,
            lo_ask if finite(lo_ask) else None,
            hi_ask if finite(hi_ask) else None,
        )
