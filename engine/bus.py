"""A single-threaded event bus on the asyncio loop.

Handlers subscribe by event type (exact class, or ``Event`` for all). Each
handler call is isolated: an exception is logged and dispatch continues.
Other threads must publish through ``publish_threadsafe``.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from engine.events import Event

log = logging.getLogger(__name__)

E = TypeVar("E", bound=Event)
Handler = Callable[[Any], Awaitable[None] | None]


class EventBus:
    """Publish events to handlers subscribed by type."""

    def __init__(self) -> None:
        self._handlers: dict[type, list[Handler]] = defaultdict(list)
        self._tasks: set[asyncio.Task[None]] = set()

    def subscribe(self, event_type: type[E], handler: Callable[[E], Any]) -> Callable[[], None]:
        """Call ``handler`` for every event of ``event_type``; return an unsubscribe function."""
        self._handlers[event_type].append(handler)

        def unsubscribe() -> None:
            try:
                self._handlers[event_type].remove(handler)
            except ValueError:
                pass

        return unsubscribe

    def publish(self, event: Event) -> None:
        """Deliver ``event`` now to its handlers; coroutine handlers run as owned tasks."""
        for handler in (*self._handlers.get(type(event), ()), *self._handlers.get(Event, ())):
            try:
                result = handler(event)
            except Exception:  # one handler must not break dispatch
                log.exception("event handler %r failed on %s", handler, type(event).__name__)
                continue
            if inspect.isawaitable(result):
                self._own(result, handler, event)

    def publish_threadsafe(self, loop: asyncio.AbstractEventLoop, event: Event) -> None:
        """Publish from another thread onto ``loop``."""
        loop.call_soon_threadsafe(self.publish, event)

    def _own(self, awaitable: Awaitable[None], handler: Handler, event: Event) -> None:
        task = asyncio.ensure_future(awaitable)
        self._tasks.add(task)

        def done(t: asyncio.Task[None]) -> None:
            self._tasks.discard(t)
            if not t.cancelled() and t.exception() is not None:
                log.error("async handler %r failed on %s", handler, type(event).__name__, exc_info=t.exception())

        task.add_done_callback(done)

    async def drain(self) -> None:
        """Wait for the async handlers started so far."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
