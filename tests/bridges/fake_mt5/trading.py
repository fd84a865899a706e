"""Order validation and execution of the fake terminal (a mixin of ``FakeTerminal``).

Mirrors the trade server's checks: auto-trading allowed, known symbol,
volume on the 0.01 step within 0.01..100, SL/TP on the right side of the
price, margin (1,000 per lot) within free margin, filling mode allowed, the
requested price within ``deviation`` points of the market (else REQUOTE).
"""

from __future__ import annotations

from typing import Any

from tests.bridges.fake_mt5 import constants as c
from tests.bridges.fake_mt5.records import OrderSendResult, TradeDeal, TradeOrder, TradePosition, TradeRequest

_MARGIN_PER_LOT = 1000.0


class TradingRules:
    """Needs ``symbols``, ``positions``, ``orders``, ``deals``, ``auto_trading``, ``refusals``,
    ``close_refusals``, ``market_closed``, ``partial_fill_next``, ``requotes_left`` and the helpers
    ``account_info``, ``set_price``, ``server_now``, ``_new_ticket``."""

    symbols: dict[str, Any]
    positions: dict[int, TradePosition]
    orders: dict[int, TradeOrder]

    def _validate(self, req: TradeRequest) -> tuple[int, str]:
        if not self.auto_trading:
            return c.TRADE_RETCODE_CLIENT_DISABLES_AT, "AutoTrading disabled by client"
        if req.action == c.TRADE_ACTION_SLTP:
            if req.position not in self.positions:
                return c.TRADE_RETCODE_POSITION_CLOSED, "Position doesn't exist"
            pos = self.positions[req.position]
            return self._check_stops(pos.symbol, pos.type, pos.price_current, req.sl, req.tp)
        if req.action in (c.TRADE_ACTION_MODIFY, c.TRADE_ACTION_REMOVE):
            if req.order not in self.orders:
                return c.TRADE_RETCODE_INVALID, "Invalid request (order not found)"
            return c.TRADE_RETCODE_DONE, ""
        sym = self.symbols.get(req.symbol)
        if sym is None:
            return c.TRADE_RETCODE_INVALID, "Invalid request (unknown symbol)"
        if req.volume < 0.01 or req.volume > 100 or abs(req.volume * 100 - round(req.volume * 100)) > 1e-9:
            return c.TRADE_RETCODE_INVALID_VOLUME, "Invalid volume"
        if req.action == c.TRADE_ACTION_DEAL and req.position:
            pos = self.positions.get(req.position)
            if pos is None:
                return c.TRADE_RETCODE_POSITION_CLOSED, "Position doesn't exist"
            if req.volume > pos.volume + 1e-9:
                return c.TRADE_RETCODE_INVALID_VOLUME, "Invalid volume"
            return c.TRADE_RETCODE_DONE, ""
        if req.action == c.TRADE_ACTION_DEAL:
            if req.type_filling == c.ORDER_FILLING_IOC and not sym.filling_mode & c.SYMBOL_FILLING_IOC:
                return c.TRADE_RETCODE_INVALID_FILL, "Unsupported filling mode"
            margin = req.volume * _MARGIN_PER_LOT
            if margin > self.account_info().margin_free:
                return c.TRADE_RETCODE_NO_MONEY, "No money"
            pos_type = 0 if req.type == c.ORDER_TYPE_BUY else 1
            return self._check_stops(req.symbol, pos_type, sym.ask if pos_type == 0 else sym.bid, req.sl, req.tp)
        if req.action == c.TRADE_ACTION_PENDING:
            pos_type = 0 if req.type in (2, 4) else 1
            return self._check_stops(req.symbol, pos_type, req.price, req.sl, req.tp)
        return c.TRADE_RETCODE_INVALID, "Invalid request"

    def _check_stops(self, symbol: str, pos_type: int, price: float, sl: float, tp: float) -> tuple[int, str]:
        bad = (
            (sl and sl >= price) or (tp and tp <= price)
            if pos_type == 0
            else (sl and sl <= price) or (tp and tp >= price)
        )
        return (c.TRADE_RETCODE_INVALID_STOPS, "Invalid stops") if bad else (c.TRADE_RETCODE_DONE, "")

    def _result(
        self,
        req: TradeRequest,
        retcode: int,
        comment: str,
        *,
        deal: int = 0,
        order: int = 0,
        volume: float = 0.0,
        price: float = 0.0,
    ) -> OrderSendResult:
        sym = self.symbols.get(req.symbol)
        return OrderSendResult(
            retcode,
            deal,
            order,
            volume,
            price,
            sym.bid if sym else 0.0,
            sym.ask if sym else 0.0,
            comment,
            len(self.calls),
            0,
            req,
        )

    def _execute(self, req: TradeRequest) -> OrderSendResult:
        if self.refusals:
            retcode, comment = self.refusals.pop(0)
            return self._result(req, retcode, comment)
        closing = req.action == c.TRADE_ACTION_DEAL and bool(req.position)
        if closing and self.close_refusals:
            retcode, comment = self.close_refusals.pop(0)
            return self._result(req, retcode, comment)
        if self.market_closed and req.action in (c.TRADE_ACTION_DEAL, c.TRADE_ACTION_PENDING):
            return self._result(req, c.TRADE_RETCODE_MARKET_CLOSED, "Market closed")
        sym = self.symbols.get(req.symbol)
        if req.action == c.TRADE_ACTION_DEAL and self.requotes_left > 0 and sym is not None:
            self.requotes_left -= 1
            self.set_price(sym.name, sym.bid + self.requote_move_points * sym.point)
            return self._result(req, c.TRADE_RETCODE_REQUOTE, "Requote")
        retcode, comment = self._validate(req)
        if retcode != c.TRADE_RETCODE_DONE:
            return self._result(req, retcode, comment)
        if req.action == c.TRADE_ACTION_DEAL:
            buying = req.type == c.ORDER_TYPE_BUY
            market = sym.ask if buying else sym.bid
            if abs(market - req.price) > req.deviation * sym.point + 1e-12:
                return self._result(req, c.TRADE_RETCODE_REQUOTE, "Requote")
            if req.position:
                return self._close(req, market)
            ticket = self._new_ticket()
            self._open_position(
                req.symbol, 0 if buying else 1, req.volume, market, req.sl, req.tp, req.magic, req.comment, ticket
            )
            deal = self._deal(ticket, ticket, req, market, c.DEAL_ENTRY_IN)
            return self._result(
                req, c.TRADE_RETCODE_DONE, "Request executed", deal=deal, order=ticket, volume=req.volume, price=market
            )
        if req.action == c.TRADE_ACTION_PENDING:
            ticket = self._new_ticket()
            now = self.server_now()
            self.orders[ticket] = TradeOrder(
                ticket,
                now,
                now * 1000,
                0,
                0,
                0,
                req.type,
                req.type_time,
                req.type_filling,
                c.ORDER_STATE_PLACED,
                req.magic,
                0,
                0,
                3,
                req.volume,
                req.volume,
                req.price,
                req.sl,
                req.tp,
                sym.bid,
                0.0,
                req.symbol,
                req.comment,
                "",
            )
            return self._result(
                req, c.TRADE_RETCODE_DONE, "Request executed", order=ticket, volume=req.volume, price=req.price
            )
        if req.action == c.TRADE_ACTION_SLTP:
            pos = self.positions[req.position]
            if pos.sl == req.sl and pos.tp == req.tp:
                return self._result(req, c.TRADE_RETCODE_NO_CHANGES, "No changes")
            self.positions[req.position] = pos._replace(sl=req.sl, tp=req.tp, time_update=self.server_now())
            return self._result(req, c.TRADE_RETCODE_DONE, "Request executed", order=req.position)
        if req.action == c.TRADE_ACTION_MODIFY:
            order = self.orders[req.order]
            self.orders[req.order] = order._replace(price_open=req.price or order.price_open, sl=req.sl, tp=req.tp)
            return self._result(req, c.TRADE_RETCODE_DONE, "Request executed", order=req.order)
        self.orders.pop(req.order)  # TRADE_ACTION_REMOVE
        return self._result(req, c.TRADE_RETCODE_DONE, "Request executed", order=req.order)

    def _close(self, req: TradeRequest, price: float) -> OrderSendResult:
        pos = self.positions[req.position]
        volume = req.volume
        retcode, comment = c.TRADE_RETCODE_DONE, "Request executed"
        if self.partial_fill_next is not None:  # IOC: only part of the volume found a counterparty
            volume = round(volume * self.partial_fill_next, 2)
            self.partial_fill_next = None
            retcode, comment = c.TRADE_RETCODE_DONE_PARTIAL, "Request executed partially"
            req = req._replace(volume=volume)
        left = round(pos.volume - volume, 2)
        if left <= 0:
            del self.positions[pos.ticket]
        else:
            self.positions[pos.ticket] = pos._replace(volume=left)
        order = self._new_ticket()
        deal = self._deal(order, pos.ticket, req, price, c.DEAL_ENTRY_OUT)
        return self._result(req, retcode, comment, deal=deal, order=order, volume=volume, price=price)

    def _open_position(
        self,
        symbol: str,
        pos_type: int,
        volume: float,
        price: float,
        sl: float,
        tp: float,
        magic: int,
        comment: str,
        ticket: int,
    ) -> None:
        now = self.server_now()
        self.positions[ticket] = TradePosition(
            ticket,
            now,
            now * 1000,
            now,
            now * 1000,
            pos_type,
            magic,
            ticket,
            c.POSITION_REASON_EXPERT,
            volume,
            price,
            sl,
            tp,
            price,
            0.0,
            0.0,
            symbol,
            comment,
            "",
        )

    def _deal(self, order: int, position: int, req: TradeRequest, price: float, entry: int) -> int:
        ticket = self._new_ticket()
        now = self.server_now()
        self.deals.append(
            TradeDeal(
                ticket,
                order,
                now,
                now * 1000,
                req.type,
                entry,
                req.magic,
                position,
                3,
                req.volume,
                price,
                0.0,
                0.0,
                0.0,
                0.0,
                req.symbol,
                req.comment,
                "",
            )
        )
        return ticket

    def _marked(self, pos: TradePosition) -> TradePosition:
        sym = self.symbols[pos.symbol]
        current = sym.bid if pos.type == 0 else sym.ask
        sign = 1 if pos.type == 0 else -1
        profit = round(sign * (current - pos.price_open) * pos.volume * 100_000, 2)
        return pos._replace(price_current=current, profit=profit)
