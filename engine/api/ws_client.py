"""One WebSocket client of the hub: its outbox and how messages leave it.

Fast path: the hub's *pump* (one loop callback per burst of events, no task
switch per client) runs each ready client's sends eagerly: a send to a
writable socket completes without suspending, so it finishes right there.
Slow path: a send that would block (the peer's socket is full) is handed,
half-done, to the client's own sender task, which finishes it and drains the
rest of the outbox with ordinary awaits; meanwhile the pump skips the client.
``send_started`` is the loop time of a send in progress; the hub's watchdog
drops a client whose send has taken longer than ``send_timeout``.

The outbox is a dict in send order. Prices (and account/feed summaries) are
keyed by what they describe, so a newer one replaces the unsent older one;
other messages get a unique key and count against ``max_queue``.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable, Coroutine
from typing import Any

from starlette.websockets import WebSocket, WebSocketDisconnect

from engine.api.tokens import Role

GONE = "disconnected"
_SEND_ERRORS = (WebSocketDisconnect, OSError, RuntimeError)


class WsClient:
    """One connected client: its channel, subscriptions and outbox."""

    _ids = itertools.count(1)

    def __init__(self, websocket: WebSocket, channel: str, role: Role | None, *, max_queue: int,
                 schedule: Callable[[WsClient], None]) -> None:
        self.id = next(self._ids)
        self.websocket = websocket
        self.channel = channel
        self.role = role
        self.symbols: set[str] | None = None  # None: every symbol
        self.max_queue = max_queue
        self.dropped_reason: str | None = None
        self.sent = 0
        self.send_started: float | None = None
        self.sender_task: asyncio.Task[None] | None = None
        self.scheduled = False  # waiting in the hub's ready list
        self.busy = False  # the sender task owns the sending
        self._send = websocket.send
        self._schedule = schedule
        self._outbox: dict[tuple[Any, ...], str] = {}
        self._queued = 0
        self._seq = itertools.count()
        self._wakeup = asyncio.Event()
        self._blocked: tuple[Coroutine[Any, Any, None], Any] | None = None
        self._loop = asyncio.get_running_loop()

    def wants(self, symbol: str) -> bool:
        return self.symbols is None or symbol in self.symbols

    @property
    def pending(self) -> int:
        """Messages waiting in the outbox."""
        return len(self._outbox)

    def offer(self, text: str, key: tuple[Any, ...] | None = None) -> None:
        """Queue ``text``; with a ``key`` it replaces the unsent message of that key."""
        if self.dropped_reason is not None:
            return
        if key is None:
            if self._queued >= self.max_queue:
                self.drop(f"more than {self.max_queue} messages behind")
                return
            self._queued += 1
            key = ("q", next(self._seq))
        self._outbox[key] = text
        if not self.busy and not self.scheduled:
            self.scheduled = True
            self._schedule(self)

    def drop(self, reason: str) -> None:
        """Give up on this client: its sender stops and the socket is closed."""
        if self.dropped_reason is None:
            self.dropped_reason = reason
            self._outbox.clear()
            self._wakeup.set()
            if self.send_started is not None and self.sender_task is not None:
                self.sender_task.cancel()  # stuck in a send to a peer that does not read

    def _next(self) -> dict[str, Any]:
        key = next(iter(self._outbox))
        text = self._outbox.pop(key)
        if key[0] == "q":
            self._queued -= 1
        return {"type": "websocket.send", "text": text}

    def drain_eagerly(self) -> None:
        """Send what can be sent without waiting; hand a blocked send to the sender task."""
        while self._outbox and self.dropped_reason is None and not self.busy:
            self.send_started = self._loop.time()
            coro = self._send(self._next())
            try:
                blocker = coro.send(None)
            except StopIteration:
                self.send_started = None
                self.sent += 1
                continue
            except _SEND_ERRORS:
                self.send_started = None
                self.drop(GONE)
                return
            self.busy = True
            self._blocked = (coro, blocker)
            self._wakeup.set()

    async def run_sender(self) -> None:
        """The slow path: finish blocked sends and drain with awaits until the outbox is empty."""
        try:
            while self.dropped_reason is None:
                await self._wakeup.wait()
                self._wakeup.clear()
                if self._blocked is not None:
                    coro, blocker = self._blocked
                    self._blocked = None
                    if not await self._finish(coro, blocker):
                        return
                while self._outbox and self.dropped_reason is None:
                    self.busy = True
                    self.send_started = self._loop.time()
                    try:
                        await self._send(self._next())
                    except _SEND_ERRORS:
                        self.send_started = None
                        self.drop(GONE)
                        return
                    self.send_started = None
                    self.sent += 1
                self.busy = False
        finally:
            if self._blocked is not None:
                self._blocked[0].close()
                self._blocked = None

    async def _finish(self, coro: Coroutine[Any, Any, None], blocker: Any) -> bool:
        """Drive a send coroutine that suspended on ``blocker`` to its end; False when the peer is gone."""
        while True:
            try:
                if blocker is None:
                    await asyncio.sleep(0)
                else:
                    # what Task.__step does with a yielded future: take over the "blocking" mark
                    blocker._asyncio_future_blocking = False
                    await blocker
            except asyncio.CancelledError:
                coro.close()
                raise
            except BaseException as exc:  # noqa: BLE001 - hand the future's failure to the send itself
                step: Callable[[], Any] = lambda exc=exc: coro.throw(exc)
            else:
                step = lambda: coro.send(None)
            try:
                blocker = step()
            except StopIteration:
                self.send_started = None
                self.sent += 1
                return True
            except _SEND_ERRORS:
                self.send_started = None
                self.drop(GONE)
                return False
