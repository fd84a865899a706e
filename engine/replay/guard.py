"""The stop-out guard of the replay's skip-ahead.

Stop-out is not a price level, so the skip search (``MarketRows.next_reach``)
could run past the bar where equity falls below the stop-out level. The
guard adds price levels that come before any possible stop-out.

With E the equity, M the margin and S the stop-out level (%), equity can fall
by ``room = E − S/100 · M · SAFETY`` before a stop-out; it falls at most
``D = SAFETY · Σ pip value / pip size`` (account currency per unit of price,
over every open symbol) as prices move. So no open symbol moving less than
``d = min(room / D, MAX_MOVE · price)`` from the broker's last price can
cause a stop-out: ±d around each open symbol's last bid and ask become
levels. Rows that reach them are walked quote by quote, and that walk finds
the stop-out exactly. ``SAFETY`` (1.25) covers the margin and pip value
changing with the price within ``MAX_MOVE`` (10 %). Conversion pairs without
open trades are not guarded; they would have to move more than that head-room
allows within one skipped stretch.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import numpy as np

from engine.replay.market import MarketRows

SAFETY = 1.25
MAX_MOVE = 0.10


class StopOutGuard:
    """Tightens trigger levels so that skipped rows can never hold a stop-out."""

    def __init__(self, broker: Any, market: MarketRows) -> None:
        self.broker = broker
        self.market = market
        self.stop_out = float(getattr(getattr(broker, "config", None), "stop_out_level", 50.0))
        self._exposure: tuple[float, list[int]] | None = None

    def forget_exposure(self) -> None:
        """Trades opened or closed: measure the exposure again next time."""
        self._exposure = None

    def tighten(self, levels: np.ndarray, open_lots: dict[str, Decimal]) -> None:
        """Move ``levels`` (symbols × 4, see ``MarketRows.next_reach``) in to ±d (module doc)."""
        if self._exposure is None:
            self._exposure = self._measure(open_lots)
        exposure, open_symbols = self._exposure
        if exposure <= 0:
            return
        account = self.broker.account()
        room = float(account.equity) - self.stop_out / 100.0 * float(account.margin) * SAFETY
        distance = max(0.0, room / (exposure * SAFETY))
        for k in open_symbols:
            quote = self.broker.last_quote(self.market.symbols[k])
            if quote is None:
                continue
            d = min(distance, MAX_MOVE * quote.bid)
            levels[k, 0] = max(levels[k, 0], quote.bid - d)
            levels[k, 1] = min(levels[k, 1], quote.bid + d)
            levels[k, 2] = max(levels[k, 2], quote.ask - d)
            levels[k, 3] = min(levels[k, 3], quote.ask + d)

    def _measure(self, open_lots: dict[str, Decimal]) -> tuple[float, list[int]]:
        """Σ pip value / pip size of the open lots per symbol, and those symbols' indexes."""
        exposure, symbols = 0.0, []
        for symbol, lots in open_lots.items():
            if lots <= 0 or symbol not in self.market.symbols:
                continue
            k = self.market.symbols.index(symbol)
            exposure += float(self.broker.pip_value(symbol, lots)) / self.market.specs[k].pip_size
            symbols.append(k)
        return exposure, symbols
