"""One WebSocket client of the hub: its outbox and how messages leave it.

Fast path: the hub's *pump* (one loop callback per burst of events, no task
switch per client) runs each ready client's sends eagerly. Where the server
offers ``FRAME_WRITER`` (``engine.api.ws_protocol``), a message's frame is
built once and written to every client's transport as is; otherwise, or when
the writer declines, the ASGI send runs: to a writable socket it completes
without suspending, so it finishes right there.
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
import functools
import itertools
from collections.abc import Callable, Coroutine
from typing import Any

from starlette.websockets import WebSocket, WebSocketDisconnect

from engine.api.tokens import Role
from engine.api.ws_limits import MessageRate
from engine.api.ws_protocol import FRAME_WRITER, text_frame

GONE = "disconnected"
_SEND_ERRORS = (WebSocketDisconnect, OSError, RuntimeError)


class Outgoing:
    """One message for one or many clients: its JSON text, and its frame built on first use."""

    __slots__ = ("text", "_frame")

    def __init__(self, text: str) -> None:
        self.text = text
        self._frame: bytes | None = None

    @property
    def frame(self) -> bytes:
        """The WebSocket text frame carrying ``text``, built once however many clients get it."""
        if self._frame is None:
            self._frame = text_frame(self.text)
        return self._frame


class WsClient:
    """One connected client: its channel, subscriptions and outbox."""

    _ids = itertools.count(1)

    def __init__(
        self,
        websocket: WebSocket,
        channel: str,
        role: Role | None,
        *,
        max_queue: int,
        schedule: Callable[[WsClient], None],
    ) -> None:
        self.id = next(self._ids)
        self.websocket = websocket
        self.channel = channel
        self.role = role
        self.symbols: set[str] | None = None  # None: every symbol
        self.max_queue = max_queue
        self.dropped_reason: str | None = None
        self.close_code: int | None = None  # None: the hub's default for a dropped client
        self.rate = MessageRate()  # of the messages it sends us (engine.api.ws_limits)
        self.sent = 0
        self.frames_written = 0  # of ``sent``: written as pre-built frames (the fast path)
        self.send_started: float | None = None
        self.sender_task: asyncio.Task[None] | None = None
        self.scheduled = False  # waiting in the hub's ready list
        self.busy = False  # the sender task owns the sending
        self._send = websocket.send
        self._write_frame: Callable[[bytes], bool] | None = (websocket.scope.get("extensions") or {}).get(FRAME_WRITER)
        self._schedule = schedule
        self._outbox: dict[tuple[Any, ...], Outgoing] = {}
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

    def offer(self, message: Outgoing, key: tuple[Any, ...] | None = None) -> None:
        """Queue ``message``; with a ``key`` it replaces the unsent message of that key."""
        if self.dropped_reason is not None:
            return
        if key is None:
            if self._queued >= self.max_queue:
                self.drop(f"more than {self.max_queue} messages behind")
                return
            self._queued += 1
            key = ("q", next(self._seq))
        self._outbox[key] = message
        if not self.busy and not self.scheduled:
            self.scheduled = True
            self._schedule(self)

    def drop(self, reason: str, code: int | None = None) -> None:
        """Give up on this client: its sender stops and the socket is closed (with ``code`` when given)."""
        if self.dropped_reason is None:
            self.dropped_reason = reason
            self.close_code = code
            self._outbox.clear()
            self._wakeup.set()
            if self.send_started is not None and self.sender_task is not None:
                self.sender_task.cancel()  # stuck in a send to a peer that does not read

    def _next(self) -> Outgoing:
        key = next(iter(self._outbox))
        message = self._outbox.pop(key)
        if key[0] == "q":
            self._queued -= 1
        return message

    def drain_eagerly(self) -> None:
        """Send what can be sent without waiting; hand a blocked send to the sender task."""
        write_frame = self._write_frame
        while self._outbox and self.dropped_reason is None and not self.busy:
            message = self._next()
            if write_frame is not None and write_frame(message.frame):
                self.sent += 1
                self.frames_written += 1
                continue
            self.send_started = self._loop.time()
            coro = self._send({"type": "websocket.send", "text": message.text})
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
                        await self._send({"type": "websocket.send", "text": self._next().text})
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
                    blocker._asyncio_future_blocking = False  # noqa: SLF001  (asyncio's own protocol)
                    await blocker
            except asyncio.CancelledError:
                coro.close()
                raise
            except BaseException as exc:  # noqa: BLE001 - hand the future's failure to the send itself
                step: Callable[[], Any] = functools.partial(coro.throw, exc)
            else:
                step = functools.partial(coro.send, None)
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
