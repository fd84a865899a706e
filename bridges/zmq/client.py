"""ZeroMQ link to a DWX-protocol expert advisor.

Three sockets (``bridges.zmq.sockets``, on their own thread): PUSH commands
to ``push_port``, PULL replies from ``pull_port``, SUB prices from
``sub_port``. The protocol carries no request ids: one command is
outstanding at a time (a lock), and a reply is matched to it by its
``_action``. A reply with another action (late, from a command that timed
out) is dropped. The stock DWX EA pushes an EMPTY message after every reply
(its ``MessageHandler`` returns an empty message that ``OnTimer`` sends):
that is the protocol, counted and ignored.

The EA sends replies non-blocking with a high-water mark of 1: a reply sent
before our PULL socket has finished its handshake is lost. So no command is
sent before the PULL socket reports its handshake (within the command's
timeout). After a timeout the sockets are recreated and a heartbeat is
answered before anything else is sent, so stale replies cannot be taken for
new ones. While idle a heartbeat runs every ``heartbeat`` seconds; when it
fails the link is rebuilt with backoff (1 s doubling to 30 s) and the
``on_reconnect`` callbacks run (the mirror reconciles, the feed re-tracks
its symbols).

``clock`` is the venue's ``ServerClock``, shared by the feed and the mirror
that use this client (the first of them creates it from its settings).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from bridges.clock import ServerClock
from bridges.config import ZmqConfig
from bridges.errors import BridgeTimeout, BridgeUnavailable
from bridges.zmq import protocol
from bridges.zmq.sockets import SocketThread
from engine.errors import BadPayload

log = logging.getLogger(__name__)

MAX_BACKOFF = 30.0
RECONNECT_HEARTBEATS = 3
#: Seconds between a reply and the next command. The EA's PUSH socket has a high-water mark of
#: 1 and sends without blocking: a reply pushed within a few milliseconds of the previous one
#: can find the pipe still full and be dropped.
COMMAND_GAP = 0.01
ANY_ACTION = frozenset({"*"})


class ZmqClient:
    """Request/reply and price stream over the DWX sockets."""

    def __init__(self, config: ZmqConfig | None = None) -> None:
        self.config = config or ZmqConfig()
        self.connected = False
        self.last_error: str | None = None
        self.last_reply: dict[str, Any] | None = None
        self.clock: ServerClock | None = None
        self.empty_messages = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._io: SocketThread | None = None
        self._pull_ready = asyncio.Event()
        self._lock = asyncio.Lock()
        self._waiter: tuple[asyncio.Future[dict[str, Any]], frozenset[str]] | None = None
        self._stream_listeners: list[Callable[[str], None]] = []
        self._reconnect_callbacks: list[Callable[[], Awaitable[None]]] = []
        self._last_activity = 0.0
        self._last_reply_at = 0.0
        self._holders = 0
        self._heartbeat_task: asyncio.Task[None] | None = None
        self._heartbeat_on = False

    def clock_for(self, configured_offset_hours: float | None) -> ServerClock:
        """The venue's clock, created on first use from the configured offset (hours, or None: detect)."""
        if self.clock is None:
            self.clock = ServerClock(configured_offset_hours)
        return self.clock

    # -- lifecycle -------------------------------------------------------
    async def start(self) -> None:
        """Start the socket thread and wait for a heartbeat answer (``BridgeUnavailable`` if none)."""
        if self._io is None:
            self._loop = asyncio.get_running_loop()
            self._pull_ready = asyncio.Event()
            self._io = SocketThread(
                self.config,
                self._loop,
                on_reply=self._on_reply,
                on_stream=self._on_stream,
                on_peer_lost=self._on_peer_lost,
                on_pull_ready=self._on_pull_ready,
            )
            self._io.start()
            self._heartbeat_on = True
            self._heartbeat_task = asyncio.create_task(self._heartbeat_loop(), name="zmq-heartbeat")
            self._heartbeat_task.add_done_callback(_log_task_failure)
        await self.heartbeat()

    def attach(self) -> None:
        """Register one more user (feed, mirror); ``stop`` closes the link after the last.

        Feed and mirror must share one client: the EA's PUSH socket deals
        replies round-robin among connected clients.
        """
        self._holders += 1

    async def stop(self) -> None:
        """Stop the heartbeat and the socket thread once no attached user is left."""
        self._holders = max(0, self._holders - 1)
        if self._holders > 0:
            return
        if self._heartbeat_task is not None:
            # Python 3.11's wait_for can swallow a cancellation that races a reply; the flag
            # ends the loop at its next turn even then, so stop() never waits forever.
            self._heartbeat_on = False
            self._heartbeat_task.cancel()
            await asyncio.gather(self._heartbeat_task, return_exceptions=True)
            self._heartbeat_task = None
        if self._io is not None:
            io, self._io = self._io, None
            io.post("stop", None)
            await asyncio.get_running_loop().run_in_executor(None, io.join, 5)
            io.close()
        self.connected = False

    def on_stream(self, listener: Callable[[str], None]) -> None:
        """Call ``listener(message)`` on the loop for every message of the price stream."""
        self._stream_listeners.append(listener)

    def on_reconnect(self, callback: Callable[[], Awaitable[None]]) -> None:
        """Await ``callback()`` after the link was rebuilt, before other commands are sent."""
        self._reconnect_callbacks.append(callback)

    def subscribe(self, prefix: str) -> None:
        """Receive stream messages starting with ``prefix`` (a symbol)."""
        self._post("subscribe", prefix)

    # -- commands --------------------------------------------------------
    async def heartbeat(self, *, reset_on_timeout: bool = True) -> dict[str, Any]:
        return await self.request(protocol.HEARTBEAT, frozenset({"heartbeat"}), reset_on_timeout=reset_on_timeout)

    async def request(
        self, command: str, expect: frozenset[str], timeout: float | None = None, *, reset_on_timeout: bool = True
    ) -> dict[str, Any]:
        """Send ``command`` and return the parsed reply whose ``_action`` is in ``expect``.

        A reply without ``_action`` (the EA's gate errors) also answers.
        Raises ``BridgeTimeout`` (no answer; the link is rebuilt) or
        ``BadPayload`` (an answer that does not parse).
        """
        if self._io is None:
            raise BridgeUnavailable("the ZeroMQ bridge is not started", code="not_started")
        async with self._lock:
            return await self._request_locked(command, expect, timeout, reset_on_timeout)

    async def _request_locked(
        self, command: str, expect: frozenset[str], timeout: float | None, reset_on_timeout: bool
    ) -> dict[str, Any]:
        assert self._loop is not None
        wait = timeout or self.config.timeout
        verb = command.split(";", 2)[:2]
        future: asyncio.Future[dict[str, Any]] = self._loop.create_future()
        try:
            async with asyncio.timeout(wait):
                await self._pull_ready.wait()  # else the EA's reply would be dropped unsent
                gap = self._last_reply_at + COMMAND_GAP - time.monotonic()
                if gap > 0:
                    await asyncio.sleep(gap)
                self._waiter = (future, expect)
                self._post("send", command)
                self._last_activity = time.monotonic()
                reply = await future
        except TimeoutError:
            self.connected = False
            self.last_error = (
                f"the expert advisor did not answer {';'.join(verb)} within {wait:g} s "
                f"(is it running on {self.config.host} ports {self.config.push_port}/"
                f"{self.config.pull_port}/{self.config.sub_port} with algo trading allowed?)"
            )
            if reset_on_timeout:
                self._post("reset", None)
            raise BridgeTimeout(self.last_error, code="timeout") from None
        except BadPayload as exc:
            self.last_error = str(exc)
            raise
        finally:
            self._waiter = None
            self._last_reply_at = time.monotonic()
        self.connected = True
        self.last_error = None
        self.last_reply = reply
        return reply

    async def reconnect(self) -> None:
        """Rebuild the sockets, wait for a heartbeat, then run the reconnect callbacks.

        Right after a rebuild the EA's PUSH socket may still route one reply to
        the closed connection (ZeroMQ deals replies among the peers it believes
        connected), so the heartbeat is tried up to ``RECONNECT_HEARTBEATS`` times
        on the new sockets before the link counts as down.
        """
        self._post("reset", None)
        for attempt in range(1, RECONNECT_HEARTBEATS + 1):
            try:
                await self.heartbeat(reset_on_timeout=False)
                break
            except BridgeTimeout:
                if attempt == RECONNECT_HEARTBEATS:
                    self._post("reset", None)
                    raise
        await self._after_reconnect()

    async def _after_reconnect(self) -> None:
        for callback in self._reconnect_callbacks:
            try:
                await callback()
            except Exception:  # one user's failure must not stop the others or the heartbeat
                log.exception("reconnect callback %r failed", callback)

    # -- loop side of the thread hand-over --------------------------------
    def _post(self, kind: str, payload: Any) -> None:
        if kind == "reset":
            self._pull_ready.clear()
        if self._io is not None:
            self._io.post(kind, payload)

    def _on_pull_ready(self, ready: bool) -> None:
        if ready:
            self._pull_ready.set()
        else:
            self._pull_ready.clear()

    def _on_reply(self, text: str) -> None:
        if text == "":
            self.empty_messages += 1  # the stock EA's empty message after every reply: protocol
            return
        waiter = self._waiter
        try:
            reply = protocol.parse_reply(text)
        except BadPayload as exc:
            log.warning("%s", exc)
            if waiter is not None and not waiter[0].done():
                waiter[0].set_exception(exc)
            return
        if waiter is None or waiter[0].done():
            log.info("dropping an unexpected reply from the expert advisor: %.120s", text)
            return
        future, expect = waiter
        action = reply.get("_action")
        if action is None or action in expect or expect is ANY_ACTION:
            future.set_result(reply)
        else:
            log.info("dropping a stale %s reply while waiting for %s", action, sorted(expect))

    def _on_peer_lost(self) -> None:
        if self.connected:
            log.warning("the expert advisor closed the connection; reconciling once it answers again")
        self.connected = False

    def _on_stream(self, text: str) -> None:
        for listener in self._stream_listeners:
            try:
                listener(text)
            except Exception:  # one listener must not stop the stream
                log.exception("price stream listener failed on %.80s", text)

    async def _heartbeat_loop(self) -> None:
        backoff = 1.0
        while self._heartbeat_on:
            await asyncio.sleep(min(self.config.heartbeat, backoff) if not self.connected else self.config.heartbeat)
            if self._lock.locked() or (
                self.connected and time.monotonic() - self._last_activity < self.config.heartbeat
            ):
                continue
            was_connected = self.connected
            try:
                await self.heartbeat()
            except (BridgeUnavailable, BadPayload) as exc:
                log.warning("expert advisor heartbeat failed: %s; retrying in %.0f s", exc, backoff)
                backoff = min(backoff * 2, MAX_BACKOFF)
                continue
            backoff = 1.0
            if not was_connected:
                log.info("expert advisor answers again; reconciling")
                await self._after_reconnect()


def _log_task_failure(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("task %s failed", task.get_name(), exc_info=task.exception())
