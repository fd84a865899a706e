"""The simulator standing in while no real provider has served since start.

``SimFallback`` builds the simulator from the injected factory, starts it and
forwards its quotes (a named, owned task with a done-callback); ``stop()``
ends both. The aggregator decides when (see ``aggregator``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence

from engine.ports import PriceFeed
from engine.values import Quote

log = logging.getLogger(__name__)


class SimFallback:
    """Owns the stand-in simulator and the task forwarding its quotes to ``put``."""

    def __init__(self, factory: Callable[[], PriceFeed] | None, put: Callable[[Quote], None], owner: str) -> None:
        self._factory = factory
        self._put = put
        self._owner = owner
        self.feed: PriceFeed | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def active(self) -> bool:
        return self.feed is not None

    async def start(self, symbols: Sequence[str]) -> None:
        """Start the simulator (once; nothing without a factory)."""
        if self.feed is not None or self._factory is None:
            return
        log.warning("%s: no real provider could serve; using the simulator", self._owner)
        feed = self._factory()
        await feed.start(list(symbols))
        self.feed = feed
        self._task = asyncio.create_task(self._forward(feed), name=f"feeds.{self._owner}.sim-forward")
        self._task.add_done_callback(log_task_failure)

    async def _forward(self, feed: PriceFeed) -> None:
        async for quote in feed.stream():
            if self.feed is not feed:
                return
            self._put(quote)

    async def stop(self, resumed: bool) -> None:
        """Stop forwarding and the simulator; ``resumed``: a real provider took over."""
        feed, self.feed = self.feed, None
        if self._task is not None and not self._task.done():
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        self._task = None
        if feed is not None:
            await feed.stop()
            if resumed:
                log.info("%s: simulator stopped, real prices resumed", self._owner)


def log_task_failure(task: asyncio.Task[None]) -> None:
    """Done-callback: log the failure of a task (cancellation is not a failure)."""
    if task.cancelled():
        return
    exc = task.exception()
    if exc is not None:
        log.error("task %s failed: %s", task.get_name(), exc, exc_info=exc)
