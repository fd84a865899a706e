"""ZeroMQ link to a DWX-protocol expert advisor.

Three sockets: PUSH commands to ``push_port``, PULL replies from
``pull_port``, SUB prices from ``sub_port``. ZeroMQ sockets are not
thread-safe and the Qt/asyncio loop on Windows has no ``add_reader``, so the
sockets live on their OWN thread; the loop hands commands over through a
queue plus a wake-up socket pair, and the thread hands replies and stream
messages back with ``loop.call_soon_threadsafe``.

The protocol carries no request ids: one command is outstanding at a time
(a lock), and a reply is matched to it by its ``_action``. A reply with
another action (late, from a command that timed out) is dropped. After a
timeout the sockets are recreated and a heartbeat is answered before
anything else is sent, so stale replies cannot be taken for new ones. While
idle a heartbeat runs every ``heartbeat`` seconds; when it fails the link
is rebuilt with backoff (1 s doubling to 30 s) and the ``on_reconnect``
callbacks run (the mirror reconciles, the feed re-tracks its symbols).
"""

from __future__ import annotations

import asyncio
import logging
import queue
import socket
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any

import zmq
from zmq.utils.monitor import recv_monitor_message

from bridges.config import ZmqConfig
from bridges.errors import BridgeTimeout, BridgeUnavailable
from bridges.zmq import protocol
from engine.errors import BadPayload

log = logging.getLogger(__name__)

MAX_BACKOFF = 30.0
RECONNECT_HEARTBEATS = 3
ANY_ACTION = frozenset({"*"})


