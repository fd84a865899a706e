"""The journal's price cache: closed bars and the last quote of each symbol and source.

A mixin of ``SqlJournal`` (``self._sessions`` is its session factory): kept
apart so the repository module stays small.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select

from engine.journal import convert
from engine.journal import models as m
from engine.values import Bar, Quote, Timeframe, utc


class PriceCacheStore:
    """Bars and last quotes (``price_cache`` table) of ``SqlJournal``."""

    _sessions: Any

    def save_bars(self, bars: Iterable[Bar], source: str) -> int:
        """Store closed bars (upsert on symbol, timeframe, source and time); return how many."""
        count = 0
        with self._sessions.begin() as session:
            for bar in bars:
                key = (
                    m.PriceCache.symbol == bar.symbol,
                    m.PriceCache.timeframe == bar.timeframe.value,
                    m.PriceCache.source == source,
                    m.PriceCache.time == utc(bar.time),
                )
                row = session.scalars(select(m.PriceCache).where(*key)).first()
                if row is None:
                    row = m.PriceCache(symbol=bar.symbol, timeframe=bar.timeframe.value, source=source, time=bar.time)
                    session.add(row)
                row.open, row.high, row.low, row.close, row.volume = (
                    bar.open,
                    bar.high,
                    bar.low,
                    bar.close,
                    bar.volume,
                )
                count += 1
        return count

    def load_bars(self, symbol: str, timeframe: Timeframe, limit: int = 500) -> list[Bar]:
        """Return the latest ``limit`` stored bars, oldest first (one per time, any source)."""
        with self._sessions() as session:
            rows = session.scalars(
                select(m.PriceCache)
                .where(m.PriceCache.symbol == symbol, m.PriceCache.timeframe == Timeframe(timeframe).value)
                .order_by(m.PriceCache.time.desc(), m.PriceCache.id.desc())
                .limit(limit * 2)
            ).all()
        by_time: dict[datetime, Bar] = {}
        for row in rows:
            bar = convert.row_to_bar(row)
            by_time.setdefault(bar.time, bar)  # the most recently written source wins
        return sorted(by_time.values(), key=lambda bar: bar.time)[-limit:]

    def save_quote(self, quote: Quote) -> None:
        """Keep ``quote`` as the last quote of its symbol and source."""
        self.save_quotes([quote])

    def save_quotes(self, quotes: Iterable[Quote]) -> None:
        """Keep each quote as the last of its symbol and source, in one transaction."""
        with self._sessions.begin() as session:
            for quote in quotes:
                session.execute(
                    delete(m.PriceCache).where(
                        m.PriceCache.symbol == quote.symbol,
                        m.PriceCache.timeframe == m.QUOTE_TIMEFRAME,
                        m.PriceCache.source == quote.source,
                    )
                )
                session.add(
                    m.PriceCache(
                        symbol=quote.symbol,
                        timeframe=m.QUOTE_TIMEFRAME,
                        source=quote.source,
                        time=quote.time,
                        close=quote.bid,
                        bid=quote.bid,
                        ask=quote.ask,
                    )
                )

    def last_quotes(self) -> list[Quote]:
        """Return the newest stored quote per symbol (marked stale), sorted by symbol."""
        with self._sessions() as session:
            rows = session.scalars(
                select(m.PriceCache).where(m.PriceCache.timeframe == m.QUOTE_TIMEFRAME).order_by(m.PriceCache.time)
            ).all()
        newest: dict[str, Quote] = {}
        for row in rows:
            newest[row.symbol] = convert.row_to_quote(row)
        return [newest[symbol] for symbol in sorted(newest)]
