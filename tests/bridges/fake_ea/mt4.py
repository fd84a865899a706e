"""The MetaTrader 4 terminal behind the fake DWX expert advisor: orders, prices, trade functions.

What the stock EA (DWX ZeroMQ Server v2.0.1 RC8, an MQL4 program) relies on, as MT4 does it:

- one ticket per order; ``OrdersTotal()`` counts market *and* pending orders of the whole account;
- ``OrderSelect`` sets ONE global "selected order" that ``OrderType()``, ``OrderLots()``,
  ``OrderClosePrice()``… read; selecting by ticket also finds closed orders (history);
- a partial ``OrderClose`` closes the ticket and re-opens the rest under a new ticket whose
  comment is ``from #<old>`` (same magic, open price, open time and stops);
- ``GetLastError()`` returns the last error code and resets it to 0;
- ``OrderModify`` with unchanged levels fails with error 1 (``no error``);
- stops of a buy are checked against Bid, of a sell against Ask (stop level 0: strictly beyond);
- every time is the broker's *server time* (UTC + ``offset``), a naive wall-clock datetime.

Test hooks make the trade server refuse (``send_errors``, ``modify_errors``, ``close_errors``,
``delete_errors``: MQL4 error codes popped one per call), close the market (``market_closed``:
error 132 on every trade function), and fill away from the quote (``fill_slippage_points``).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone

OP_BUY, OP_SELL, OP_BUYLIMIT, OP_SELLLIMIT, OP_BUYSTOP, OP_SELLSTOP = range(6)
DIGITS = {"EURUSD": 5, "GBPUSD": 5, "USDJPY": 3}

#: ErrorDescription() of the stock EA, for the codes a trade server sends back.
ERROR_TEXT = {
    0: "no error",
    1: "no error",
    2: "common error",
    3: "invalid trade parameters",
    4: "trade server is busy",
    6: "no connection with trade server",
    8: "too frequent requests",
    128: "trade timeout",
    129: "invalid price",
    130: "invalid stops",
    131: "invalid trade volume",
    132: "market is closed",
    133: "trade is disabled",
    134: "not enough money",
    135: "price changed",
    136: "off quotes",
    138: "requote",
    139: "order is locked",
    145: "modification denied because order too close to market",
    146: "trade context is busy",
    148: "amount of open and pending orders has reached the limit",
    4051: "invalid function parameter value",
    4106: "unknown symbol",
    4108: "invalid ticket",
    4109: "trade is not allowed in the expert properties",
}


def error_description(code: int) -> str:
    return ERROR_TEXT.get(code, "unknown error")


@dataclass
class Order:
    ticket: int
    magic: int
    symbol: str
    lots: float
    type: int
    open_price: float
    open_time: datetime
    sl: float = 0.0
    tp: float = 0.0
    comment: str = ""
    close_price: float = 0.0
    close_time: datetime | None = None

    @property
    def buy(self) -> bool:
        return self.type in (OP_BUY, OP_BUYLIMIT, OP_BUYSTOP)


class MT4:
    """One MT4 account; thread-safe enough for the EA thread plus test hooks (one lock)."""

    def __init__(self, *, server_offset_hours: float = 2.0) -> None:
        self.offset = timedelta(hours=server_offset_hours)
        self.prices: dict[str, tuple[float, float]] = {
            "EURUSD": (1.10000, 1.10010),
            "GBPUSD": (1.25000, 1.25015),
            "USDJPY": (151.200, 151.212),
        }
        self.orders: list[Order] = []  # open market and pending orders, in position order
        self.history: dict[int, Order] = {}
        self.rates: dict[tuple[str, int], list[dict]] = {}  # (symbol, minutes) → bars in server time
        self.selected: Order | None = None
        self.lock = threading.RLock()
        self._last_error = 0
        self._next_ticket = 85_051_740
        # injections
        self.send_errors: list[int] = []
        self.modify_errors: list[int] = []
        self.close_errors: list[int] = []
        self.delete_errors: list[int] = []
        self.market_closed = False
        self.fill_slippage_points = 0

    # -- clock and market -----------------------------------------------
    def server_now(self) -> datetime:
        """TimeCurrent(): the server's wall clock (naive)."""
        return (datetime.now(timezone.utc) + self.offset).replace(tzinfo=None, microsecond=0)

    def digits(self, symbol: str) -> int:
        return DIGITS.get(symbol, 5)

    def point(self, symbol: str) -> float:
        return 10.0 ** -self.digits(symbol)

    def bid_ask(self, symbol: str) -> tuple[float, float]:
        return self.prices[symbol]

    # -- error state ------------------------------------------------------
    def get_last_error(self) -> int:
        code, self._last_error = self._last_error, 0
        return code

    def _fail(self, code: int) -> bool:
        self._last_error = code
        return False

    def _injected(self, errors: list[int]) -> int:
        if self.market_closed:
            return 132
        return errors.pop(0) if errors else 0

    # -- selection --------------------------------------------------------
    def orders_total(self) -> int:
        return len(self.orders)

    def select_by_pos(self, index: int) -> bool:
        if 0 <= index < len(self.orders):
            self.selected = self.orders[index]
            return True
        return self._fail(4051)

    def select_by_ticket(self, ticket: int) -> bool:
        """Open orders first, then the history (MT4 ignores the pool when selecting by ticket)."""
        for order in self.orders:
            if order.ticket == ticket:
                self.selected = order
                return True
        if ticket in self.history:
            self.selected = self.history[ticket]
            return True
        return self._fail(4108)

    def selected_type(self) -> int:
        """OrderType() of the selected order; 0 (OP_BUY) when none was ever selected."""
        return self.selected.type if self.selected is not None else OP_BUY

    def close_price_of(self, order: Order) -> float:
        """OrderClosePrice(): Bid for a buy, Ask for a sell while open; the close price once closed."""
        if order.close_time is not None:
            return order.close_price
        bid, ask = self.prices[order.symbol]
        return bid if order.buy else ask

    def profit_of(self, order: Order) -> float:
        """OrderProfit() in account money: 10 per pip per lot (a USD account on xxxUSD pairs)."""
        if order.type not in (OP_BUY, OP_SELL):
            return 0.0
        sign = 1 if order.buy else -1
        pips = sign * (self.close_price_of(order) - order.open_price) / (self.point(order.symbol) * 10)
        return round(pips * 10 * order.lots, 2)

    # -- trade functions ----------------------------------------------------
    def order_send(
        self,
        symbol: str,
        op: int,
        lots: float,
        price: float,
        slippage: int,
        sl: float,
        tp: float,
        comment: str,
        magic: int,
    ) -> int:
        """OrderSend: the new ticket, or -1 with the reason in GetLastError()."""
        with self.lock:
            if symbol not in self.prices:
                self._fail(4106)
                return -1
            code = self._injected(self.send_errors)
            if code:
                self._fail(code)
                return -1
            if lots < 0.01 or abs(lots * 100 - round(lots * 100)) > 1e-9:
                self._fail(131)
                return -1
            point, digits = self.point(symbol), self.digits(symbol)
            bid, ask = self.prices[symbol]
            if op in (OP_BUY, OP_SELL):
                market = ask if op == OP_BUY else bid
                if abs(price - market) > slippage * point + 1e-9:
                    self._fail(138)
                    return -1
                adverse = self.fill_slippage_points * point
                price = round(market + adverse if op == OP_BUY else market - adverse, digits)
            order = Order(0, magic, symbol, lots, op, round(price, digits), self.server_now(), 0.0, 0.0, comment[:31])
            if not self._stops_valid(order, sl, tp) or not self._pending_price_valid(order):
                self._fail(130)
                return -1
            self._next_ticket += 1
            order.ticket = self._next_ticket
            order.sl, order.tp = sl, tp
            self.orders.append(order)
            self.selected = order
            return order.ticket

    def order_modify(self, ticket: int, price: float, sl: float, tp: float) -> bool:
        with self.lock:
            order = self._open_order(ticket)
            if order is None:
                return self._fail(4108)
            code = self._injected(self.modify_errors)
            if code:
                return self._fail(code)
            digits = self.digits(order.symbol)
            sl, tp, price = round(sl, digits), round(tp, digits), round(price, digits)
            pending = order.type not in (OP_BUY, OP_SELL)
            if (sl, tp) == (order.sl, order.tp) and (not pending or price == order.open_price):
                return self._fail(1)  # nothing changed: MT4's ERR_NO_RESULT
            moved = replace(order, open_price=price if pending else order.open_price)
            if not self._stops_valid(moved, sl, tp) or (pending and not self._pending_price_valid(moved)):
                return self._fail(130)
            order.open_price, order.sl, order.tp = moved.open_price, sl, tp
            return True

    def order_close(self, ticket: int, lots: float, price: float, slippage: int) -> bool:
        with self.lock:
            order = self._open_order(ticket)
            if order is None or order.type not in (OP_BUY, OP_SELL):
                return self._fail(4108)
            code = self._injected(self.close_errors)
            if code:
                return self._fail(code)
            if lots <= 0 or lots > order.lots + 1e-9:
                return self._fail(131)
            market = self.close_price_of(order)
            if abs(price - market) > slippage * self.point(order.symbol) + 1e-9:
                return self._fail(138)
            now = self.server_now()
            index = self.orders.index(order)
            self.orders.remove(order)
            rest = round(order.lots - lots, 2)
            if rest > 0:  # MT4: the ticket closes `lots`; the rest re-opens under a new ticket
                self._next_ticket += 1
                heir = replace(order, ticket=self._next_ticket, lots=rest, comment=f"from #{order.ticket}")
                self.orders.insert(index, heir)
                order.comment = f"to #{heir.ticket}"
            order.lots, order.close_price, order.close_time = lots, market, now
            self.history[order.ticket] = order
            return True

    def order_delete(self, ticket: int) -> bool:
        with self.lock:
            order = self._open_order(ticket)
            if order is None or order.type in (OP_BUY, OP_SELL):
                return self._fail(4108)
            code = self._injected(self.delete_errors)
            if code:
                return self._fail(code)
            self.orders.remove(order)
            order.close_time = self.server_now()
            self.history[order.ticket] = order
            return True

    # -- test hooks -------------------------------------------------------
    def add_order(self, order: Order) -> Order:
        """Put an order in the account as if placed earlier (by hand, another EA, an older journal)."""
        with self.lock:
            self.orders.append(order)
            self._next_ticket = max(self._next_ticket, order.ticket)
            return order

    def close_by_hand(self, ticket: int) -> None:
        """The user closes (or deletes) an order in the terminal."""
        with self.lock:
            order = self._open_order(ticket)
            assert order is not None, f"no open order {ticket}"
            self.orders.remove(order)
            order.close_price, order.close_time = self.close_price_of(order), self.server_now()
            self.history[ticket] = order

    def open_order(self, ticket: int) -> Order | None:
        return self._open_order(ticket)

    def by_comment(self, comment: str) -> list[Order]:
        return [o for o in self.orders if o.comment == comment]

    # -- internals --------------------------------------------------------
    def _open_order(self, ticket: int) -> Order | None:
        return next((o for o in self.orders if o.ticket == ticket), None)

    def _stops_valid(self, order: Order, sl: float, tp: float) -> bool:
        """Stop level 0: a buy's SL below Bid and TP above it; a sell's against Ask (0 = none)."""
        bid, ask = self.prices[order.symbol]
        ref = (bid if order.buy else ask) if order.type in (OP_BUY, OP_SELL) else order.open_price
        if order.buy:
            return (not sl or sl < ref) and (not tp or tp > ref)
        return (not sl or sl > ref) and (not tp or tp < ref)

    def _pending_price_valid(self, order: Order) -> bool:
        bid, ask = self.prices[order.symbol]
        return {
            OP_BUYLIMIT: order.open_price < ask,
            OP_SELLLIMIT: order.open_price > bid,
            OP_BUYSTOP: order.open_price > ask,
            OP_SELLSTOP: order.open_price < bid,
        }.get(order.type, True)
