"""A fake stock DWX ZeroMQ Server v2.0.1 RC8 expert advisor on loopback.

Binds PULL (commands), PUSH (replies) and PUB (prices) on free ports of 127.0.0.1 with the
EA's socket options (high-water mark 1, linger 0, NON-BLOCKING sends: a reply the EA cannot
hand to a connected peer is lost, as on MetaTrader). Like the EA's ``OnTimer`` it reads one
command at a time and answers with ``StockServer.handle`` (the MQL4 logic, ``dwx.py``) on the
``MT4`` account (``mt4.py``): the reply, then an empty message. Prices are published as
``SYMBOL:|:bid;ask`` (``%f``) for the tracked symbols when they change.

Test hooks: ``silent`` (the EA stops reading commands; ``silence_after`` command prefixes
after which it does), ``drop_reply_to`` (command prefixes
whose next reply is lost after the command ran), ``garbage_for`` (…whose next reply arrives cut
in half), ``restart()`` (sockets close and rebind on the same ports; orders persist), and the
account's and the gate's own hooks (``ea.mt4.close_errors``, ``ea.server.context_busy``…).
"""

from __future__ import annotations

import queue
import threading
import time
from datetime import datetime, timedelta

import zmq

from bridges.config import ZmqConfig
from tests.bridges.fake_ea.dwx import StockServer
from tests.bridges.fake_ea.mt4 import MT4, Order


