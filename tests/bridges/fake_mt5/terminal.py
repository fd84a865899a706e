"""A faithful in-memory MetaTrader 5 terminal behind the MetaTrader5 package's functions.

Behaves as the package does: module-level calls, ``None`` (or ``False``) on
failure with the reason in ``last_error()``, named tuples with the real
field names, retcodes with the real values, positions/orders/deals state,
times in *broker server time* (UTC + ``server_offset``). A tick carries the
time of the last price change, not the time it is read: on a closed market
(``close_market()``) ticks go old and every deal is refused with
``MARKET_CLOSED``. Test hooks inject requotes, refusals (``refusals`` for any
request, ``close_refusals`` for closing deals only), a close that fills only
part of its volume (``partial_fill_next``), lost results (``drop_after_send``),
garbled results (``garble_next_send``: fields of the next result replaced
after the request ran, e.g. ``{"order": 0}`` or ``{"retcode": 10012}``), and
closes done by hand in the terminal.
"""

from __future__ import annotations

import fnmatch
import threading
import time as _time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tests.bridges.fake_mt5 import constants as c
from tests.bridges.fake_mt5.records import (
    RATES_DTYPE,
    AccountInfo,
    OrderCheckResult,
    OrderSendResult,
    SymbolInfo,
    TerminalInfo,
    Tick,
    TradeDeal,
    TradeOrder,
    TradePosition,
    TradeRequest,
)
from tests.bridges.fake_mt5.trading import TradingRules

_REQUEST_FIELDS = TradeRequest._fields
_MARGIN_PER_LOT = 1000.0  # account currency per 1.00 lot (1:100 on 100,000 units)


@dataclass
class FakeSymbol:
    name: str
    digits: int = 5
    bid: float = 1.10000
    ask: float = 1.10010
    visible: bool = False
    stops_level: int = 0
    filling_mode: int = c.SYMBOL_FILLING_FOK | c.SYMBOL_FILLING_IOC
    trade_mode: int = c.SYMBOL_TRADE_MODE_FULL
    rates: dict[int, list[tuple]] = field(default_factory=dict)
    tick_time: float = 0.0  # server epoch of the last price change

    @property
    def point(self) -> float:
        return 10.0**-self.digits


