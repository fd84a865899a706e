"""The stock DWX ZeroMQ Server v2.0.1 RC8 message handler, ported line by line from its MQL4.

Every reply string is built the way the MQL builds it, by concatenation, so its quirks come
through unchanged:

- after every command (even an unknown one, or a refused one) ``OnTimer`` pushes an EMPTY
  message: ``MessageHandler`` returns an empty ``ZmqMsg`` after the real reply was sent;
- OPEN refusals say ``response_value`` (no underscore), every other function ``_response_value``;
- a CLOSE whose ``OrderClose`` fails its 3 attempts still ends with ``'_response': 'CLOSE_MARKET',
  '_response_value': 'SUCCESS'``; only ``_close_price`` is missing, and the error codes are in the
  earlier, duplicated ``_response`` keys (each failed attempt also appends ``'0'``/``no error``,
  because ``GetLastError()`` was already reset);
- a MODIFY reply is ``{'_action': 'MODIFY', '_sl': …, '_tp': …}`` without ``_ticket``; a missing
  SL or TP (0 points) is put AT the open price (``price - 0 * point``);
- in DMA mode (the default) OPEN sends without stops, then modifies them 3 times from the
  EA's own fill price and, when the third modify fails, closes the position at market and adds
  ``'_response': 'ERROR_SETTING_SL_TP'``;
- CLOSE_PARTIAL answers ``{}`` when the previously selected order is a pending one;
- in non-DMA mode an OPEN reply ends with ``}}`` (unparseable);
- the gate refuses every command but HEARTBEAT while ``IsTradeAllowed()`` is false, and a busy
  trade context makes ``IsTradeAllowed()`` false: ``TRADING_IS_NOT_ALLOWED__ABORTED_COMMAND``;
- ``components`` is a static ``string[11]``: TRACK_PRICES always counts 10 symbols, the empty
  ones reported in ``error_symbols``;
- times are server time: ``_open_time`` ``YYYY.MM.DD HH:MM:SS``, HIST ``YYYY.MM.DD HH:MM``;
  doubles have 8 decimals (``DoubleToString``); there is no ``_server_time`` anywhere.
"""

from __future__ import annotations

import time
from datetime import datetime

from tests.bridges.fake_ea.mt4 import MT4, OP_BUY, OP_BUYLIMIT, OP_BUYSTOP, OP_SELL, error_description

TIMEFRAME_TEXT = {1: "M1", 5: "M5", 15: "M15", 30: "M30", 60: "H1", 240: "H4", 1440: "D1", 10080: "W1", 43200: "MN1"}
HEARTBEAT_REPLY = "{'_action': 'heartbeat', '_response': 'loud and clear!'}"


def d(value: float, digits: int = 8) -> str:
    """DoubleToString (8 decimals unless told)."""
    return f"{value:.{digits}f}"


def secs(when: datetime) -> str:
    """TimeToStr(t, TIME_DATE|TIME_SECONDS)."""
    return when.strftime("%Y.%m.%d %H:%M:%S")


def minutes(when: datetime) -> str:
    """TimeToString(t): TIME_DATE|TIME_MINUTES."""
    return when.strftime("%Y.%m.%d %H:%M")


def str_to_int(text: str) -> int:
    """StrToInteger: the leading integer, 0 when none."""
    text = text.strip()
    digits = ""
    for i, ch in enumerate(text):
        if ch.isdigit() or (i == 0 and ch in "+-"):
            digits += ch
        else:
            break
    try:
        return int(digits)
    except ValueError:
        return 0


def str_to_double(text: str) -> float:
    try:
        return float(text.strip())
    except ValueError:
        return 0.0


def str_to_time(text: str) -> datetime | None:
    for fmt in ("%Y.%m.%d %H:%M:%S", "%Y.%m.%d %H:%M", "%Y.%m.%d"):
        try:
            return datetime.strptime(text.strip(), fmt)
        except ValueError:
            continue
    return None


