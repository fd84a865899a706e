"""Last quote per symbol and recent bars, with the time each was received.

``QuoteCache`` keeps, per symbol, the last quote a real provider answered and
when it arrived (the aggregator's clock, not the quote's own time, which may
be a closed market's last tick). ``BarCache`` keeps bars per (symbol,
timeframe) for ``ttl`` seconds (by default until the next bar closes).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from engine.values import Bar, Quote, Timeframe


@dataclass(frozen=True, slots=True)
class CachedQuote:
    quote: Quote
    received: float  # seconds on the aggregator's clock


class QuoteCache:
    """The last real quote per symbol."""

    def __init__(self) -> None:
        self._items: dict[str, CachedQuote] = {}

    def put(self, quote: Quote, received: float) -> None:
        self._items[quote.symbol] = CachedQuote(quote, received)

    def get(self, symbol: str) -> CachedQuote | None:
        return self._items.get(symbol)

    def age(self, symbol: str, now: float) -> float | None:
        """Seconds since ``symbol`` was last answered, or ``None`` when it never was."""
        item = self._items.get(symbol)
        return None if item is None else now - item.received

    def stale_copy(self, symbol: str) -> Quote | None:
        """Return the cached quote flagged ``stale=True`` (its time unchanged)."""
        item = self._items.get(symbol)
        return None if item is None else replace(item.quote, stale=True)


class BarCache:
    """Bars per (symbol, timeframe), fresh for ``ttl`` seconds (default: one bar, at most 15 min).

    An entry answers requests for up to as many bars as were asked when it was
    stored (a provider may return fewer than asked; that is not a cache miss).
    """

    def __init__(self, ttl: float | None = None) -> None:
        self._ttl = ttl
        self._items: dict[tuple[str, Timeframe], tuple[list[Bar], float, int]] = {}

    def get(self, symbol: str, timeframe: Timeframe, count: int, now: float) -> list[Bar] | None:
        """Return the last ``count`` cached bars when fresh and asked for before, else ``None``."""
        item = self._items.get((symbol, timeframe))
        if item is None:
            return None
        bars, stored, requested = item
        ttl = self._ttl if self._ttl is not None else float(min(timeframe.seconds, 900))
        if now - stored >= ttl or requested < count:
            return None
        return bars[-count:]

    def put(self, symbol: str, timeframe: Timeframe, bars: list[Bar], now: float, requested: int | None = None) -> None:
        """Store ``bars`` fetched at ``now`` for a request of ``requested`` bars."""
        self._items[(symbol, timeframe)] = (list(bars), now, len(bars) if requested is None else requested)
