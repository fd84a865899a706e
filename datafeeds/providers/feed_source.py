"""Any ``PriceFeed`` as one more provider in the aggregator's rotation (MetaTrader through a bridge).

The aggregator knows only ``QuoteProvider``; this wraps a streaming
``PriceFeed`` (the MetaTrader 5 or ZeroMQ bridge's feed, built by the
composition root) as one. The feed is started on the first request, with
every symbol asked so far, and a named task keeps the newest quote of each
symbol. ``quotes`` answers with the newest quotes no older than ``max_age``
seconds: a terminal that stopped quoting (market closed, EA gone) is a
provider that has nothing, and the rotation moves on. History is the feed's.
A local terminal has no call budget: no limits, one "call" per poll.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from datetime import datetime, timezone

from datafeeds.providers.base import Capabilities, ProviderLimits
from engine.errors import PaperTerminalError, ProviderUnavailable
from engine.instruments import SPECS
from engine.ports import PriceFeed
from engine.values import Bar, Quote, Timeframe

log = logging.getLogger(__name__)

DEFAULT_MAX_AGE = 60.0
FIRST_QUOTES_WAIT = 1.0  # seconds a newly tracked symbol gets to send its first price


class FeedProvider:
    """A ``QuoteProvider`` over a ``PriceFeed``; ``aclose()`` stops the feed."""

    needs_key = False

    def __init__(self, name: str, feed: PriceFeed, *, max_age: float = DEFAULT_MAX_AGE) -> None:
        self.name = name
        self.feed = feed
        self.max_age = max_age
        self.limits = ProviderLimits(official=False, note=f"{name}: a local terminal, no call budget")
        self.capabilities = Capabilities(
            batch_size=1000,
            cost_per_symbol=False,
            bar_endpoints=dict.fromkeys(Timeframe, "history"),
            quote_endpoint="stream",
            note=f"quotes from {feed.name}'s stream, at most {max_age:g} s old",
        )
        self.paid_endpoints: set[str] = set()
        self._symbols: list[str] = []
        self._latest: dict[str, Quote] = {}
        self._task: asyncio.Task[None] | None = None
        self._starting = asyncio.Lock()

    def supports(self, symbol: str) -> bool:
        return symbol.upper() in SPECS

    async def quotes(self, symbols: Sequence[str]) -> dict[str, Quote]:
        if await self._ensure_started(symbols):
            await self._first_quotes(symbols)
        troubled = [s for s in self.feed.status() if not s.healthy]
        if troubled:
            raise ProviderUnavailable(f"{self.name}: {troubled[0].last_error or 'not connected'}")
        now = datetime.now(timezone.utc)
        fresh = {
            s: q
            for s in symbols
            if (q := self._latest.get(s.upper())) is not None and (now - q.time).total_seconds() <= self.max_age
        }
        if not fresh:
            raise ProviderUnavailable(f"{self.name}: no price newer than {self.max_age:g} s for {', '.join(symbols)}")
        return fresh

    async def bars(self, symbol: str, timeframe: Timeframe, count: int) -> list[Bar]:
        await self._ensure_started([symbol])
        try:
            return await self.feed.history(symbol, timeframe, count)
        except PaperTerminalError:
            raise
        except Exception as exc:  # a bridge's own failure is this provider being unavailable
            raise ProviderUnavailable(f"{self.name}: {type(exc).__name__}: {exc}") from exc

    async def aclose(self) -> None:
        """Stop the stream task and the feed."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        await self.feed.stop()

    async def _first_quotes(self, symbols: Sequence[str]) -> None:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(FIRST_QUOTES_WAIT):
                while not any(s.upper() in self._latest for s in symbols):  # noqa: ASYNC110  (no event to await)
                    await asyncio.sleep(0.01)

    async def _ensure_started(self, symbols: Sequence[str]) -> bool:
        """Start (or widen) the feed for ``symbols``; True when it was (re)started now."""
        wanted = [s.upper() for s in symbols if s.upper() not in self._symbols]
        if not wanted and self._task is not None:
            return False
        async with self._starting:
            self._symbols += [s for s in wanted if s not in self._symbols]
            await self.feed.start(list(self._symbols))  # the feed tracks every symbol asked so far
            if self._task is None:
                self._task = asyncio.create_task(self._consume(), name=f"feeds.{self.name}.stream")
                self._task.add_done_callback(_log_failure)
        return True

    async def _consume(self) -> None:
        async for quote in self.feed.stream():
            self._latest[quote.symbol.upper()] = quote


def _log_failure(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("task %s failed", task.get_name(), exc_info=task.exception())
