"""How the replay shows the broker a stretch of rows it skipped (a mixin of ``ReplayRunner``).

Skipped rows reach no trigger level and no stop-out (``engine.replay.guard``), so the only
things they can change are the extremes behind each open trade's MFE/MAE and, with several
symbols, the conversion rates. The broker is therefore shown each symbol's lowest and highest
price of the stretch that is new since a trade last opened on it (in time order), and, with
several symbols, each symbol's last close. With one symbol of bars and no pending order, the
extremes go to ``broker.observe`` rather than as quotes.

The runner owns the state read here; it is declared once, in ``RunnerState``, which
``ReplayRunner`` must satisfy (mypy refuses to instantiate a runner that lacks any of it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, SupportsIndex

import numpy as np

from engine.replay.market import MarketRows


class RunnerState(Protocol):
    """What ``StretchView`` reads (and, for the extremes, updates) of ``ReplayRunner``."""

    market: MarketRows  # the price rows being replayed
    open_ids: set[int]  # ids of the open trades
    active_ids: set[int]  # ids of the open trades and pending orders
    _last_bid: list[float]  # per symbol index: the last bid sent to the broker
    _seen_low: list[float]  # per symbol index: the lowest bid sent since a trade last opened on it
    _seen_high: list[float]  # per symbol index: the highest bid sent since a trade last opened on it
    # the broker's ``observe(symbol, low_bid, high_bid, low_ask, high_ask)``, when it has one
    _observe: Callable[[str, float, float, float, float], None] | None

    def _quote(self, row: int, bid: float, ask: float, when_ns: int) -> None: ...


class StretchView(RunnerState):
    """``_show_stretch`` of ``ReplayRunner`` (see the module doc)."""

    def _show_stretch(self, a: int, b: int) -> None:
        """Show the broker the extremes (and, multi-symbol, last closes) of skipped rows [a, b)."""
        market = self.market
        points: list[tuple[int, int, float]] = []  # (time ns, row, bid)
        offset = market.bar_ns // 4
        if market.sym is None and market.ask is None:
            self._show_bar_stretch(a, b, offset)
            return
        symbols = [None] if market.sym is None else np.unique(market.sym[a:b])
        for k in symbols:
            rows = None if k is None or market.sym is None else a + np.flatnonzero(market.sym[a:b] == k)
            low = market.low[a:b] if rows is None else market.low[rows]
            high = market.high[a:b] if rows is None else market.high[rows]

            def pick(i: SupportsIndex, rows: np.ndarray | None = rows) -> int:
                return a + int(i) if rows is None else int(rows[i])

            if self.open_ids:
                i_low, i_high = pick(np.argmin(low)), pick(np.argmax(high))
                seen = 0 if k is None else int(k)
                # only new extremes since the latest open can change an open trade's MFE/MAE
                if market.ask is not None or market.low[i_low] < self._seen_low[seen]:
                    points.append((int(market.times[i_low]) + offset, i_low, float(market.low[i_low])))
                if market.ask is not None or market.high[i_high] > self._seen_high[seen]:
                    points.append((int(market.times[i_high]) + offset, i_high, float(market.high[i_high])))
                if market.ask is not None:
                    ask = market.ask[a:b] if rows is None else market.ask[rows]
                    for i in (pick(np.argmin(ask)), pick(np.argmax(ask))):
                        points.append((int(market.times[i]), i, float(market.low[i])))
            if k is not None:
                last = pick(low.shape[0] - 1)
                points.append((int(market.times[last]) + 3 * offset, last, float(market.close[last])))
        for when, row, bid in sorted(points):
            self._quote(row, bid, market.ask_at(row, bid), when)

    def _show_bar_stretch(self, a: int, b: int, offset: int) -> None:
        """``_show_stretch`` for bars of one symbol: the stretch's new lowest and highest bid."""
        if not self.open_ids:
            return
        market = self.market
        i_low = a + int(market.low[a:b].argmin())
        i_high = a + int(market.high[a:b].argmax())
        low, high = float(market.low[i_low]), float(market.high[i_high])
        points = []
        # only new extremes since the latest open can change an open trade's MFE/MAE
        if low < self._seen_low[0]:
            points.append((int(market.times[i_low]) + offset, i_low, low))
        if high > self._seen_high[0]:
            points.append((int(market.times[i_high]) + offset, i_high, high))
        if len(points) == 2 and points[1] < points[0]:
            points.reverse()
        if self._observe is None or len(self.active_ids) != len(self.open_ids):
            for when, row, bid in points:
                self._quote(row, bid, market.ask_at(row, bid), when)
            return
        # Without pending orders these prices can only move extremes (the stretch reaches no
        # level, the guard rules out a stop-out): the broker records them without a quote.
        for _, _, bid in points:
            self._last_bid[0] = bid
            if bid < self._seen_low[0]:
                self._seen_low[0] = bid
            if bid > self._seen_high[0]:
                self._seen_high[0] = bid
        if points:
            bids = [bid for _, _, bid in points]
            low, high = min(bids), max(bids)
            self._observe(market.symbols[0], low, high, market.ask_at(a, low), market.ask_at(a, high))
