"""The ZeroMQ sockets of the DWX link, on their own thread.

ZeroMQ sockets are not thread-safe and the Qt/asyncio loop on Windows has no
``add_reader``, so PUSH (commands), PULL (replies), SUB (prices) and the two
monitor sockets live on ONE thread. The loop hands work over with ``post()``
(a queue plus a wake-up socket pair); the thread hands messages and link
events back with ``loop.call_soon_threadsafe``.

Link events: the EA's PUSH socket sends non-blocking with a high-water mark
of 1, so a reply sent before our PULL socket finished its handshake is LOST.
The PULL monitor reports the handshake (``on_pull_ready(True)``) and a
disconnect (``on_pull_ready(False)``); the PUSH monitor reports the EA
closing its end (``on_peer_lost``).
"""

from __future__ import annotations

import asyncio
import logging
import queue
import socket
import threading
from collections.abc import Callable
from typing import Any

import zmq
from zmq.utils.monitor import recv_monitor_message

from bridges.config import ZmqConfig

log = logging.getLogger(__name__)

PULL_EVENTS = zmq.EVENT_HANDSHAKE_SUCCEEDED | zmq.EVENT_DISCONNECTED


class SocketThread:
    """Owns the sockets; ``post('send'|'subscribe'|'reset'|'stop', payload)`` from the loop."""

    def __init__(
        self,
        config: ZmqConfig,
        loop: asyncio.AbstractEventLoop,
        *,
        on_reply: Callable[[str], None],
        on_stream: Callable[[str], None],
        on_peer_lost: Callable[[], None],
        on_pull_ready: Callable[[bool], None],
    ) -> None:
        self.config = config
        self._loop = loop
        self._callbacks = {"reply": on_reply, "stream": on_stream}
        self._on_peer_lost = on_peer_lost
        self._on_pull_ready = on_pull_ready
        self._outbox: queue.SimpleQueue[tuple[str, Any]] = queue.SimpleQueue()
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        self._thread = threading.Thread(target=self._main, name="zmq-bridge", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def join(self, timeout: float) -> None:
        self._thread.join(timeout)

    def close(self) -> None:
        for sock in (self._wake_r, self._wake_w):
            sock.close()

    def post(self, kind: str, payload: Any) -> None:
        self._outbox.put((kind, payload))
        try:
            self._wake_w.send(b"\0")
        except (BlockingIOError, OSError):
            pass  # a wake-up is already pending, or the pair is closing

    # -- thread side -----------------------------------------------------
    def _call(self, callback: Callable[..., None], *args: Any) -> None:
        try:
            self._loop.call_soon_threadsafe(callback, *args)
        except RuntimeError:
            pass  # the loop is closed: nobody is waiting any more

    def _main(self) -> None:
        context = zmq.Context()
        sockets = self._open(context)
        subscriptions: set[str] = set()
        poller = zmq.Poller()
        self._register(poller, sockets)
        poller.register(self._wake_r, zmq.POLLIN)
        try:
            while True:
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
                        for name in ("pull", "sub", "push_monitor", "pull_monitor"):
                            poller.unregister(sockets[name])
                        self._close(sockets)
                        self._call(self._on_pull_ready, False)
                        sockets = self._open(context)
                        for prefix in subscriptions:
                            sockets["sub"].setsockopt_string(zmq.SUBSCRIBE, prefix)
                        self._register(poller, sockets)
                        events = {}
                self._monitor_events(sockets, events)
                for name in ("pull", "sub"):
                    sock = sockets[name]
                    if sock in events:
                        while True:
                            try:
                                text = sock.recv(zmq.NOBLOCK).decode("utf-8", errors="replace")
                            except zmq.Again:
                                break
                            self._call(self._callbacks["reply" if name == "pull" else "stream"], text)
        except Exception:  # log why the bridge thread died
            log.exception("ZeroMQ bridge thread failed")
        finally:
            self._close(sockets)
            context.term()

    def _monitor_events(self, sockets: dict[str, zmq.Socket], events: dict[Any, int]) -> None:
        if sockets["push_monitor"] in events:
            while True:
                try:
                    recv_monitor_message(sockets["push_monitor"], zmq.NOBLOCK)
                except zmq.Again:
                    break
                self._call(self._on_peer_lost)
        if sockets["pull_monitor"] in events:
            while True:
                try:
                    event = recv_monitor_message(sockets["pull_monitor"], zmq.NOBLOCK)
                except zmq.Again:
                    break
                self._call(self._on_pull_ready, event["event"] == zmq.EVENT_HANDSHAKE_SUCCEEDED)

    @staticmethod
    def _close(sockets: dict[str, zmq.Socket]) -> None:
        sockets["push"].disable_monitor()
        sockets["pull"].disable_monitor()
        for sock in sockets.values():
            sock.close(linger=0)

    def _open(self, context: zmq.Context) -> dict[str, zmq.Socket]:
        cfg = self.config
        push = context.socket(zmq.PUSH)
        push.setsockopt(zmq.SNDHWM, 1000)
        push.setsockopt(zmq.LINGER, 0)
        pull = context.socket(zmq.PULL)
        pull.setsockopt(zmq.LINGER, 0)
        sub = context.socket(zmq.SUB)
        sub.setsockopt(zmq.LINGER, 0)
        # The EA closing its end (restart, removal) shows as a disconnect of our PUSH socket;
        # our PULL socket's handshake says the EA can now deliver replies to us.
        monitors = {
            "push_monitor": push.get_monitor_socket(zmq.EVENT_DISCONNECTED),
            "pull_monitor": pull.get_monitor_socket(PULL_EVENTS),
        }
        push.connect(cfg.endpoint(cfg.push_port))
        pull.connect(cfg.endpoint(cfg.pull_port))
        sub.connect(cfg.endpoint(cfg.sub_port))
        return {"push": push, "pull": pull, "sub": sub, **monitors}

    @staticmethod
    def _register(poller: zmq.Poller, sockets: dict[str, zmq.Socket]) -> None:
        for name in ("pull", "sub", "push_monitor", "pull_monitor"):
            poller.register(sockets[name], zmq.POLLIN)