class StockServer:
    """The EA's inputs, gate state and message handler over one ``MT4`` account."""

    def __init__(
        self,
        mt4: MT4,
        *,
        maximum_orders: int = 1,
        maximum_lot_size: float = 0.01,
        maximum_slippage: int = 3,
        dma_mode: bool = True,
        chart_symbol: str = "EURUSD",
    ) -> None:
        self.mt4 = mt4
        self.maximum_orders = maximum_orders
        self.maximum_lot_size = maximum_lot_size
        self.maximum_slippage = maximum_slippage
        self.dma_mode = dma_mode
        self.chart_symbol = chart_symbol
        # gate (CheckOpsStatus) and trade-context state
        self.algo_trading = True
        self.expert_enabled = True
        self.dlls_allowed = True
        self.broker_connected = True
        self.context_busy = 0  # how many coming IsTradeAllowed() checks see a busy context
        self.busy_wait = 0.05  # seconds DWX_IsTradeAllowed waits until the context is free
        self.wait_limit = 30.0  # its MaxWaiting_sec
        self.publish_symbols: list[str] = []
        self.publish_instruments: list[tuple[str, int]] = []
        self.bundled_clock: str | None = None  # "TimeTradeServer" (our .mq5) / "TimeCurrent" (our .mq4)

    # -- OnTimer → MessageHandler → InterpretZmqMessage -------------------
    def handle(self, message: str) -> list[str]:
        """The messages the EA pushes for one command: its reply (if any), then the empty one."""
        parts = message.split(";")
        comp = (parts + [""] * 11)[:11]  # a static string[11]
        out: list[str] = []
        if comp[0] == "HEARTBEAT":
            reply = HEARTBEAT_REPLY
            if self.bundled_clock:  # what resources/mql/PaperTerminalBridge.mq4/.mq5 add
                gmt = self.mt4.server_now() - self.mt4.offset
                reply = (
                    reply[:-1] + f", '_server_time': '{secs(self.mt4.server_now())}', '_gmt_time': "
                    f"'{secs(gmt)}', '_server_clock': '{self.bundled_clock}'}}"
                )
            out.append(reply)
        action = self._switch(comp)
        if self._ops_allowed(action, out):
            reply = self._dispatch(action, comp)
            if reply is not None:
                out.append(reply)
        out.append("")  # MessageHandler's empty ZmqMsg, sent by OnTimer after every command
        return out

    @staticmethod
    def _switch(comp: list[str]) -> int:
        if comp[0] == "TRADE":
            return {
                "OPEN": 1,
                "MODIFY": 2,
                "CLOSE": 3,
                "CLOSE_PARTIAL": 4,
                "CLOSE_MAGIC": 5,
                "CLOSE_ALL": 6,
                "GET_OPEN_TRADES": 7,
            }.get(comp[1], 0)
        return {"HIST": 8, "TRACK_PRICES": 9, "TRACK_RATES": 10}.get(comp[0], 0)

    def _is_trade_allowed(self) -> bool:
        if not self.algo_trading:
            return False
        if self.context_busy > 0:
            self.context_busy -= 1
            return False
        return True

    def _ops_allowed(self, action: int, out: list[str]) -> bool:
        if not 1 <= action <= 10:
            return True
        refusal = None
        if not self._is_trade_allowed():
            refusal = "TRADING_IS_NOT_ALLOWED__ABORTED_COMMAND"
        elif not self.expert_enabled:
            refusal = "EA_IS_DISABLED__ABORTED_COMMAND"
        elif not self.dlls_allowed:
            refusal = "DLLS_DISABLED__ABORTED_COMMAND"
        elif not self.broker_connected:
            refusal = "NO_BROKER_CONNECTION__ABORTED_COMMAND"
        if refusal is None:
            return True
        out.append("{'_response': '" + refusal + "'}")
        return False

    def _dispatch(self, action: int, c: list[str]) -> str | None:
        with self.mt4.lock:
            if action == 1:
                ret = ["{"]
                self.open_order(
                    c[3],
                    str_to_int(c[2]),
                    str_to_double(c[8]),
                    str_to_double(c[4]),
                    str_to_int(c[5]),
                    str_to_int(c[6]),
                    c[7],
                    str_to_int(c[9]),
                    ret,
                )
                return "".join(ret) + "}"
            if action == 2:
                ret = ["{'_action': 'MODIFY'"]
                self.modify_order(
                    str_to_int(c[10]), str_to_double(c[4]), str_to_double(c[5]), str_to_double(c[6]), 3, ret
                )
                return "".join(ret) + "}"
            if action == 3:
                ret = ["{"]
                self.close_ticket(str_to_int(c[10]), ret)
                return "".join(ret) + "}"
            if action == 4:
                ret = ["{"]
                self.close_partial(str_to_double(c[8]), ret, str_to_int(c[10]), True)
                return "".join(ret) + "}"
            if action == 5:
                return self.close_where(str_to_int(c[9]), by_magic=True)
            if action == 6:
                return self.close_where(0, by_magic=False)
            if action == 7:
                return self.open_trades()
            if action == 8:
                return self.hist(c)
            if action == 9:
                return self.track_prices(c)
            if action == 10:
                return self.track_rates(c)
        return None

    # -- trading ------------------------------------------------------------
    def open_order(
        self,
        symbol: str,
        op: int,
        lots: float,
        price: float,
        sl_points: int,
        tp_points: int,
        comment: str,
        magic: int,
        ret: list[str],
    ) -> int:
        mt4 = self.mt4
        ret.append("'_action': 'EXECUTION'")
        if lots > self.maximum_lot_size:
            ret.append(", '_response': 'LOT_SIZE_ERROR', 'response_value': 'MAX_LOT_SIZE_EXCEEDED'")
            return -1
        if mt4.orders_total() >= self.maximum_orders:
            ret.append(", '_response': 'NUM_ORDERS_ERROR', 'response_value': 'MAX_NUMBER_OF_ORDERS_EXCEEDED'")
            return -1
        if symbol == "NULL":
            symbol = self.chart_symbol
        if symbol in mt4.prices and op in (OP_BUY, OP_SELL):
            bid, ask = mt4.bid_ask(symbol)
            price = ask if op == OP_BUY else bid
        sl = tp = 0.0
        if not self.dma_mode and symbol in mt4.prices:
            direction = 1 if op in (OP_BUY, OP_BUYLIMIT, OP_BUYSTOP) else -1
            point, digits = mt4.point(symbol), mt4.digits(symbol)
            sl = round(price - sl_points * direction * point, digits)
            tp = round(price + tp_points * direction * point, digits)
        ticket = mt4.order_send(symbol, op, lots, price, self.maximum_slippage, sl, tp, comment, magic)
        if ticket < 0:
            error = mt4.get_last_error()
            ret.append(f", '_response': '{error}', 'response_value': '{error_description(error)}'")
            return -error
        mt4.select_by_ticket(ticket)
        order = mt4.selected
        assert order is not None
        ret.append(
            f", '_symbol': '{symbol}', '_magic': {magic}, '_ticket': {order.ticket}, "
            f"'_open_time': '{secs(order.open_time)}', '_open_price': {d(order.open_price)}"
        )
        if self.dma_mode:
            retries = 3
            while True:
                retries -= 1
                if retries < 0:
                    return 0
                if (sl_points == 0 and tp_points == 0) or (order.sl == sl_points and order.tp == tp_points):
                    return ticket
                if self.wait_trade_allowed(ret) == 1:
                    if self.modify_order(ticket, price, sl_points, tp_points, retries, ret):
                        return ticket
                    if retries == 0:
                        ret.append(", '_response': 'ERROR_SETTING_SL_TP'")
                        return -11111
                time.sleep(0.001)  # Sleep(MILLISECOND_TIMER)
        ret.append("}")  # the stock EA's bug: InterpretZmqMessage adds another "}"
        return ticket

    def modify_order(
        self, ticket: int, price: float, sl_points: float, tp_points: float, retries: int, ret: list[str]
    ) -> bool:
        mt4 = self.mt4
        if mt4.select_by_ticket(ticket):
            order = mt4.selected
            assert order is not None
            if order.type in (OP_BUY, OP_SELL) or price == 0.0:
                price = order.open_price
            direction = 1 if order.type in (OP_BUY, OP_BUYLIMIT, OP_BUYSTOP) else -1
            point, digits = mt4.point(order.symbol), mt4.digits(order.symbol)
            m_sl = round(price - sl_points * direction * point, digits)
            m_tp = round(price + tp_points * direction * point, digits)
            if mt4.order_modify(ticket, price, m_sl, m_tp):
                ret.append(f", '_sl': {d(m_sl)}, '_tp': {d(m_tp)}")
                return True
            error = mt4.get_last_error()
            ret.append(
                f", '_response': '{error}', '_response_value': '{error_description(error)}', "
                f"'_sl_attempted': {d(m_sl, digits)}, '_tp_attempted': {d(m_tp, digits)}"
            )
            if retries == 0:
                self.close_at_market(-1, ret)
            return False
        ret.append(", '_response': 'NOT_FOUND'")
        return False

    def close_at_market(self, size: float, ret: list[str]) -> bool:
        retries = 3
        while True:
            retries -= 1
            if retries < 0:
                return False
            if self.wait_trade_allowed(ret) == 1:
                if self.close_partial(size, ret):
                    return True
                error = self.mt4.get_last_error()  # already reset by close_partial: 0
                ret.append(f", '_response': '{error}', '_response_value': '{error_description(error)}'")

    def close_partial(self, size: float, ret: list[str], ticket: int = 0, extern_call: bool = False) -> bool:
        mt4 = self.mt4
        if mt4.selected_type() not in (OP_BUY, OP_SELL):  # the order selected BEFORE this command
            return True
        if ticket != 0 or extern_call:
            ret.append(f"'_action': 'CLOSE', '_ticket': {ticket}")
            if mt4.select_by_ticket(ticket):
                ret.append(", '_response': 'CLOSE_PARTIAL'")
            else:
                ret.append(", '_response': 'CLOSE_PARTIAL_FAILED'")
                return False
        order = mt4.selected
        assert order is not None
        price = mt4.close_price_of(order)
        if size < 0.01 or size > order.lots:
            size = order.lots
        if mt4.order_close(order.ticket, size, price, self.maximum_slippage):
            ret.append(f", '_close_price': {d(price)}, '_close_lots': {d(size)}")
            return True
        error = mt4.get_last_error()
        ret.append(f", '_response': '{error}', '_response_value': '{error_description(error)}'")
        return False

    def close_ticket(self, ticket: int, ret: list[str]) -> None:
        mt4 = self.mt4
        found = False
        ret.append(f"'_action': 'CLOSE', '_ticket': {ticket}")
        i = 0
        while i < mt4.orders_total():
            if mt4.select_by_pos(i) and mt4.selected is not None and mt4.selected.ticket == ticket:
                found = True
                if mt4.selected.type in (OP_BUY, OP_SELL):
                    self.close_at_market(-1, ret)
                    ret.append(", '_response': 'CLOSE_MARKET'")
                else:
                    ret.append(", '_response': 'CLOSE_PENDING'")
                    mt4.order_delete(mt4.selected.ticket)  # its result is ignored
            i += 1
        ret.append(", '_response': 'NOT_FOUND'" if not found else ", '_response_value': 'SUCCESS'")

    def close_where(self, magic: int, *, by_magic: bool) -> str:
        mt4 = self.mt4
        found = False
        ret = [
            "{'_action': 'CLOSE_ALL_MAGIC', '_magic': " + str(magic) if by_magic else "{'_action': 'CLOSE_ALL'",
            ", '_responses': {",
        ]
        for i in range(mt4.orders_total() - 1, -1, -1):
            if not mt4.select_by_pos(i) or mt4.selected is None or (by_magic and mt4.selected.magic != magic):
                continue
            found = True
            order = mt4.selected
            ret.append(f"{order.ticket}: {{'_symbol':'{order.symbol}'")
            if not by_magic:
                ret.append(f", '_magic': {order.magic}")
            if order.type in (OP_BUY, OP_SELL):
                self.close_at_market(-1, ret)
                ret.append(", '_response': 'CLOSE_MARKET'")
            else:
                ret.append(", '_response': 'CLOSE_PENDING'")
                mt4.order_delete(order.ticket)
            ret.append("}, " if i != 0 else "}")
        ret.append("}")
        ret.append(", '_response': 'NOT_FOUND'" if not found else ", '_response_value': 'SUCCESS'")
        return "".join(ret) + "}"

    def wait_trade_allowed(self, ret: list[str]) -> int:
        """DWX_IsTradeAllowed(30): 1 at once, or after waiting for a busy context to free up."""
        if self._is_trade_allowed():
            return 1
        ret.append(", '_response': 'TRADE_CONTEXT_BUSY'")
        if self.busy_wait > self.wait_limit:
            time.sleep(self.wait_limit)
            ret.append(f", '_response': 'WAIT_LIMIT_EXCEEDED', '_response_value': {int(self.wait_limit)}")
            return -2
        time.sleep(self.busy_wait)
        ret.append(", '_response': 'TRADE_CONTEXT_NOW_FREE'")
        return 1

    # -- queries --------------------------------------------------------------
    def open_trades(self) -> str:
        mt4 = self.mt4
        ret = ["{'_action': 'OPEN_TRADES', '_trades': {"]
        for i in range(mt4.orders_total() - 1, -1, -1):
            if mt4.select_by_pos(i) and mt4.selected is not None:
                o = mt4.selected
                ret.append(
                    f"{o.ticket}: {{'_magic': {o.magic}, '_symbol': '{o.symbol}', '_lots': {d(o.lots)}, "
                    f"'_type': {o.type}, '_open_price': {d(o.open_price)}, "
                    f"'_open_time': '{secs(o.open_time)}', '_SL': {d(o.sl)}, '_TP': {d(o.tp)}, "
                    f"'_pnl': {d(mt4.profit_of(o))}, '_comment': '{o.comment}'"
                )
                ret.append("}, " if i != 0 else "}")
        return "".join(ret) + "}" + "}"

    def hist(self, c: list[str]) -> str:
        symbol, tf = c[1], str_to_int(c[2])
        start, end = str_to_time(c[3]), str_to_time(c[4])
        rows = self.mt4.rates.get((symbol, tf), [])
        chosen = [r for r in rows if start is not None and end is not None and start <= r["time"] <= end]
        ret = f"{{'_action': 'HIST', '_symbol': '{symbol}_{TIMEFRAME_TEXT.get(tf, 'UNKNOWN')}'"
        if not chosen:
            return ret + ", '_response': 'NOT_AVAILABLE'}"
        items = [
            f"{{'time':'{minutes(r['time'])}', 'open':{d(r['open'])}, 'high':{d(r['high'])}, "
            f"'low':{d(r['low'])}, 'close':{d(r['close'])}, 'tick_volume':{int(r.get('tick_volume', 0))}, "
            f"'spread':{int(r.get('spread', 0))}, 'real_volume':{int(r.get('real_volume', 0))}}}"
            for r in chosen
        ]
        return ret + ", '_data': [" + ", ".join(items) + "]}"

    def track_prices(self, c: list[str]) -> str:
        count = len(c) - 1  # ArraySize of the static array: always 10
        errors = [f"'{s}'" for s in c[1:] if s not in self.mt4.prices]
        self.publish_symbols = [s for s in c[1:] if s in self.mt4.prices]
        return (
            "{'_action': 'TRACK_PRICES', '_data': {'symbol_count':"
            + str(count)
            + ", 'error_symbols':["
            + ", ".join(errors)
            + "]}}"
        )

    def track_rates(self, c: list[str]) -> str:
        count = (len(c) - 1) // 2
        errors, instruments = [], []
        for s in range(count):
            symbol = c[2 * s + 1]
            if symbol in self.mt4.prices:
                instruments.append((symbol, str_to_int(c[2 * s + 2])))
            else:
                errors.append(f"'{symbol}'")
        self.publish_instruments = instruments
        return (
            "{'_action': 'TRACK_RATES', '_data': {'instrument_count':"
            + str(count)
            + ", 'error_symbols':["
            + ", ".join(errors)
            + "]}}"
        )