class FakeEA:
    def __init__(
        self,
        *,
        server_offset_hours: float = 2.0,
        maximum_orders: int = 1,
        maximum_lot_size: float = 0.01,
        dma_mode: bool = True,
    ) -> None:
        self.mt4 = MT4(server_offset_hours=server_offset_hours)
        self.server = StockServer(
            self.mt4, maximum_orders=maximum_orders, maximum_lot_size=maximum_lot_size, dma_mode=dma_mode
        )
        self.commands: list[str] = []
        self.sent: list[str] = []
        self.send_failures = 0
        self.lost_replies: list[str] = []
        self.ports: tuple[int, int, int] | None = None
        self._control: queue.SimpleQueue = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._running = False
        self._bound = threading.Event()
        self._last_published: dict[str, str] = {}
        self.timer_ms = 1  # MILLISECOND_TIMER: one command per timer event
        self.send_grace = 0.003
        # injections on the wire
        self.silent = False
        self.drop_reply_to: list[str] = []
        self.garbage_for: list[str] = []
        self.silence_after: list[str] = []  # command prefixes after which the EA hangs (``silent``)

    # -- lifecycle -------------------------------------------------------
    def start(self) -> FakeEA:
        self._running = True
        self._bound.clear()
        self._thread = threading.Thread(target=self._main, name="fake-ea", daemon=True)
        self._thread.start()
        if not self._bound.wait(5):
            raise RuntimeError("fake EA did not bind")
        return self

    def stop(self) -> None:
        self._running = False
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None

    def restart(self, downtime: float = 0.1) -> None:
        """The terminal restarts: sockets close and rebind on the same ports; orders persist."""
        self.stop()
        time.sleep(downtime)
        self.server.publish_symbols = []
        self._last_published.clear()
        self.start()

    def config(self, **overrides) -> ZmqConfig:
        assert self.ports is not None
        values = {
            "host": "127.0.0.1",
            "push_port": self.ports[0],
            "pull_port": self.ports[1],
            "sub_port": self.ports[2],
            "timeout": 1.0,
            "heartbeat": 0.2,
        }
        values.update(overrides)
        return ZmqConfig(**values)

    # -- market and account hooks ------------------------------------------
    def publish(self, symbol: str, bid: float, ask: float) -> None:
        """A new price; the EA publishes it when it tracks the symbol (OnTick)."""
        self.mt4.prices[symbol] = (bid, ask)
        self._control.put(("tick", symbol))

    def add_order(
        self,
        *,
        ticket: int,
        magic: int,
        symbol: str = "EURUSD",
        lots: float = 0.01,
        op: int = 0,
        open_price: float = 1.09,
        age: timedelta = timedelta(0),
        sl: float = 0.0,
        tp: float = 0.0,
        comment: str = "",
    ) -> Order:
        """An order placed ``age`` ago (by hand, another EA, an earlier journal); times in server time."""
        opened = self.mt4.server_now() - age
        return self.mt4.add_order(Order(ticket, magic, symbol, lots, op, open_price, opened, sl, tp, comment))

    def set_rates(self, symbol: str, minutes: int, rows: list[dict]) -> None:
        """Bars ``{'time': <server datetime>, 'open'…}`` oldest first, for ``HIST``."""
        self.mt4.rates[(symbol, minutes)] = rows

    @property
    def trades(self) -> dict[int, dict]:
        """Open orders as GET_OPEN_TRADES lists them (numbers as numbers): ticket → fields."""
        with self.mt4.lock:
            return {
                o.ticket: {
                    "_magic": o.magic,
                    "_symbol": o.symbol,
                    "_lots": o.lots,
                    "_type": o.type,
                    "_open_price": o.open_price,
                    "_open_time": o.open_time,
                    "_SL": o.sl,
                    "_TP": o.tp,
                    "_comment": o.comment,
                }
                for o in self.mt4.orders
            }

    @property
    def tracked(self) -> list[str]:
        """The symbols the EA publishes prices of (set by TRACK_PRICES)."""
        return list(self.server.publish_symbols)

    def trade_commands(self, action: str) -> list[str]:
        return [c for c in self.commands if c.startswith(f"TRADE;{action};")]

    def server_time(self) -> datetime:
        return self.mt4.server_now()

    # -- thread ----------------------------------------------------------
    def _main(self) -> None:
        ctx = zmq.Context()
        pull, push, pub = ctx.socket(zmq.PULL), ctx.socket(zmq.PUSH), ctx.socket(zmq.PUB)
        pull.setsockopt(zmq.RCVHWM, 1)
        push.setsockopt(zmq.SNDHWM, 1)
        pub.setsockopt(zmq.SNDHWM, 1)
        for sock in (pull, push, pub):
            sock.setsockopt(zmq.LINGER, 0)
        if self.ports is None:
            self.ports = (
                pull.bind_to_random_port("tcp://127.0.0.1"),
                push.bind_to_random_port("tcp://127.0.0.1"),
                pub.bind_to_random_port("tcp://127.0.0.1"),
            )
        else:
            for sock, port in zip((pull, push, pub), self.ports, strict=True):
                sock.bind(f"tcp://127.0.0.1:{port}")
        self._bound.set()
        try:
            while self._running:
                self._publish_changes(pub)
                if self.silent:
                    time.sleep(0.002)
                    continue  # a stuck EA leaves commands unread
                if not pull.poll(self.timer_ms):
                    continue
                try:
                    command = pull.recv(zmq.NOBLOCK).decode("utf-8", errors="replace")
                except zmq.Again:
                    continue
                self.commands.append(command)
                messages = self.server.handle(command)
                if self._take(self.silence_after, command):
                    self.silent = True
                if messages[0] and self._take(self.drop_reply_to, command):
                    messages = messages[1:]
                elif messages[0] and self._take(self.garbage_for, command):
                    messages[0] = messages[0][: len(messages[0]) // 2]
                for text in messages:
                    if self._push(push, text):
                        self.sent.append(text)
                    else:
                        self.send_failures += 1  # the EA prints "###ERROR### Sending message" and goes on
                        if text:
                            self.lost_replies.append(text)
                time.sleep(self.timer_ms / 1000)  # the next OnTimer
        finally:
            for sock in (pull, push, pub):
                sock.close(linger=0)
            ctx.term()

    def _push(self, push: zmq.Socket, text: str) -> bool:
        """A non-blocking send; with the pipe full (high-water mark 1) it is tried once more after
        ``send_grace`` seconds (the time MQL takes between two sends), then the message is lost."""
        for attempt in range(2):
            try:
                push.send_string(text, zmq.NOBLOCK)
                return True
            except zmq.Again:
                if attempt == 0:
                    time.sleep(self.send_grace)
        return False

    def _publish_changes(self, pub: zmq.Socket) -> None:
        while True:
            try:
                kind, payload = self._control.get_nowait()
            except queue.Empty:
                break
            if kind == "raw":
                try:
                    pub.send_string(payload, zmq.NOBLOCK)
                except zmq.Again:
                    pass
        for symbol in list(self.server.publish_symbols):
            bid, ask = self.mt4.prices[symbol]
            tick = f"{bid:f};{ask:f}"
            if self._last_published.get(symbol) == tick:
                continue
            try:
                pub.send_string(f"{symbol}:|:{tick}", zmq.NOBLOCK)
                self._last_published[symbol] = tick
            except zmq.Again:
                pass

    def raw(self, text: str) -> None:
        """Publish an arbitrary stream message (garbage tests)."""
        self._control.put(("raw", text))

    @staticmethod
    def _take(prefixes: list[str], command: str) -> bool:
        for prefix in prefixes:
            if command.startswith(prefix):
                prefixes.remove(prefix)
                return True
        return False
