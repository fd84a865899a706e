"""``PriceBook``: the engine's prices — last quotes, bars, what the price cache still needs, the floors.

Kept apart from ``engine.service`` so the facade stays small. Single-threaded
(the engine's loop) except ``load`` and the ``PriceWrite`` of ``unsaved``, which run on
the database thread.

Floors: a symbol's floor is the latest open (or placing) time of its trades
and pending orders (``note``), and never earlier than the journal's last
event at start (``SqlJournal.last_event_time``). ``admit`` turns a fresh quote
below its floor into a stale one, which is shown but triggers nothing and
builds no bar: no trade is ever evaluated with a quote older than its open (a
provider whose clock lags another's, a restart that would move the clock
back), while other late quotes are traded on as before.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from engine.bars import BarBuilder
from engine.service_journal import FailureLog
from engine.values import Bar, Quote, TradeRecord

log = logging.getLogger("engine.service")


class OldQuote(ValueError):
    """A quote older than its symbol's floor (what the log line names)."""


@dataclass(frozen=True, slots=True)
class StoredPrices:
    """What a journal holds of prices at start: bars, the last quotes, its last event."""

    bars: list[Bar]
    quotes: list[Quote]
    last_event: datetime | None


class PriceBook:
    """Prices of one engine (see the module docstring)."""

    def __init__(self, bars: BarBuilder, symbols: Iterable[str], bar_history: int = 500) -> None:
        self.bars = bars
        self.quotes: dict[str, Quote] = {}
        self._symbols = list(symbols)
        self._bar_history = bar_history
        self._unsaved_quotes: dict[str, Quote] = {}
        self._unsaved_bars: list[tuple[Bar, str]] = []
        self._floors: dict[str, datetime] = {}
        self._not_before: datetime | None = None
        self._old_quotes = FailureLog(log, prefix="quote not traded on", level=logging.WARNING)

    def load(self, journal: Any) -> StoredPrices:
        """Read the stored bars, last quotes and last event (on the database thread)."""
        bars: list[Bar] = []
        for symbol in self._symbols:
            for timeframe in self.bars.timeframes:
                bars.extend(journal.load_bars(symbol, timeframe, self._bar_history))
        last_event = getattr(journal, "last_event_time", None)
        return StoredPrices(bars, journal.last_quotes(), last_event() if last_event is not None else None)

    def seed(self, stored: StoredPrices) -> None:
        """Take what ``load`` read: bars under the live ones, the last quotes (stale), the first floor."""
        self.bars.seed(stored.bars)
        for quote in stored.quotes:
            self.quotes.setdefault(quote.symbol, quote)
        self._not_before = stored.last_event

    def admit(self, quote: Quote) -> Quote:
        """``quote``, or a stale copy when it is below its symbol's floor (one log line per symbol a minute)."""
        if quote.stale:
            return quote
        floor = self._floors.get(quote.symbol, self._not_before)
        if floor is not None and quote.time < floor:
            self._old_quotes.failed(
                quote.symbol,
                OldQuote(f"{quote.time.isoformat()} before {floor.isoformat()}; shown stale, triggers nothing"),
            )
            return replace(quote, stale=True)
        return quote

    def note(self, records: Iterable[TradeRecord]) -> None:
        """Raise the floors to the open (or placing) times of ``records`` (trades just opened or placed)."""
        for record in records:
            when = record.open_time or record.created_at
            if when is None:
                continue
            floor = self._floors.get(record.symbol, self._not_before)
            if floor is None or when > floor:
                self._floors[record.symbol] = when

    def record(self, quote: Quote) -> list[Bar]:
        """Keep ``quote`` as its symbol's last; a fresh one also builds bars: return those it closed."""
        self.quotes[quote.symbol] = quote
        if quote.stale:
            return []
        self._unsaved_quotes[quote.symbol] = quote
        closed = self.bars.on_quote(quote)
        for bar in closed:
            self._unsaved_bars.append((bar, quote.source))
        return closed

    def unsaved(self) -> PriceWrite | None:
        """Take what the price cache lacks, as a write for the database thread (None: nothing).

        Hand it back to ``keep`` when it fails, so the next flush retries it.
        """
        bars, self._unsaved_bars = self._unsaved_bars, []
        quotes, self._unsaved_quotes = list(self._unsaved_quotes.values()), {}
        return PriceWrite(bars, quotes) if bars or quotes else None

    async def flush(self, run: Callable[..., Awaitable[Any]], journal: Any) -> None:
        """Write what the price cache lacks with ``run`` (the database thread); keep it when that fails."""
        write = self.unsaved()
        if write is None:
            return
        try:
            await run(write, journal)
        except Exception:
            self.keep(write)
            raise

    def keep(self, write: PriceWrite) -> None:
        """Put back what a failed write held (bar upserts are idempotent)."""
        self._unsaved_bars[:0] = write.bars
        for quote in write.quotes:
            self._unsaved_quotes.setdefault(quote.symbol, quote)


@dataclass(frozen=True, slots=True)
class PriceWrite:
    """Closed bars (with their source) and last quotes to store in the journal's price cache."""

    bars: list[tuple[Bar, str]]
    quotes: list[Quote]

    def __call__(self, journal: Any) -> None:
        """Store them (on the database thread)."""
        by_source: dict[str, list[Bar]] = {}
        for bar, source in self.bars:
            by_source.setdefault(source, []).append(bar)
        for source, items in by_source.items():
            journal.save_bars(items, source)
        if self.quotes:
            journal.save_quotes(self.quotes)
