"""A single-threaded event bus on the asyncio loop; it stamps every event it publishes.

Handlers subscribe by event type (exact class, or ``Event`` for all). Each
handler call is isolated: an exception is logged and dispatch continues.

Stamps (STYLE rule 5): ``publish`` delivers a copy of the event carrying
``seq``, the event sequence number (one more than the previous event's), and
``ts``, the time of the bus's clock at publication (``TradingEngine`` binds
its market clock with ``stamp_with``). The sequence increases monotonically
within a run and is never reused by a later run: it starts above the wall
clock in microseconds at the bus's creation (a run's start; a run publishes
far fewer than a million events a second) and above the last number the
journal recorded (``resume_after``, for a clock set back between runs). That
stays below 2**53, so a JavaScript number holds it exactly, until the year 2255.

Threads: every publisher runs on the loop's thread, and ``publish`` refuses a
call from another thread (``RuntimeError``): handlers touch Qt widgets and the
stamps take no lock. Work done on other threads comes back to the loop before
anything is published: the ZeroMQ socket thread hands its messages over with
``loop.call_soon_threadsafe``, MetaTrader's calls and the signal runner's
batches return through ``run_in_executor``, the journal's writes through
``engine.dbthread.DbThread.run``.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import threading
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import datetime
from typing import Any, TypeVar

from engine.clock import wall_clock
from engine.events import Event

log = logging.getLogger(__name__)

E = TypeVar("E", bound=Event)
Handler = Callable[[Any], Awaitable[None] | None]


def run_start_seq() -> int:
    """The sequence number a run starts after: the wall clock in microseconds since the epoch."""
    return time.time_ns() // 1000


class EventBus:
    """Publish events to handlers subscribed by type, stamped with ``seq`` and ``ts`` (module docstring)."""

    def __init__(self, clock: Callable[[], datetime] = wall_clock) -> None:
        self._handlers: dict[type, list[Handler]] = defaultdict(list)
        self._tasks: set[asyncio.Task[None]] = set()
        self._clock = clock
        self._seq = run_start_seq()
        self._thread: int | None = None  # the thread of the first publish: the loop's

    @property
    def last_seq(self) -> int:
        """The sequence number of the latest event published (of the run's start before the first)."""
        return self._seq

    def stamp_with(self, clock: Callable[[], datetime]) -> None:
        """Stamp ``ts`` from ``clock`` (the engine's market clock) from now on."""
        self._clock = clock

    def resume_after(self, seq: int) -> None:
        """Number the next event above ``seq`` (the journal's last recorded number) too; never lowers the count."""
        if seq > self._seq:
            self._seq = seq

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
        """Stamp ``event`` and deliver it now to its handlers; coroutine handlers run as owned tasks."""
        thread = threading.get_ident()
        if self._thread != thread:
            if self._thread is not None:
                raise RuntimeError(
                    f"{type(event).__name__} published from another thread than the event loop's: "
                    "hand the work to the loop first (loop.call_soon_threadsafe)"
                )
            self._thread = thread
        self._seq += 1
        event = replace(event, seq=self._seq, ts=self._clock())
        for handler in (*self._handlers.get(type(event), ()), *self._handlers.get(Event, ())):
            try:
                result = handler(event)
            except Exception:  # one handler must not break dispatch
                log.exception("event handler %r failed on %s #%d", handler, type(event).__name__, event.seq)
                continue
            if inspect.isawaitable(result):
                self._own(result, handler, event)

    def _own(self, awaitable: Awaitable[None], handler: Handler, event: Event) -> None:
        task = asyncio.ensure_future(awaitable)
        self._tasks.add(task)

        def done(t: asyncio.Task[None]) -> None:
            self._tasks.discard(t)
            if not t.cancelled() and t.exception() is not None:
                log.error(
                    "async handler %r failed on %s #%d",
                    handler,
                    type(event).__name__,
                    event.seq,
                    exc_info=t.exception(),
                )

        task.add_done_callback(done)

    async def drain(self) -> None:
        """Wait for the async handlers started so far."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
