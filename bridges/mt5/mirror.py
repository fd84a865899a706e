"""TradeMirror on a MetaTrader 5 account through the MetaTrader5 package.

Every paper trade becomes an order tagged with the magic number and the
comment ``pt:<paper id>``. Each request goes through ``order_check`` and
then ``order_send``. A requote or price change is retried at the fresh price
while that price stays within ``deviation_points`` of the first one. Every
refusal comes back as ``MirrorResult(ok=False, code=<retcode>, message=…)``.

If the link drops during ``order_send`` the order may or may not have been
executed; so too when ``order_send`` answers garbage (``DONE`` without a
ticket) or a retcode that does not say (``ERROR``, ``TIMEOUT``,
``CONNECTION``, an unknown one). The mirror then reconnects when needed,
reconciles (``positions_get`` and ``orders_get`` by magic) and checks whether
the request took effect (``bridges.effects``) before it sends anything again,
so a position is never opened twice and a fill is never lost. A close counts
as done only when the position is gone (an IOC close may fill only part of
its volume). Times of positions and deals are server time: the offset comes
from the client's shared ``ServerClock`` (configured, detected from the deal
of our own fill, or estimated from a fresh tick while the market is open).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

from bridges.clock import ServerClock
from bridges.config import MirrorOptions
from bridges.effects import Opening
from bridges.errors import BridgeUnavailable
from bridges.mt5 import retcodes
from bridges.mt5.client import Mt5Client
from bridges.mt5.symbols import SymbolMap
from bridges.tagging import Match, match, paper_comment, paper_id_from_comment
from engine.errors import ValidationError
from engine.ports import MirrorPosition, MirrorResult
from engine.values import FeedStatus, OrderType, Side, TradeRecord, TradeStatus

log = logging.getLogger(__name__)

TRADE_ACTION_DEAL, TRADE_ACTION_PENDING, TRADE_ACTION_SLTP = 1, 5, 6
TRADE_ACTION_MODIFY, TRADE_ACTION_REMOVE = 7, 8
ORDER_TYPE_BUY, ORDER_TYPE_SELL = 0, 1
_PENDING_TYPES = {
    (Side.BUY, OrderType.LIMIT): 2,
    (Side.SELL, OrderType.LIMIT): 3,
    (Side.BUY, OrderType.STOP): 4,
    (Side.SELL, OrderType.STOP): 5,
}
ORDER_FILLING_FOK, ORDER_FILLING_IOC, ORDER_FILLING_RETURN = 0, 1, 2
SYMBOL_FILLING_FOK, SYMBOL_FILLING_IOC = 1, 2
ORDER_TIME_GTC = 0

Verify = Callable[[], Awaitable[MirrorResult | None]]


class Mt5Mirror:
    """Mirrors paper trades to the MT5 account the client is logged in to."""

    name = "mt5"

    def __init__(
        self,
        client: Mt5Client,
        options: MirrorOptions | None = None,
        *,
        symbols: SymbolMap | None = None,
        clock: ServerClock | None = None,
    ) -> None:
        self.client = client
        self.options = options or MirrorOptions()
        self.symbols = symbols or SymbolMap(self.options.symbol_suffix, self.options.symbol_map)
        self.clock = clock or client.clock_for(self.options.server_utc_offset_hours)
        self._reconciled = False
        self._attached = False
        self._opened: dict[int, str] = {}  # paper id → ticket opened since the last reconciliation
        self._tagged: dict[int, MirrorPosition] = {}  # tagged positions found by the last reconciliation
        self._account: dict[str, Any] = {}
        self._broker_names: list[str] | None = None
        self._infos: dict[str, Any] = {}
        self._last_error: str | None = None

    # -- connection ------------------------------------------------------
    async def connect(self) -> None:
        """Initialize the terminal link; ``reconcile()`` must follow before any send."""
        self._reconciled = False
        self.clock.reset()
        if not self._attached:
            self.client.attach()
            self._attached = True
        self._account = await self.client.connect()
        self._broker_names = None
        self._infos.clear()

    async def disconnect(self) -> None:
        if self._attached:
            self._attached = False
            await self.client.shutdown()
        self._reconciled = False

    async def reconcile(self) -> list[MirrorPosition]:
        """Return this terminal's positions and pending orders (by magic) and allow sending."""
        found = await self.positions()
        if found and not self.clock.is_known:  # needed to tell this journal's positions from older ones
            broker_symbol = found[0].extra["broker_symbol"]
            await self.client.call_many("symbol_select", [(broker_symbol, True)])
            tick = await self.client.call_many("symbol_info_tick", [(broker_symbol,)])
            if tick[0] is not None and self.clock.observe(tick[0].time_msc / 1000) is not None:
                found = await self.positions()
        self._opened = {}
        self._tagged = {p.paper_trade_id: p for p in found if p.paper_trade_id is not None}
        self._reconciled = True
        return found

    def _adoptable(self, trade: TradeRecord) -> str | None:
        """Ticket of a reconciled position that is this trade's mirror, if any."""
        tagged = self._tagged.get(trade.id)
        if tagged is None:
            return None
        if match(tagged, trade, self.clock) is Match.YES:
            return tagged.ticket
        log.warning(
            "ticket %s is tagged pt:%d but belongs to an earlier journal (%s %s); not adopting it",
            tagged.ticket,
            trade.id,
            tagged.symbol,
            tagged.side.value,
        )
        return None

    async def positions(self) -> list[MirrorPosition]:
        positions = await self.client.call("positions_get")
        orders = await self.client.call("orders_get")
        magic = self.options.magic
        out = [self._position(p) for p in positions if p.magic == magic]
        out += [self._pending(o) for o in orders if o.magic == magic]
        return out

    def status(self) -> FeedStatus:
        account = self._account
        return FeedStatus(
            name="mt5",
            enabled=True,
            healthy=self.client.connected,
            last_error=self.client.last_error or self._last_error,
            details={
                "connected": self.client.connected,
                "account": account.get("login"),
                "server": account.get("server"),
                "currency": account.get("currency"),
                **self.clock.describe(),
            },
        )

    # -- commands --------------------------------------------------------
    async def open(self, trade: TradeRecord) -> MirrorResult:
        """Send the paper trade as a market deal or a pending order."""
        await self._ready()
        ticket = self._opened.get(trade.id) or self._adoptable(trade)
        if ticket is not None:  # known since the last reconciliation: never send twice
            return MirrorResult(
                True, ticket, None, "already_mirrored", f"paper trade {trade.id} is already ticket {ticket}"
            )
        try:
            info = await self._symbol(trade.symbol)
        except ValidationError as exc:
            return MirrorResult(False, code=exc.code, message=exc.message)
        request: dict[str, Any] = {
            "symbol": info.name,
            "volume": float(trade.lots),
            "sl": trade.sl or 0.0,
            "tp": trade.tp or 0.0,
            "magic": self.options.magic,
            "comment": paper_comment(trade.id),
            "type_time": ORDER_TIME_GTC,
        }
        if trade.order_type is OrderType.MARKET:
            request.update(
                action=TRADE_ACTION_DEAL,
                deviation=self.options.deviation_points,
                type=ORDER_TYPE_BUY if trade.side is Side.BUY else ORDER_TYPE_SELL,
                type_filling=_filling(info.filling_mode),
            )
            market_side = "ask" if trade.side is Side.BUY else "bid"
        else:
            request.update(
                action=TRADE_ACTION_PENDING,
                type=_PENDING_TYPES[(trade.side, trade.order_type)],
                price=trade.requested_price,
                type_filling=ORDER_FILLING_RETURN,
            )
            market_side = None

        sent_at = datetime.now(timezone.utc)

        async def verify() -> MirrorResult | None:
            found = Opening(trade, sent_at).found({p.ticket: p for p in await self.positions()}, self.clock)
            return None if found is None else MirrorResult(True, found.ticket, found.open_price, "reconciled")

        result = await self._send(request, info, market_side, verify)
        if result.ok and result.ticket is not None:
            self._opened[trade.id] = result.ticket
            if result.code != "reconciled" and self.clock.source in ("estimated", "unknown"):
                await self._learn_clock(result, sent_at)
        return result

    async def modify(self, trade: TradeRecord, ticket: str) -> MirrorResult:
        """Move SL/TP of a position (``TRADE_ACTION_SLTP``) or a pending order's price/SL/TP."""
        await self._ready()
        sl, tp = trade.sl or 0.0, trade.tp or 0.0
        info = await self._symbol(trade.symbol)
        if trade.status is TradeStatus.PENDING:
            request = {
                "action": TRADE_ACTION_MODIFY,
                "order": int(ticket),
                "price": trade.requested_price,
                "sl": sl,
                "tp": tp,
                "type_time": ORDER_TIME_GTC,
            }
        else:
            request = {
                "action": TRADE_ACTION_SLTP,
                "position": int(ticket),
                "symbol": info.name,
                "sl": sl,
                "tp": tp,
                "magic": self.options.magic,
            }

        async def verify() -> MirrorResult | None:
            found = {p.ticket: p for p in await self.positions()}.get(ticket)
            if found is not None and (found.sl or 0.0) == sl and (found.tp or 0.0) == tp:
                return MirrorResult(True, ticket)
            return None

        return await self._send(request, info, None, verify)

    async def close(self, trade: TradeRecord, ticket: str, lots: Decimal | None = None) -> MirrorResult:
        """Close a position (wholly, or ``lots`` of it) or delete a pending order."""
        await self._ready()
        if await self.client.call("orders_get", ticket=int(ticket)):
            request: dict[str, Any] = {"action": TRADE_ACTION_REMOVE, "order": int(ticket)}
            info = await self._symbol(trade.symbol)
            return await self._send(request, info, None, self._gone(ticket))
        found = await self.client.call("positions_get", ticket=int(ticket))
        if not found:
            return MirrorResult(
                False, ticket, code="not_found", message=f"ticket {ticket} is no longer open in MetaTrader 5"
            )
        position = found[0]
        info = await self._symbol(trade.symbol)
        volume = float(lots) if lots is not None else position.volume
        selling = position.type == ORDER_TYPE_BUY
        request = {
            "action": TRADE_ACTION_DEAL,
            "position": position.ticket,
            "symbol": position.symbol,
            "volume": volume,
            "type": ORDER_TYPE_SELL if selling else ORDER_TYPE_BUY,
            "deviation": self.options.deviation_points,
            "magic": self.options.magic,
            "comment": paper_comment(trade.id),
            "type_time": ORDER_TIME_GTC,
            "type_filling": _filling(info.filling_mode),
        }
        left = round(position.volume - volume, 8)

        async def verify() -> MirrorResult | None:
            now = {p.ticket: p for p in await self.positions()}.get(ticket)
            if (now is None and left <= 0) or (now is not None and float(now.lots) <= left + 1e-9):
                return MirrorResult(True, ticket)
            return None

        result = await self._send(request, info, "bid" if selling else "ask", verify)
        if not result.ok or result.code == "reconciled":
            return result
        confirmed = await verify()  # DONE is not enough: an IOC close may fill only part of the volume
        if confirmed is not None:
            return result
        still = await self.client.call("positions_get", ticket=int(ticket))
        open_lots = still[0].volume if still else 0.0
        return self._refused(
            int(result.code or 0),
            f"the close filled only part of the volume: {open_lots:g} lots of "
            f"ticket {ticket} are still open in MetaTrader 5",
        )

    # -- internals -------------------------------------------------------
    async def _ready(self) -> None:
        if not self.client.connected:
            await self.connect()
        if not self._reconciled:
            await self.reconcile()

    def _gone(self, ticket: str) -> Verify:
        async def verify() -> MirrorResult | None:
            alive = {p.ticket for p in await self.positions()}
            return None if ticket in alive else MirrorResult(True, ticket)

        return verify

    async def _symbol(self, canonical: str) -> Any:
        """Learn, select and describe a symbol once per connection."""
        if canonical in self._infos:
            return self._infos[canonical]
        if self._broker_names is None:
            self._broker_names = [s.name for s in await self.client.call("symbols_get")]
        self.symbols.learn([canonical], self._broker_names)
        broker = self.symbols.to_broker(canonical)
        await self.client.call("symbol_select", broker, True)
        info = await self.client.call("symbol_info", broker)
        self._infos[canonical] = info
        return info

    async def _send(self, request: dict[str, Any], info: Any, market_side: str | None, verify: Verify) -> MirrorResult:
        first_price: float | None = None
        resent = False
        for _ in range(self.options.retries + 1):
            if market_side is not None:
                tick = await self.client.call("symbol_info_tick", info.name)
                self.clock.observe(tick.time_msc / 1000)
                price = getattr(tick, market_side)
                first_price = price if first_price is None else first_price
                moved = abs(price - first_price) / info.point
                if moved > self.options.deviation_points + 1e-6:
                    return self._refused(
                        retcodes.REQUOTE,
                        f"price moved {moved:.0f} points, beyond the "
                        f"allowed deviation of {self.options.deviation_points}",
                    )
                request["price"] = price
            check = await self.client.call("order_check", request)
            if check.retcode != retcodes.CHECK_OK and check.retcode not in retcodes.SUCCESS:
                return self._refused(check.retcode, check.comment)
            try:
                result = await self.client.call("order_send", request)
            except BridgeUnavailable:
                if resent:
                    raise
                log.warning("link to MetaTrader 5 lost during order_send; reconnecting to reconcile")
                await self.connect()
                await self.reconcile()
                done = await verify()
                if done is not None:
                    log.info("request had been executed before the link dropped: ticket %s", done.ticket)
                    return done
                resent = True
                continue
            if result.retcode in retcodes.SUCCESS:
                # A new order's ticket is the position's ticket; closes and modifications keep theirs.
                ticket = request.get("position") or request.get("order") or result.order
                if not ticket:  # a garbled result: DONE, but no ticket to follow
                    log.warning("MetaTrader 5 answered %s without a ticket; reconciling", result.retcode)
                    done = await verify()
                    return (
                        done
                        if done is not None
                        else self._refused(
                            result.retcode, "the trade server's answer named no ticket, and no such position was found"
                        )
                    )
                return MirrorResult(
                    True,
                    str(ticket),
                    result.price or None,
                    str(result.retcode),
                    retcodes.describe(result.retcode, result.comment),
                )
            if retcodes.uncertain(result.retcode):
                done = await verify()
                if done is not None:
                    log.info("retcode %s, but the request had been carried out: ticket %s", result.retcode, done.ticket)
                    return done
            if result.retcode in retcodes.RETRY_AT_NEW_PRICE and market_side is not None:
                log.info("MT5 %s on %s; retrying at the new price", retcodes.retcode_name(result.retcode), info.name)
                continue
            return self._refused(result.retcode, result.comment)
        return self._refused(retcodes.REQUOTE, f"still requoted after {self.options.retries} retries")

    def _refused(self, code: int, comment: str | None) -> MirrorResult:
        message = f"{retcodes.retcode_name(code)}: {retcodes.describe(code, comment)}"
        self._last_error = message
        log.warning("MetaTrader 5 refused: %s (retcode %s)", message, code)
        return MirrorResult(False, code=str(code), message=message)

    async def _learn_clock(self, result: MirrorResult, sent_at: datetime) -> None:
        """Learn the server clock from the deal of our own fill (its time is server time)."""
        deals = await self.client.call("history_deals_get", position=int(result.ticket or 0))
        if deals:
            self.clock.learn_from_fill(
                deals[-1].time_msc / 1000, sent_at, datetime.now(timezone.utc), what="the deal of a mirrored fill"
            )

    def _position(self, p: Any) -> MirrorPosition:
        return MirrorPosition(
            ticket=str(p.ticket),
            symbol=self.symbols.to_canonical(p.symbol),
            side=Side.BUY if p.type == ORDER_TYPE_BUY else Side.SELL,
            lots=Decimal(str(p.volume)),
            open_price=p.price_open,
            sl=p.sl or None,
            tp=p.tp or None,
            magic=p.magic,
            paper_trade_id=paper_id_from_comment(p.comment),
            open_time=self._utc(p.time),
            extra={
                "pending": False,
                "profit": p.profit,
                "swap": p.swap,
                "broker_symbol": p.symbol,
                "server_epoch": float(p.time),
                "comment": p.comment,
            },
        )

    def _pending(self, o: Any) -> MirrorPosition:
        return MirrorPosition(
            ticket=str(o.ticket),
            symbol=self.symbols.to_canonical(o.symbol),
            side=Side.BUY if o.type in (2, 4, 6) else Side.SELL,
            lots=Decimal(str(o.volume_current)),
            open_price=o.price_open,
            sl=o.sl or None,
            tp=o.tp or None,
            magic=o.magic,
            paper_trade_id=paper_id_from_comment(o.comment),
            open_time=self._utc(o.time_setup),
            extra={
                "pending": True,
                "order_type": o.type,
                "broker_symbol": o.symbol,
                "server_epoch": float(o.time_setup),
                "comment": o.comment,
            },
        )

    def _utc(self, server_epoch: float) -> datetime | None:
        return self.clock.to_utc(server_epoch) if self.clock.is_known else None


def _filling(symbol_filling_mode: int) -> int:
    """Filling policy the symbol allows: IOC, else FOK, else RETURN."""
    if symbol_filling_mode & SYMBOL_FILLING_IOC:
        return ORDER_FILLING_IOC
    if symbol_filling_mode & SYMBOL_FILLING_FOK:
        return ORDER_FILLING_FOK
    return ORDER_FILLING_RETURN
