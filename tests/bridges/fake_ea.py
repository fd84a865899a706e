"""A fake expert advisor on loopback speaking the DWX ZeroMQ protocol.

Binds PULL (commands), PUSH (replies) and PUB (prices) on free ports of
127.0.0.1, keeps positions and pending orders like a MetaTrader account,
answers every command the bridge uses with the protocol's reply shapes, and
streams ``SYMBOL:|:bid;ask``. Test hooks: refusals (``TRADE_CONTEXT_BUSY``,
``134`` not enough money…), silence, a lost reply after execution, garbage
replies, a restart on the same ports, MT4-style new tickets on partial close.
"""

from __future__ import annotations

import queue
import threading
import time
from datetime import datetime, timedelta, timezone

import zmq

from bridges.config import ZmqConfig

DIGITS = {"EURUSD": 5, "GBPUSD": 5, "USDJPY": 3}


class FakeEA:
    def __init__(self, *, server_offset_hours: float = 2.0, mt4_partial_tickets: bool = False) -> None:
        self.server_offset = timedelta(hours=server_offset_hours)
        self.mt4_partial_tickets = mt4_partial_tickets
        self.prices: dict[str, tuple[float, float]] = {"EURUSD": (1.10000, 1.10010), "GBPUSD": (1.25000, 1.25015),
                                                       "USDJPY": (151.200, 151.212)}
        self.trades: dict[int, dict] = {}
        self.rates: dict[str, list[dict]] = {}
        self.commands: list[str] = []
        self.tracked: list[str] = []
        self.ports: tuple[int, int, int] | None = None
        self._next_ticket = 85_051_740
        self._control: queue.SimpleQueue = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._running = False
        self._bound = threading.Event()
        # injections
        self.busy = 0
        self.refusals: list[dict] = []
        self.silent = False
        self.drop_reply_to: list[str] = []   # command prefixes whose next reply is lost (executed, unanswered)
        self.garbage_for: list[str] = []     # command prefixes whose next reply is garbage
        self.fill_slippage_points = 0

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
        """The terminal restarts: sockets close and rebind on the same ports; trades persist."""
        self.stop()
        time.sleep(downtime)
        self.tracked = []
        self.start()

    def config(self, **overrides) -> ZmqConfig:
        assert self.ports is not None
        values = dict(host="127.0.0.1", push_port=self.ports[0], pull_port=self.ports[1],
                      sub_port=self.ports[2], timeout=1.0, heartbeat=0.2)
        values.update(overrides)
        return ZmqConfig(**values)

    def publish(self, symbol: str, bid: float, ask: float) -> None:
        self.prices[symbol] = (bid, ask)
        self._control.put(("pub", f"{symbol}:|:{bid:f};{ask:f}"))

    def trade_commands(self, action: str) -> list[str]:
        return [c for c in self.commands if c.startswith(f"TRADE;{action};")]

    # -- thread ----------------------------------------------------------
    def _main(self) -> None:
        ctx = zmq.Context()
        pull, push, pub = ctx.socket(zmq.PULL), ctx.socket(zmq.PUSH), ctx.socket(zmq.PUB)
        for sock in (pull, push, pub):
            sock.setsockopt(zmq.LINGER, 0)
        if self.ports is None:
            self.ports = (pull.bind_to_random_port("tcp://127.0.0.1"), push.bind_to_random_port("tcp://127.0.0.1"),
                          pub.bind_to_random_port("tcp://127.0.0.1"))
        else:
            for sock, port in zip((pull, push, pub), self.ports):
                sock.bind(f"tcp://127.0.0.1:{port}")
        self._bound.set()
        try:
            while self._running:
                while True:
                    try:
                        kind, text = self._control.get_nowait()
                    except queue.Empty:
                        break
                    if kind == "pub":
                        pub.send_string(text)
                if self.silent or not pull.poll(5) or self.silent:
                    continue  # a stuck EA leaves commands unread
                command = pull.recv_string()
                self.commands.append(command)
                reply = self._handle(command)
                if reply is None:
                    continue
                if self._take(self.drop_reply_to, command):
                    continue
                if self._take(self.garbage_for, command):
                    push.send_string("{'_action': 'EXECUTION', '_ticket': oops")
                    continue
                push.send_string(repr(reply))
        finally:
            for sock in (pull, push, pub):
                sock.close(linger=0)
            ctx.term()

    @staticmethod
    def _take(prefixes: list[str], command: str) -> bool:
        for prefix in prefixes:
            if command.startswith(prefix):
                prefixes.remove(prefix)
                return True
        return False

    def _server_time(self) -> str:
        return (datetime.now(timezone.utc) + self.server_offset).strftime("%Y.%m.%d %H:%M:%S")

    def _handle(self, command: str) -> dict | None:
        parts = command.split(";")
        if parts[0] == "HEARTBEAT":
            return {"_action": "heartbeat", "_response": "loud and clear!", "_server_time": self._server_time()}
        if parts[0] == "TRACK_PRICES":
            self.tracked = parts[1:]
            for symbol in self.tracked:
                bid, ask = self.prices[symbol]
                self._control.put(("pub", f"{symbol}:|:{bid:f};{ask:f}"))
            return {"_action": "TRACK_PRICES", "_data": {"symbol_count": len(self.tracked), "error_symbols": []}}
        if parts[0] == "HIST":
            data = self.rates.get(f"{parts[1]}_{parts[2]}")
            if data is None:
                return {"_action": "HIST", "_response": "NOT_AVAILABLE"}
            return {"_action": "HIST", "_symbol": f"{parts[1]}_{parts[2]}", "_data": data}
        if parts[0] != "TRADE" or len(parts) != 11:
            return {"_action": "UNKNOWN", "_response": "BAD_COMMAND", "_response_value": command}
        action, op, symbol, price, sl, tp, comment, lots, magic, ticket = parts[1:]
        if action == "GET_OPEN_TRADES":
            return {"_action": "OPEN_TRADES", "_trades": {t: dict(v) for t, v in self.trades.items()}}
        if self.busy > 0:
            self.busy -= 1
            return {"_response": "TRADE_CONTEXT_BUSY__ABORTED_COMMAND"}
        if self.refusals:
            return self.refusals.pop(0)
        if action == "OPEN":
            return self._open(int(op), symbol, float(price), int(sl), int(tp), comment, float(lots), int(magic))
        if action == "MODIFY":
            return self._modify(int(ticket), float(price), int(sl), int(tp))
        if action in ("CLOSE", "CLOSE_PARTIAL"):
            return self._close(int(ticket), float(lots) if action == "CLOSE_PARTIAL" else None)
        return {"_action": action, "_response": "BAD_COMMAND"}

    def _open(self, op: int, symbol: str, price: float, sl: int, tp: int, comment: str, lots: float,
              magic: int) -> dict:
        if symbol not in self.prices:
            return {"_action": "EXECUTION", "_response": "4106", "response_value": "unknown symbol"}
        point = 10.0 ** -DIGITS[symbol]
        buy = op in (0, 2, 4)
        if op in (0, 1):
            bid, ask = self.prices[symbol]
            price = (ask if buy else bid) + (1 if buy else -1) * self.fill_slippage_points * point
        sign = 1 if buy else -1
        digits = DIGITS[symbol]
        sl_price = round(price - sign * sl * point, digits) if sl else 0.0
        tp_price = round(price + sign * tp * point, digits) if tp else 0.0
        self._next_ticket += 1
        ticket = self._next_ticket
        self.trades[ticket] = {"_magic": magic, "_symbol": symbol, "_lots": lots, "_type": op,
                               "_open_price": round(price, digits), "_open_time": self._server_time(),
                               "_SL": sl_price, "_TP": tp_price, "_pnl": 0.0, "_comment": comment}
        return {"_action": "EXECUTION", "_magic": magic, "_ticket": ticket, "_open_time": self._server_time(),
                "_open_price": round(price, digits), "_sl": sl_price, "_tp": tp_price}

    def _modify(self, ticket: int, price: float, sl: int, tp: int) -> dict:
        trade = self.trades.get(ticket)
        if trade is None:
            return {"_action": "EXECUTION", "_response": "4108", "response_value": "invalid ticket"}
        digits = DIGITS[trade["_symbol"]]
        point = 10.0 ** -digits
        if price > 0 and trade["_type"] >= 2:
            trade["_open_price"] = round(price, digits)
        sign = 1 if trade["_type"] in (0, 2, 4) else -1
        base = trade["_open_price"]
        trade["_SL"] = round(base - sign * sl * point, digits) if sl else 0.0
        trade["_TP"] = round(base + sign * tp * point, digits) if tp else 0.0
        return {"_action": "EXECUTION", "_ticket": ticket, "_sl": trade["_SL"], "_tp": trade["_TP"]}

    def _close(self, ticket: int, lots: float | None) -> dict:
        trade = self.trades.get(ticket)
        if trade is None:
            return {"_action": "CLOSE", "_ticket": ticket, "_response": "NOT_FOUND"}
        bid, ask = self.prices[trade["_symbol"]]
        price = bid if trade["_type"] == 0 else ask
        if trade["_type"] >= 2:
            del self.trades[ticket]
            return {"_action": "CLOSE", "_ticket": ticket, "_response": "CLOSE_PENDING",
                    "_response_value": "SUCCESS"}
        if lots is None or lots >= trade["_lots"]:
            closed = self.trades.pop(ticket)["_lots"]
            return {"_action": "CLOSE", "_ticket": ticket, "_close_price": price, "_close_lots": closed,
                    "_response": "CLOSE_MARKET", "_response_value": "SUCCESS"}
        trade["_lots"] = round(trade["_lots"] - lots, 2)
        if self.mt4_partial_tickets:  # MT4 closes the ticket and opens the rest under a new one
            self._next_ticket += 1
            rest = self.trades.pop(ticket)
            rest["_comment"] = f"from #{ticket}"
            self.trades[self._next_ticket] = rest
        return {"_action": "CLOSE", "_ticket": ticket, "_close_price": price, "_close_lots": lots,
                "_response": "CLOSE_PARTIAL", "_response_value": "SUCCESS"}