class FakeTerminal(TradingRules):
    """State of one terminal plus the package's functions as methods."""

    def __init__(
        self,
        *,
        login: int = 5012345,
        password: str = "s3cret!",
        server: str = "Demo-Server",
        server_offset_hours: float = 2.0,
        balance: float = 10_000.0,
    ) -> None:
        self.login_id = login
        self.password = password
        self.server = server
        self.server_offset = int(server_offset_hours * 3600)
        self.balance = balance
        self.symbols: dict[str, FakeSymbol] = {}
        self.positions: dict[int, TradePosition] = {}
        self.orders: dict[int, TradeOrder] = {}
        self.deals: list[TradeDeal] = []
        self.initialized = False
        self.terminal_running = True
        self.auto_trading = True
        self._last_error: tuple[int, str] = (c.RES_S_OK, "Success")
        self._next_ticket = 50_000_001
        self._lock = threading.Lock()
        self.calls: list[str] = []
        self.call_threads: set[int] = set()
        self.init_kwargs: dict[str, Any] = {}
        # injections
        self.requotes_left = 0
        self.requote_move_points = 3
        self.refusals: list[tuple[int, str]] = []
        self.check_refusals: list[tuple[int, str]] = []
        self.drop_after_send = False
        self.send_delay = 0.0
        self.close_refusals: list[tuple[int, str]] = []
        self.partial_fill_next: float | None = None
        self.garble_next_send: dict[str, Any] | None = None  # fields to overwrite in the next result
        self.market_closed = False

    # -- test hooks ------------------------------------------------------
    def add_symbol(
        self, name: str, *, digits: int = 5, bid: float = 1.10000, spread_points: int = 10, visible: bool = False
    ) -> FakeSymbol:
        point = 10.0**-digits
        sym = FakeSymbol(
            name,
            digits,
            round(bid, digits),
            round(bid + spread_points * point, digits),
            visible,
            tick_time=_time.time() + self.server_offset,
        )
        self.symbols[name] = sym
        return sym

    def set_price(self, name: str, bid: float, ask: float | None = None) -> None:
        sym = self.symbols[name]
        sym.ask = round(ask if ask is not None else bid + (sym.ask - sym.bid), sym.digits)
        sym.bid = round(bid, sym.digits)
        sym.tick_time = _time.time() + self.server_offset

    def close_market(self, since_seconds: float = 0.0) -> None:
        """The market closes: the last tick of every symbol is ``since_seconds`` old and stays so."""
        self.market_closed = True
        for sym in self.symbols.values():
            sym.tick_time = _time.time() + self.server_offset - since_seconds

    def set_rates(self, name: str, timeframe: int, rows: list[tuple]) -> None:
        """Rows ``(server_epoch, open, high, low, close, tick_volume, spread, real_volume)``, oldest first."""
        self.symbols[name].rates[timeframe] = list(rows)

    def disconnect(self) -> None:
        """The terminal goes away: every call fails with an IPC error until ``initialize``."""
        self.initialized = False

    def inject_requotes(self, count: int, move_points: int = 3) -> None:
        self.requotes_left = count
        self.requote_move_points = move_points

    def inject_refusal(self, retcode: int, comment: str) -> None:
        self.refusals.append((retcode, comment))

    def close_by_hand(self, ticket: int) -> None:
        """The user closes a position in the terminal."""
        self.positions.pop(ticket)

    def trigger_pending(self, ticket: int) -> None:
        """A pending order fills: it becomes a position with the same ticket."""
        order = self.orders.pop(ticket)
        pos_type = c.POSITION_TYPE_BUY if order.type in (2, 4) else c.POSITION_TYPE_SELL
        self._open_position(
            order.symbol,
            pos_type,
            order.volume_current,
            order.price_open,
            order.sl,
            order.tp,
            order.magic,
            order.comment,
            ticket,
        )

    def order_sends(self) -> int:
        return self.calls.count("order_send")

    def server_now(self) -> int:
        return int(_time.time()) + self.server_offset

    # -- package API: session -------------------------------------------
    def _enter(self, name: str) -> bool:
        self.calls.append(name)
        self.call_threads.add(threading.get_ident())
        if not self.initialized:
            self._last_error = (c.RES_E_INTERNAL_FAIL_CONNECT, "No IPC connection")
            return False
        return True

    def initialize(
        self,
        path: str | None = None,
        *,
        login: int | None = None,
        password: str | None = None,
        server: str | None = None,
        timeout: int | None = None,
        portable: bool = False,
    ) -> bool:
        self.calls.append("initialize")
        self.call_threads.add(threading.get_ident())
        self.init_kwargs = {
            "path": path,
            "login": login,
            "server": server,
            "timeout": timeout,
            "portable": portable,
            "password_given": password is not None,
        }
        if not self.terminal_running:
            self._last_error = (c.RES_E_INTERNAL_FAIL_INIT, "IPC initialize failed, MetaTrader 5 x64 not found")
            return False
        if login is not None and (
            login != self.login_id or password != self.password or (server is not None and server != self.server)
        ):
            self._last_error = (c.RES_E_AUTH_FAILED, "Terminal: Authorization failed")
            return False
        self.initialized = True
        self._last_error = (c.RES_S_OK, "Success")
        return True

    def login(
        self, login: int, password: str | None = None, server: str | None = None, timeout: int | None = None
    ) -> bool:
        if not self._enter("login"):
            return False
        if login != self.login_id or password != self.password:
            self._last_error = (c.RES_E_AUTH_FAILED, "Terminal: Authorization failed")
            return False
        return True

    def shutdown(self) -> None:
        self.calls.append("shutdown")
        self.initialized = False

    def last_error(self) -> tuple[int, str]:
        return self._last_error

    def version(self) -> tuple[int, int, str] | None:
        if not self._enter("version"):
            return None
        return (500, 4620, "20 Nov 2026")

    def account_info(self) -> AccountInfo | None:
        if not self._enter("account_info"):
            return None
        margin = sum(p.volume * _MARGIN_PER_LOT for p in self.positions.values())
        profit = sum(p.profit for p in self.positions.values())
        equity = self.balance + profit
        return AccountInfo(
            self.login_id,
            0,
            100,
            200,
            0,
            True,
            self.auto_trading,
            2,
            2,
            False,
            self.balance,
            0.0,
            profit,
            equity,
            margin,
            equity - margin,
            equity / margin * 100 if margin else 0.0,
            50.0,
            30.0,
            "Paper Tester",
            self.server,
            "USD",
            "Fake Broker Ltd",
        )

    def terminal_info(self) -> TerminalInfo | None:
        if not self._enter("terminal_info"):
            return None
        return TerminalInfo(
            False,
            False,
            True,
            False,
            self.auto_trading,
            False,
            False,
            False,
            False,
            0,
            4620,
            100000,
            0,
            12000,
            0.0,
            0.0,
            "Fake Broker Ltd",
            "MetaTrader 5",
            "English",
            "C:/MT5",
            "C:/MT5/data",
            "C:/MT5/common",
        )

    # -- package API: symbols and prices ---------------------------------
    def _info(self, sym: FakeSymbol) -> SymbolInfo:
        return SymbolInfo(
            sym.name,
            sym.visible,
            sym.visible,
            sym.digits,
            sym.point,
            round((sym.ask - sym.bid) / sym.point),
            100000.0,
            sym.point,
            1.0,
            sym.trade_mode,
            sym.stops_level,
            0,
            sym.filling_mode,
            0.01,
            100.0,
            0.01,
            sym.bid,
            sym.ask,
            self.server_now(),
            sym.name[:3],
            sym.name[3:6],
            sym.name[:3],
            f"{sym.name} fake",
            f"Forex\\{sym.name}",
        )

    def symbols_total(self) -> int:
        return len(self.symbols) if self._enter("symbols_total") else 0

    def symbols_get(self, group: str | None = None) -> tuple[SymbolInfo, ...] | None:
        if not self._enter("symbols_get"):
            return None
        return tuple(self._info(s) for s in self.symbols.values() if _group_match(s.name, group))

    def symbol_info(self, symbol: str) -> SymbolInfo | None:
        if not self._enter("symbol_info"):
            return None
        sym = self.symbols.get(symbol)
        if sym is None:
            self._last_error = (c.RES_E_NOT_FOUND, "Terminal: Not found")
            return None
        return self._info(sym)

    def symbol_select(self, symbol: str, enable: bool = True) -> bool:
        if not self._enter("symbol_select"):
            return False
        sym = self.symbols.get(symbol)
        if sym is None:
            self._last_error = (c.RES_E_NOT_FOUND, "Terminal: Not found")
            return False
        sym.visible = enable
        return True

    def symbol_info_tick(self, symbol: str) -> Tick | None:
        if not self._enter("symbol_info_tick"):
            return None
        sym = self.symbols.get(symbol)
        if sym is None or not sym.visible:
            self._last_error = (c.RES_E_NOT_FOUND, "Terminal: Not found")
            return None
        at = sym.tick_time
        return Tick(int(at), sym.bid, sym.ask, 0.0, 0, int(at * 1000), c.TICK_FLAG_BID | c.TICK_FLAG_ASK, 0.0)

    def copy_rates_from_pos(self, symbol: str, timeframe: int, start_pos: int, count: int) -> np.ndarray | None:
        if not self._enter("copy_rates_from_pos"):
            return None
        sym = self.symbols.get(symbol)
        rows = None if sym is None else sym.rates.get(timeframe)
        if rows is None:
            self._last_error = (c.RES_E_INVALID_PARAMS, "Terminal: Invalid params")
            return None
        end = len(rows) - start_pos
        chosen = rows[max(0, end - count) : max(0, end)]
        return np.array(chosen, dtype=RATES_DTYPE)

    # -- package API: trading --------------------------------------------
    def positions_total(self) -> int:
        return len(self.positions) if self._enter("positions_total") else 0

    def positions_get(
        self, symbol: str | None = None, group: str | None = None, ticket: int | None = None
    ) -> tuple[TradePosition, ...] | None:
        if not self._enter("positions_get"):
            return None
        out = [
            self._marked(p)
            for p in self.positions.values()
            if (symbol is None or p.symbol == symbol)
            and (ticket is None or p.ticket == ticket)
            and _group_match(p.symbol, group)
        ]
        return tuple(out)

    def orders_get(
        self, symbol: str | None = None, group: str | None = None, ticket: int | None = None
    ) -> tuple[TradeOrder, ...] | None:
        if not self._enter("orders_get"):
            return None
        return tuple(
            o
            for o in self.orders.values()
            if (symbol is None or o.symbol == symbol)
            and (ticket is None or o.ticket == ticket)
            and _group_match(o.symbol, group)
        )

    def history_deals_get(
        self, *args: Any, position: int | None = None, ticket: int | None = None, **kwargs: Any
    ) -> tuple | None:
        if not self._enter("history_deals_get"):
            return None
        return tuple(
            d
            for d in self.deals
            if (position is None or d.position_id == position) and (ticket is None or d.ticket == ticket)
        )

    def order_check(self, request: dict[str, Any]) -> OrderCheckResult | None:
        if not self._enter("order_check"):
            return None
        req = self._request(request)
        if req is None:
            return None
        retcode, comment = self.check_refusals.pop(0) if self.check_refusals else self._validate(req)
        account = self.account_info()
        extra_margin = req.volume * _MARGIN_PER_LOT if req.action == c.TRADE_ACTION_DEAL and not req.position else 0.0
        return OrderCheckResult(
            0 if retcode == c.TRADE_RETCODE_DONE else retcode,
            account.balance,
            account.equity,
            account.profit,
            account.margin + extra_margin,
            account.margin_free - extra_margin,
            account.margin_level,
            "Done" if retcode == c.TRADE_RETCODE_DONE else comment,
            req,
        )

    def order_send(self, request: dict[str, Any]) -> OrderSendResult | None:
        if not self._enter("order_send"):
            return None
        if self.send_delay:
            _time.sleep(self.send_delay)
        req = self._request(request)
        if req is None:
            return None
        with self._lock:
            result = self._execute(req)
        if self.garble_next_send:
            self.garble_next_send: dict[str, Any] | None = None  # fields to overwrite in the next result
            result = result._replace(order=0, deal=0, price=0.0, volume=0.0)
        if self.drop_after_send:
            self.drop_after_send = False
            self.initialized = False
            self._last_error = (c.RES_E_INTERNAL_FAIL_RECEIVE, "IPC recv failed")
            return None
        return result

    # -- internals -------------------------------------------------------
    def _request(self, request: dict[str, Any]) -> TradeRequest | None:
        unknown = set(request) - set(_REQUEST_FIELDS)
        if unknown or "action" not in request:
            self._last_error = (c.RES_E_INVALID_PARAMS, f'Invalid "request" argument {sorted(unknown)}')
            return None
        values = {name: request.get(name, 0) for name in _REQUEST_FIELDS}
        values["comment"] = str(request.get("comment", ""))[:31]
        values["symbol"] = request.get("symbol", "")
        return TradeRequest(**values)

    def _new_ticket(self) -> int:
        self._next_ticket += 1
        return self._next_ticket


def _group_match(name: str, group: str | None) -> bool:
    """MetaTrader ``group`` filter: comma-separated masks with ``*``; ``!mask`` excludes."""
    if not group:
        return True
    matched = False
    for mask in (m.strip() for m in group.split(",")):
        if mask.startswith("!"):
            if fnmatch.fnmatchcase(name, mask[1:]):
                return False
        elif fnmatch.fnmatchcase(name, mask):
            matched = True
    return matched