class ZmqClient:
    """Request/reply and price stream over the DWX sockets."""

    def __init__(self, config: ZmqConfig | None = None) -> None:
        self.config = config or ZmqConfig()
        self.connected = False
        self.last_error: str | None = None
        self.last_reply: dict[str, Any] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._outbox: queue.SimpleQueue[tuple[str, Any]] = queue.SimpleQueue()
        self._wake_r: socket.socket | None = None
        self._wake_w: socket.socket | None = None
        self._running = False
        self._lock = asyncio.Lock()
        self._waiter: tuple[asyncio.Future[dict[str, Any]], frozenset[str]] | None = None
        self._stream_listeners: list[Callable[[str], None]] = []
        self._reconnect_callbacks: list[Callable[[], Awaitable[None]]] = []
        self._last_activity = 0.0
        self._holders = 0
        self._heartbeat_task: asyncio.Task[None] | None = None
        self._heartbeat_on = False

    # -- lifecycle -------------------------------------------------------
    async def start(self) -> None:
        """Start the socket thread and wait for a heartbeat answer (``BridgeUnavailable`` if none)."""
        if self._thread is None:
            self._loop = asyncio.get_running_loop()
            self._wake_r, self._wake_w = socket.socketpair()
            self._wake_r.setblocking(False)
            self._wake_w.setblocking(False)
            self._running = True
            self._thread = threading.Thread(target=self._io_main, name="zmq-bridge", daemon=True)
            self._thread.start()
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
        if self._thread is not None:
            self._running = False
            self._post("stop", None)
            await asyncio.get_running_loop().run_in_executor(None, self._thread.join, 5)
            self._thread = None
        for sock in (self._wake_r, self._wake_w):
            if sock is not None:
                sock.close()
        self._wake_r = self._wake_w = None
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

    async def request(self, command: str, expect: frozenset[str], timeout: float | None = None, *,
                      reset_on_timeout: bool = True) -> dict[str, Any]:
        """Send ``command`` and return the parsed reply whose ``_action`` is in ``expect``.

        A reply without ``_action`` (the EA's gate errors) also answers.
        Raises ``BridgeTimeout`` (no answer; the link is rebuilt) or
        ``BadPayload`` (an answer that does not parse).
        """
        if self._thread is None:
            raise BridgeUnavailable("the ZeroMQ bridge is not started", code="not_started")
        async with self._lock:
            return await self._request_locked(command, expect, timeout, reset_on_timeout)

    async def _request_locked(self, command: str, expect: frozenset[str], timeout: float | None,
                              reset_on_timeout: bool) -> dict[str, Any]:
        assert self._loop is not None
        future: asyncio.Future[dict[str, Any]] = self._loop.create_future()
        self._waiter = (future, expect)
        self._post("send", command)
        self._last_activity = time.monotonic()
        wait = timeout or self.config.timeout
        verb = command.split(";", 2)[:2]
        try:
            async with asyncio.timeout(wait):
                reply = await future
        except TimeoutError:
            self.connected = False
            self.last_error = (f"the expert advisor did not answer {';'.join(verb)} within {wait:g} s "
                               f"(is it running on {self.config.host} ports {self.config.push_port}/"
                               f"{self.config.pull_port}/{self.config.sub_port} with algo trading allowed?)")
            if reset_on_timeout:
                self._post("reset", None)
            raise BridgeTimeout(self.last_error, code="timeout") from None
        except BadPayload as exc:
            self.last_error = str(exc)
            raise
        finally:
            self._waiter = None
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
            except Exception:  # noqa: BLE001 - one user's failure must not stop the others or the heartbeat
                log.exception("reconnect callback %r failed", callback)

    # -- loop side of the thread hand-over --------------------------------
    def _post(self, kind: str, payload: Any) -> None:
        self._outbox.put((kind, payload))
        if self._wake_w is not None:
            try:
                self._wake_w.send(b"\0")
            except (BlockingIOError, OSError):
                pass  # a wake-up is already pending, or the pair is closing

    def _on_reply(self, text: str) -> None:
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
            except Exception:  # noqa: BLE001 - one listener must not stop the stream
                log.exception("price stream listener failed on %.80s", text)

    async def _heartbeat_loop(self) -> None:
        backoff = 1.0
        while self._heartbeat_on:
            await asyncio.sleep(min(self.config.heartbeat, backoff) if not self.connected else self.config.heartbeat)
            if self._lock.locked() or (self.connected and
                                       time.monotonic() - self._last_activity < self.config.heartbeat):
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

    # -- socket thread ---------------------------------------------------
    def _io_main(self) -> None:
        context = zmq.Context()
        sockets = self._open_sockets(context)
        subscriptions: set[str] = set()
        poller = zmq.Poller()
        self._register(poller, sockets)
        assert self._wake_r is not None and self._loop is not None
        poller.register(self._wake_r, zmq.POLLIN)
        try:
            while self._running:
                events = dict(poller.poll(200))
                if self._wake_r.fileno() in events or self._wake_r in events:
                    try:
                        self._wake_r.recv(4096)
                    except (BlockingIOError, OSError):
                        pass
                while True:
                    try:
                        kind, payload = self._outbox.get_nowait()
                    except queue.Empty:
                        break
                    if kind == "stop":
                        return
                    if kind == "send":
                        try:
                            sockets["push"].send_string(payload, zmq.NOBLOCK)
                        except zmq.Again:
                            log.warning("command queue to the expert advisor is full; dropped %.40s", payload)
                    elif kind == "subscribe":
                        subscriptions.add(payload)
                        sockets["sub"].setsockopt_string(zmq.SUBSCRIBE, payload)
                    elif kind == "reset":
                        for name in ("pull", "sub", "monitor"):
                            poller.unregister(sockets[name])
                        self._close_sockets(sockets)
                        sockets = self._open_sockets(context)
                        for prefix in subscriptions:
                            sockets["sub"].setsockopt_string(zmq.SUBSCRIBE, prefix)
                        self._register(poller, sockets)
                        events = {}
                if sockets["monitor"] in events:
                    while True:
                        try:
                            recv_monitor_message(sockets["monitor"], zmq.NOBLOCK)
                        except zmq.Again:
                            break
                        self._loop.call_soon_threadsafe(self._on_peer_lost)
                for name, callback in (("pull", self._on_reply), ("sub", self._on_stream)):
                    sock = sockets[name]
                    if sock in events:
                        while True:
                            try:
                                text = sock.recv(zmq.NOBLOCK).decode("utf-8", errors="replace")
                            except zmq.Again:
                                break
                            self._loop.call_soon_threadsafe(callback, text)
        except Exception:  # noqa: BLE001 - log why the bridge thread died
            log.exception("ZeroMQ bridge thread failed")
        finally:
            self._close_sockets(sockets)
            context.term()

    @staticmethod
    def _close_sockets(sockets: dict[str, zmq.Socket]) -> None:
        sockets["push"].disable_monitor()
        for sock in sockets.values():
            sock.close(linger=0)

    def _open_sockets(self, context: zmq.Context) -> dict[str, zmq.Socket]:
        cfg = self.config
        push = context.socket(zmq.PUSH)
        push.setsockopt(zmq.SNDHWM, 1000)
        push.setsockopt(zmq.LINGER, 0)
        push.connect(cfg.endpoint(cfg.push_port))
        pull = context.socket(zmq.PULL)
        pull.setsockopt(zmq.LINGER, 0)
        pull.connect(cfg.endpoint(cfg.pull_port))
        sub = context.socket(zmq.SUB)
        sub.setsockopt(zmq.LINGER, 0)
        sub.connect(cfg.endpoint(cfg.sub_port))
        # The EA closing its end (restart, removal) shows as a disconnect of our PUSH socket.
        monitor = push.get_monitor_socket(zmq.EVENT_DISCONNECTED)
        return {"push": push, "pull": pull, "sub": sub, "monitor": monitor}

    @staticmethod
    def _register(poller: zmq.Poller, sockets: dict[str, zmq.Socket]) -> None:
        for name in ("pull", "sub", "monitor"):
            poller.register(sockets[name], zmq.POLLIN)


def _log_task_failure(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("task %s failed", task.get_name(), exc_info=task.exception())
