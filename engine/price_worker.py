"""The price worker: feeds a ``PriceFeed``'s quotes into ``TradingEngine.on_quote``.

One named task, owned by the worker, with a done-callback that logs a
failure. A quote that the engine fails to process is logged and skipped; the
stream goes on. When the feed's stream ends by itself the worker logs it and
stops (the runtime decides what to do next).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence

from engine.errors import PaperTerminalError
from engine.ports import PriceFeed
from engine.values import Quote

log = logging.getLogger(__name__)


class PriceWorker:
    """Consume ``feed.stream()`` and hand each quote to ``on_quote`` (usually ``engine.on_quote``)."""

    def __init__(self, feed: PriceFeed, on_quote: Callable[[Quote], Awaitable[None]], symbols: Sequence[str]) -> None:
        self.feed = feed
        self._on_quote = on_quote
        self._symbols = list(symbols)
        self._task: asyncio.Task[None] | None = None
        self.quotes_processed = 0
        self.quotes_failed = 0
        self.finished = asyncio.Event()

    @property
    def running(self) -> bool:
        """True while the worker's task is alive."""
        return self._task is not None and not self._task.done()

    async def start(self) -> None:
        """Start the feed and the worker task."""
        await self.start_feed()
        self.start_stream()

    async def start_feed(self) -> None:
        """Start the feed only (its history is then available); no quote is consumed yet."""
        await self.feed.start(self._symbols)

    def start_stream(self) -> None:
        """Start consuming the feed's quotes (after ``start_feed``), once everyone who listens is wired."""
        if self._task is not None:
            return
        self._task = asyncio.create_task(self._run(), name=f"price-worker:{self.feed.name}")
        self._task.add_done_callback(self._on_done)

    async def _run(self) -> None:
        try:
            async for quote in self.feed.stream():
                try:
                    await self._on_quote(quote)
                except (PaperTerminalError, ValueError) as exc:
                    self.quotes_failed += 1
                    log.warning("quote %s %s skipped: %s", quote.symbol, quote.time, exc)
                except Exception:  # a bug on one quote must not stop the prices
                    self.quotes_failed += 1
                    log.exception("processing quote %s %s failed", quote.symbol, quote.time)
                else:
                    self.quotes_processed += 1
            log.info("price feed %s ended its stream", self.feed.name)
        finally:
            self.finished.set()

    def _on_done(self, task: asyncio.Task[None]) -> None:
        if not task.cancelled() and task.exception() is not None:
            log.error("price worker %s failed", task.get_name(), exc_info=task.exception())

    async def stop(self) -> None:
        """Stop the feed, then cancel and await the task."""
        try:
            await self.feed.stop()
        finally:
            if self._task is not None:
                self._task.cancel()
                await asyncio.gather(self._task, return_exceptions=True)
                self._task = None
