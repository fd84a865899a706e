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
        # the broker's float accessors when it has them (PaperBroker does), resolved once
        self._valuation = getattr(broker, "valuation_f", None) or self._valuation_of_account
        self._prices = getattr(broker, "last_prices", None) or self._prices_of_quote
        self._pip_value_f = getattr(broker, "pip_value_f", None)

    def forget_exposure(self) -> None:
        """Trades opened or closed: measure the exposure again next time."""
        self._exposure = None

    def tighten(self, levels: list[list[float]], open_lots: dict[str, Decimal]) -> None:
        """Move ``levels`` (symbols × 4 rows, see ``MarketRows.next_reach``) in to ±d (module doc)."""
        exposure_of = self._exposure
        if exposure_of is None:
            exposure_of = self._exposure = self._measure(open_lots)
        exposure, open_symbols = exposure_of
        if exposure <= 0:
            return
        equity, margin = self._valuation()
        room = equity - self.stop_out / 100.0 * margin * SAFETY
        distance = room / (exposure * SAFETY)
        if distance < 0.0:
            distance = 0.0
        names = self.market.symbols
        for k in open_symbols:
            prices = self._prices(names[k])
            if prices is None:
                continue
            bid, ask = prices
            d = MAX_MOVE * bid
            if distance < d:
                d = distance
            row = levels[k]
            # each bound moves in to ±d around the last price, never out
            v = bid - d
            if v > row[0]:
                row[0] = v
            v = bid + d
            if v < row[1]:
                row[1] = v
            v = ask - d
            if v > row[2]:
                row[2] = v
            v = ask + d
            if v < row[3]:
                row[3] = v

    def _valuation_of_account(self) -> tuple[float, float]:
        """(equity, margin) from ``account()``, for a broker without ``valuation_f``."""
        account = self.broker.account()
        return float(account.equity), float(account.margin)

    def _prices_of_quote(self, symbol: str) -> tuple[float, float] | None:
        """(bid, ask) from ``last_quote``, for a broker without ``last_prices``."""
        quote = self.broker.last_quote(symbol)
        return None if quote is None else (quote.bid, quote.ask)

    def _measure(self, open_lots: dict[str, Decimal]) -> tuple[float, list[int]]:
        """Σ pip value / pip size of the open lots per symbol, and those symbols' indexes."""
        exposure, symbols = 0.0, []
        fast = self._pip_value_f
        for symbol, lots in open_lots.items():
            if lots <= 0 or symbol not in self.market.symbols:
                continue
            k = self.market.symbols.index(symbol)
            value = fast(symbol, float(lots)) if fast is not None else None
            if value is None:
                value = float(self.broker.pip_value(symbol, lots))
            exposure += value / self.market.specs[k].pip_size
            symbols.append(k)
        return exposure, symbols
