"""TradeMirror through a DWX-protocol expert advisor (MT4 or MT5).

Orders carry the magic number and the comment ``pt:<paper id>``. SL/TP
travel as point distances: an OPEN sends them from the paper entry price;
when the EA fills at another price the levels would shift, so a MODIFY
then pins them to the paper trade's absolute SL/TP (distances from the
actual open price). ``TRADE_CONTEXT_BUSY`` and requotes are retried after a
short pause; every other refusal comes back as ``MirrorResult(ok=False)``
with the EA's code and a readable message.

When a command gets no answer, its effect is unknown. The mirror then
rebuilds the link and reconciles with ``GET_OPEN_TRADES`` (filtered by magic)
before it sends anything again, so a reconnect never doubles a position.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

from bridges.config import MirrorOptions
from bridges.errors import BridgeTimeout
from bridges.mt5.symbols import SymbolMap
from bridges.mt5.timezone import ServerClock
from bridges.tagging import belongs_to, paper_comment, paper_id_from_comment
from bridges.zmq import protocol
from bridges.zmq.client import ZmqClient
from engine.errors import ValidationError
from engine.instruments import get_spec
from engine.ports import MirrorPosition, MirrorResult
from engine.values import FeedStatus, Side, TradeRecord, TradeStatus

log = logging.getLogger(__name__)

EXECUTION = frozenset({"EXECUTION", "MODIFY"})
CLOSE = frozenset({"CLOSE", "EXECUTION"})
OPEN_TRADES = frozenset({"OPEN_TRADES"})
RETRY_PAUSE = 0.1


class ZmqMirror:
    """Mirrors paper trades through the EA the client talks to."""

    name = "zmq"

    def __init__(self, client: ZmqClient, options: MirrorOptions | None = None, *,
                 clock: ServerClock | None = None) -> None:
        self.client = client
        self.options = options or MirrorOptions()
        self.symbols = SymbolMap(self.options.symbol_suffix, self.options.symbol_map)
        self.clock = clock or ServerClock(self.options.server_utc_offset_hours)
        self._reconciled = False
        self._attached = False
        self._known: dict[int, MirrorPosition] = {}   # paper id → venue position
        self._by_ticket: dict[str, MirrorPosition] = {}
        self._last_error: str | None = None
        client.on_reconnect(self._on_reconnect)

    # -- connection ------------------------------------------------------
    async def connect(self) -> None:
        self._reconciled = False
        if not self._attached:
            self.client.attach()
            self._attached = True
        await self.client.start()
        self._observe_time(self.client.last_reply)

    async def disconnect(self) -> None:
        if self._attached:
            self._attached = False
            await self.client.stop()
        self._reconciled = False

    async def _on_reconnect(self) -> None:
        self._reconciled = False

    async def reconcile(self) -> list[MirrorPosition]:
        found = await self.positions()
        self._known = {p.paper_trade_id: p for p in found if p.paper_trade_id is not None}
        self._by_ticket = {p.ticket: p for p in found}
        self._reconciled = True
        return found

    async def positions(self) -> list[MirrorPosition]:
        reply = await self.client.request(protocol.open_trades_command(), OPEN_TRADES)
        magic = self.options.magic
        return [self._position(t) for t in protocol.parse_open_trades(reply) if t.magic == magic]

    def status(self) -> FeedStatus:
        return FeedStatus(name="zmq", enabled=True, healthy=self.client.connected,
                          last_error=self.client.last_error or self._last_error,
                          details={"connected": self.client.connected, "host": self.client.config.host,
                                   "ports": [self.client.config.push_port, self.client.config.pull_port,
                                             self.client.config.sub_port],
                                   "server_utc_offset_hours": self.clock.offset_seconds / 3600})

    # -- commands --------------------------------------------------------
    async def open(self, trade: TradeRecord) -> MirrorResult:
        await self._ready()
        if self._mirrors(trade):
            p = self._known[trade.id]
            return MirrorResult(True, p.ticket, p.open_price, "already_mirrored",
                                f"paper trade {trade.id} is already ticket {p.ticket}")
        try:
            spec = get_spec(trade.symbol)
            reference = trade.requested_price if trade.status is TradeStatus.PENDING else trade.entry_price
            if reference is None:
                raise ValidationError("the trade has no price to measure SL/TP from", field="entry_price")
            sl_pts, tp_pts = protocol.stop_points(trade.side, reference, trade.sl, trade.tp, spec.point)
            command = protocol.trade_command(
                "OPEN", op_type=protocol.OP_TYPES[(trade.side, trade.order_type)],
                symbol=self.symbols.to_broker(trade.symbol),
                price=(trade.requested_price or 0.0) if trade.status is TradeStatus.PENDING else 0.0,
                sl_points=sl_pts, tp_points=tp_pts, comment=paper_comment(trade.id), lots=float(trade.lots),
                magic=self.options.magic)
        except ValidationError as exc:
            return self._refused(exc.code, exc.message)
        reply = await self._send(command, EXECUTION, trade)
        if isinstance(reply, MirrorResult):
            return reply
        execution = protocol.parse_execution(reply)
        ticket = str(execution.ticket)
        self._remember(trade, ticket, execution.open_price)
        if execution.open_price and trade.status is not TradeStatus.PENDING:
            pinned = await self._pin_stops(trade, ticket, execution, spec.point)
            if pinned is not None and not pinned.ok:
                return MirrorResult(True, ticket, execution.open_price, "stops_not_pinned", pinned.message)
        return MirrorResult(True, ticket, execution.open_price or None, "EXECUTION", "opened")

    async def modify(self, trade: TradeRecord, ticket: str) -> MirrorResult:
        await self._ready()
        known = self._by_ticket.get(ticket)
        if known is None:
            await self.reconcile()
            known = self._by_ticket.get(ticket)
        if known is None:
            return self._refused("NOT_FOUND", f"ticket {ticket} is not open at the expert advisor")
        spec = get_spec(trade.symbol)
        pending = trade.status is TradeStatus.PENDING
        base = trade.requested_price if pending and trade.requested_price else known.open_price
        try:
            sl_pts, tp_pts = protocol.stop_points(trade.side, base, trade.sl, trade.tp, spec.point)
        except ValidationError as exc:
            return self._refused(exc.code, exc.message)
        command = protocol.trade_command(
            "MODIFY", symbol=self.symbols.to_broker(trade.symbol), price=base if pending else 0.0,
            sl_points=sl_pts, tp_points=tp_pts, comment=paper_comment(trade.id), lots=float(trade.lots),
            magic=self.options.magic, ticket=ticket)
        reply = await self._send(command, EXECUTION, None)
        if isinstance(reply, MirrorResult):
            return reply
        self._remember(trade, ticket, base)
        return MirrorResult(True, ticket, None, "EXECUTION", "modified")

    async def close(self, trade: TradeRecord, ticket: str, lots: Decimal | None = None) -> MirrorResult:
        await self._ready()
        known = self._by_ticket.get(ticket)
        if known is None:
            await self.reconcile()
            known = self._by_ticket.get(ticket)
        if known is None:
            return self._refused("NOT_FOUND", f"ticket {ticket} is not open at the expert advisor")
        partial = lots is not None and lots < known.lots
        command = protocol.trade_command(
            "CLOSE_PARTIAL" if partial else "CLOSE", symbol=self.symbols.to_broker(trade.symbol),
            lots=float(lots) if partial else 0.0, magic=self.options.magic, ticket=ticket)
        left = known.lots - lots if partial and lots is not None else None
        reply = await self._send(command, CLOSE, None, gone_ticket=None if partial else ticket,
                                 shrunk=(ticket, left) if left is not None else None)
        if isinstance(reply, MirrorResult):
            return reply
        closed = protocol.parse_close(reply)
        if not partial:
            self._forget(ticket)
            return MirrorResult(True, ticket, closed.close_price or None, closed.response, "closed")
        remaining = await self._remaining_ticket(ticket, trade.id)
        return MirrorResult(True, remaining, closed.close_price or None, closed.response,
                            f"closed {closed.close_lots} lots")

    # -- internals -------------------------------------------------------
    async def _ready(self) -> None:
        if not self.client.connected:
            await self.client.reconnect()
        if not self._reconciled:
            await self.reconcile()

    async def _send(self, command: str, expect: frozenset[str], opening: TradeRecord | None, *,
                    gone_ticket: str | None = None, shrunk: tuple[str, Decimal] | None = None
                    ) -> dict[str, Any] | MirrorResult:
        """Send with retries; return the success reply or a refusal result.

        After a lost answer the venue is reconciled and the command counts as
        done (not resent) when its effect is visible: ``opening`` found by its
        tag, ``gone_ticket`` gone, or ``shrunk`` = (ticket, lots left) reached.
        """
        resent = False
        attempt = 0
        while True:
            try:
                reply = await self.client.request(command, expect)
            except BridgeTimeout:
                if resent:
                    raise
                log.warning("no answer from the expert advisor; reconnecting to reconcile before resending")
                await self.client.reconnect()
                await self.reconcile()
                if opening is not None and self._mirrors(opening):
                    p = self._known[opening.id]
                    log.info("the order had been executed before the answer was lost: ticket %s", p.ticket)
                    return MirrorResult(True, p.ticket, p.open_price, "reconciled", "found after reconnect")
                if gone_ticket is not None and gone_ticket not in self._by_ticket:
                    return MirrorResult(True, gone_ticket, None, "reconciled", "closed before the answer was lost")
                if shrunk is not None:
                    now = self._by_ticket.get(shrunk[0])
                    if now is None or now.lots <= shrunk[1]:
                        return {"_action": "CLOSE", "_ticket": int(shrunk[0]), "_response": "CLOSE_PARTIAL",
                                "_response_value": "SUCCESS", "_close_lots": 0.0}
                resent = True
                continue
            refusal = protocol.refusal_of(reply)
            if refusal is None:
                return reply
            if refusal.retryable and attempt < self.options.retries:
                attempt += 1
                log.info("expert advisor answered %s; retry %d", refusal.code, attempt)
                await asyncio.sleep(RETRY_PAUSE * attempt)
                continue
            return self._refused(refusal.code, refusal.message)

    def _mirrors(self, trade: TradeRecord) -> bool:
        """True when the venue holds this paper trade's mirror (not a leftover of an older journal)."""
        known = self._known.get(trade.id)
        if known is None:
            return False
        if belongs_to(known, trade, clock_known=self.clock.is_known):
            return True
        log.warning("ticket %s is tagged pt:%d but belongs to an earlier journal; not adopting it",
                    known.ticket, trade.id)
        return False

    async def _pin_stops(self, trade: TradeRecord, ticket: str, execution: protocol.Execution,
                         point: float) -> MirrorResult | None:
        """Re-send SL/TP as distances from the real open price when the fill moved them."""
        want_sl, want_tp = trade.sl or 0.0, trade.tp or 0.0
        if abs(execution.sl - want_sl) < point / 2 and abs(execution.tp - want_tp) < point / 2:
            return None
        return await self.modify(trade, ticket)

    async def _remaining_ticket(self, ticket: str, paper_id: int) -> str:
        """After a partial close MT4 re-opens the rest under a new ticket ('from #old')."""
        found = await self.positions()
        tickets = {p.ticket for p in found}
        if ticket in tickets:
            result = ticket
        else:
            heir = next((p for p in found if p.extra.get("comment") == f"from #{ticket}"), None)
            result = heir.ticket if heir is not None else ticket
        for p in found:
            if p.ticket == result:
                p = MirrorPosition(p.ticket, p.symbol, p.side, p.lots, p.open_price, p.sl, p.tp, p.magic,
                                   paper_id, p.open_time, p.extra)
                self._known[paper_id] = p
                self._by_ticket[p.ticket] = p
        return result

    def _remember(self, trade: TradeRecord, ticket: str, open_price: float | None) -> None:
        p = MirrorPosition(ticket, trade.symbol, trade.side, trade.lots, open_price or 0.0, trade.sl, trade.tp,
                           self.options.magic, trade.id, open_time=datetime.now(timezone.utc),
                           extra={"pending": trade.status is TradeStatus.PENDING})
        self._known[trade.id] = p
        self._by_ticket[ticket] = p

    def _forget(self, ticket: str) -> None:
        p = self._by_ticket.pop(ticket, None)
        if p is not None and p.paper_trade_id is not None:
            self._known.pop(p.paper_trade_id, None)

    def _refused(self, code: str, message: str) -> MirrorResult:
        self._last_error = f"{code}: {message}"
        log.warning("expert advisor refused: %s", self._last_error)
        return MirrorResult(False, code=str(code), message=message)

    def _observe_time(self, reply: dict[str, Any] | None) -> None:
        stamp = (reply or {}).get("_server_time")
        if stamp:
            server = protocol.parse_server_time(str(stamp))
            self.clock.observe(server.replace(tzinfo=timezone.utc).timestamp())

    def _position(self, t: protocol.OpenTrade) -> MirrorPosition:
        opened = None
        if t.open_time is not None:
            opened = self.clock.to_utc(t.open_time.replace(tzinfo=timezone.utc).timestamp())
        return MirrorPosition(
            ticket=str(t.ticket), symbol=self.symbols.to_canonical(t.symbol),
            side=Side.BUY if t.op_type in (0, 2, 4) else Side.SELL, lots=Decimal(str(t.lots)),
            open_price=t.open_price, sl=t.sl or None, tp=t.tp or None, magic=t.magic,
            paper_trade_id=paper_id_from_comment(t.comment), open_time=opened,
            extra={"pending": t.op_type >= 2, "op_type": t.op_type, "pnl": t.pnl, "comment": t.comment,
                   "broker_symbol": t.symbol})
