"""TradeMirror through a DWX-protocol expert advisor (the stock DWX EA on MT4, or ours on MT4/MT5).

Orders carry the magic number and the comment ``pt:<paper id>``. SL/TP
travel as point distances: an OPEN sends them from the paper entry price and
the EA sets them from its OWN fill price, so after every fill (and after a
fill found by reconciliation) a MODIFY pins them to the paper trade's
absolute levels (distances from the venue's open price). A busy trade
context and requotes are retried after a short pause; every other refusal
comes back as ``MirrorResult(ok=False)`` with the EA's code and a readable
message.

A close counts as done only when the reply carries ``_close_price`` or the
ticket is gone from ``GET_OPEN_TRADES``: the stock EA answers ``CLOSE_MARKET``
/ ``SUCCESS`` even when every ``OrderClose`` attempt failed.

When a command gets no answer, or a garbled one, its effect is unknown: the
mirror reconciles and checks it (``bridges.zmq.effects``) before it sends
anything again, so a position is never doubled and a fill is never lost.
The server clock offset is learnt from the ``_open_time`` of each fill
(``bridges.clock``), or estimated from the forming bar, or configured.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

from bridges.clock import ServerClock
from bridges.config import MirrorOptions
from bridges.effects import Closing, Modifying, Opening, Shrinking
from bridges.errors import BridgeTimeout, BridgeUnavailable
from bridges.mt5.symbols import SymbolMap
from bridges.tagging import Match, heir_of, match, paper_comment, paper_id_from_comment
from bridges.zmq import protocol
from bridges.zmq.client import ZmqClient
from bridges.zmq.clock_probe import learn_from_heartbeat, probe_server_clock
from engine.errors import BadPayload, ValidationError
from engine.instruments import get_spec
from engine.ports import MirrorPosition, MirrorResult
from engine.values import FeedStatus, Side, TradeRecord, TradeStatus

log = logging.getLogger(__name__)

EXECUTION = frozenset({"EXECUTION", "MODIFY"})
CLOSE = frozenset({"CLOSE", "EXECUTION"})
OPEN_TRADES = frozenset({"OPEN_TRADES"})
RETRY_PAUSE = 0.1
NO_CHANGE = "1"  # MT4's OrderModify with unchanged levels: "no error"
ONE_SIDED_STOPS = (
    "the stock DWX EA cannot leave SL or TP empty: it puts a missing one at the open price; "
    "give both, or use the bundled PaperTerminalBridge EA"
)


@dataclass(frozen=True, slots=True)
class Refused:
    refusal: protocol.Refusal
    reply: dict[str, Any]


Effect = Opening | Closing | Shrinking | Modifying


class ZmqMirror:
    """Mirrors paper trades through the EA the client talks to."""

    name = "zmq"

    def __init__(
        self, client: ZmqClient, options: MirrorOptions | None = None, *, clock: ServerClock | None = None
    ) -> None:
        self.client = client
        self.options = options or MirrorOptions()
        self.symbols = SymbolMap(self.options.symbol_suffix, self.options.symbol_map)
        self.clock = clock or client.clock_for(self.options.server_utc_offset_hours)
        self._reconciled = False
        self._attached = False
        self._known: dict[int, MirrorPosition] = {}  # paper id → venue position
        self._by_ticket: dict[str, MirrorPosition] = {}
        self._last_error: str | None = None
        self._inflight: dict[int, datetime] = {}  # paper id → when its OPEN left, until an answer settles it
        self._link_listeners: list[Callable[[], None]] = []
        client.on_reconnect(self._on_reconnect)

    # -- connection ------------------------------------------------------
    async def connect(self) -> None:
        self._reconciled = False
        if not self._attached:
            self.client.attach()
            self._attached = True
        await self.client.start()
        learn_from_heartbeat(self.clock, self.client.last_reply)

    async def disconnect(self) -> None:
        if self._attached:
            self._attached = False
            await self.client.stop()
        self._reconciled = False

    def on_link_back(self, listener: Callable[[], None]) -> None:
        """Call ``listener()`` when the EA answers again after the link was lost (the heartbeat saw it)."""
        self._link_listeners.append(listener)

    async def _on_reconnect(self) -> None:
        self._reconciled = False
        for listener in self._link_listeners:
            listener()

    async def reconcile(self) -> list[MirrorPosition]:
        found = await self.positions()
        if not self.clock.is_known and any(p.paper_trade_id is not None for p in found):
            # Telling this journal's positions from older ones needs the server's clock.
            broker_symbol = str(found[0].extra.get("broker_symbol") or self.symbols.to_broker("EURUSD"))
            if await probe_server_clock(self.client, self.clock, broker_symbol):
                found = await self.positions()
        self._known = {p.paper_trade_id: p for p in found if p.paper_trade_id is not None}
        self._by_ticket = {p.ticket: p for p in found}
        self._reconciled = True
        return found

    async def positions(self) -> list[MirrorPosition]:
        reply = await self._query(protocol.open_trades_command(), OPEN_TRADES)
        magic = self.options.magic
        return [self._position(t) for t in protocol.parse_open_trades(reply) if t.magic == magic]

    def status(self) -> FeedStatus:
        return FeedStatus(
            name="zmq",
            enabled=True,
            healthy=self.client.connected,
            last_error=self.client.last_error or self._last_error,
            details={
                "connected": self.client.connected,
                "host": self.client.config.host,
                "ports": [self.client.config.push_port, self.client.config.pull_port, self.client.config.sub_port],
                **self.clock.describe(),
            },
        )

    # -- commands --------------------------------------------------------
    async def open(self, trade: TradeRecord) -> MirrorResult:
        await self._ready()
        known = self._known.get(trade.id)
        if known is not None and match(known, trade, self.clock) is Match.YES:
            self._inflight.pop(trade.id, None)
            return MirrorResult(
                True,
                known.ticket,
                known.open_price,
                "already_mirrored",
                f"paper trade {trade.id} is already ticket {known.ticket}",
            )
        pending = trade.status is TradeStatus.PENDING
        try:
            spec = get_spec(trade.symbol)
            earlier = self._inflight.get(trade.id)  # an OPEN whose answer a lost link swallowed
            found = Opening(trade, earlier).found(self._by_ticket, self.clock) if earlier else None
            if found is not None:
                self._inflight.pop(trade.id, None)
                return await self._filled(trade, found, "reconciled", spec.point)
            reference = trade.requested_price if pending else trade.entry_price
            if reference is None:
                raise ValidationError("the trade has no price to measure SL/TP from", field="entry_price")
            sl_pts, tp_pts = protocol.stop_points(trade.side, reference, trade.sl, trade.tp, spec.point)
            command = protocol.trade_command(
                "OPEN",
                op_type=protocol.OP_TYPES[(trade.side, trade.order_type)],
                symbol=self.symbols.to_broker(trade.symbol),
                price=(trade.requested_price or 0.0) if pending else 0.0,
                sl_points=sl_pts,
                tp_points=tp_pts,
                comment=paper_comment(trade.id),
                lots=float(trade.lots),
                magic=self.options.magic,
            )
        except ValidationError as exc:
            return self._refused(exc.code, exc.message)
        sent_at = self._inflight.setdefault(trade.id, datetime.now(timezone.utc))
        outcome = await self._send(command, EXECUTION, Opening(trade, sent_at))
        self._inflight.pop(trade.id, None)
        if isinstance(outcome, MirrorPosition):
            log.info("paper trade %d had been opened as ticket %s before its answer was lost", trade.id, outcome.ticket)
            return await self._filled(trade, outcome, "reconciled", spec.point)
        if isinstance(outcome, Refused):
            return await self._open_refused(trade, outcome, spec.point)
        assert not isinstance(outcome, MirrorResult)  # an open that showed comes back as its position
        execution = protocol.parse_execution(outcome)
        if execution.open_time is not None:
            self.clock.learn_from_fill(
                self.clock.naive_to_epoch(execution.open_time),
                sent_at,
                datetime.now(timezone.utc),
                what="the _open_time of an EXECUTION reply",
            )
        position = self._remember(
            trade,
            str(execution.ticket),
            execution.open_price or reference,
            execution.open_time,
            execution.sl if "_sl" in outcome else None,
            execution.tp if "_tp" in outcome else None,
        )
        return await self._filled(trade, position, "EXECUTION", spec.point)

    async def modify(self, trade: TradeRecord, ticket: str) -> MirrorResult:
        await self._ready()
        known = await self._lookup(ticket)
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
            "MODIFY",
            symbol=self.symbols.to_broker(trade.symbol),
            price=base if pending else 0.0,
            sl_points=sl_pts,
            tp_points=tp_pts,
            comment=paper_comment(trade.id),
            lots=float(trade.lots),
            magic=self.options.magic,
            ticket=ticket,
        )
        outcome = await self._send(command, EXECUTION, Modifying(ticket, trade.sl, trade.tp, spec.point))
        if isinstance(outcome, Refused) and outcome.refusal.code != NO_CHANGE:
            message = self._reason(outcome)
            if outcome.refusal.code == "130" and (trade.sl is None) != (trade.tp is None):
                message = f"{message} ({ONE_SIDED_STOPS})"
            return self._refused(outcome.refusal.code, message)
        self._update(ticket, sl=trade.sl, tp=trade.tp, open_price=base)
        return MirrorResult(True, ticket, None, "EXECUTION", "modified")

    async def close(self, trade: TradeRecord, ticket: str, lots: Decimal | None = None) -> MirrorResult:
        await self._ready()
        known = await self._lookup(ticket)
        if known is None:
            return self._refused("NOT_FOUND", f"ticket {ticket} is not open at the expert advisor")
        partial = lots is not None and lots < known.lots
        command = protocol.trade_command(
            "CLOSE_PARTIAL" if partial else "CLOSE",
            symbol=self.symbols.to_broker(trade.symbol),
            lots=float(lots) if partial and lots is not None else 0.0,
            magic=self.options.magic,
            ticket=ticket,
        )
        left = known.lots - lots if partial and lots is not None else Decimal(0)
        effect: Shrinking | Closing = Shrinking(ticket, left) if partial else Closing(ticket)
        outcome = await self._send(command, CLOSE, effect)
        if isinstance(outcome, Refused):
            if outcome.refusal.code == "CLOSE_PARTIAL_FAILED":
                return self._refused("NOT_FOUND", f"ticket {ticket} is not an order of this account")
            return self._refused(outcome.refusal.code, self._reason(outcome))
        if isinstance(outcome, MirrorResult):  # the effect showed after a lost answer
            return await self._closed(trade, ticket, partial, None, outcome.code or "reconciled")
        assert not isinstance(outcome, MirrorPosition)  # only an open comes back as a position
        closed = protocol.parse_close(outcome)
        if closed.close_price:
            return await self._closed(trade, ticket, partial, closed.close_price, closed.response)
        # No _close_price: the stock EA says SUCCESS even when OrderClose failed. Look.
        await self.reconcile()
        if effect.done(self._by_ticket):
            return await self._closed(trade, ticket, partial, None, "confirmed_by_absence")
        errors = protocol.venue_errors(outcome)
        code = errors[0].code if errors else "not_closed"
        reasons = "; ".join(dict.fromkeys(e.message for e in errors)) or "the expert advisor did not close it"
        return self._refused(code, f"{reasons}; ticket {ticket} still open")

    # -- internals -------------------------------------------------------
    async def _ready(self) -> None:
        if not self.client.connected:
            await self.client.reconnect()
        if not self._reconciled:
            await self.reconcile()

    async def _lookup(self, ticket: str) -> MirrorPosition | None:
        known = self._by_ticket.get(ticket)
        if known is None:
            await self.reconcile()
            known = self._by_ticket.get(ticket)
        return known

    async def _query(self, command: str, expect: frozenset[str]) -> dict[str, Any]:
        """A read-only command; the EA's gate refusals (busy context…) are retried, then raised."""
        attempt = 0
        while True:
            reply = await self.client.request(command, expect)
            refusal = protocol.refusal_of(reply) if "_action" not in reply else None
            if refusal is None:
                return reply
            if refusal.retryable and attempt < self.options.retries:
                attempt += 1
                await asyncio.sleep(RETRY_PAUSE * attempt)
                continue
            raise BridgeUnavailable(
                f"the expert advisor refused {command.split(';')[0]}: {refusal.message}", code=refusal.code
            )

    async def _send(
        self, command: str, expect: frozenset[str], effect: Effect
    ) -> dict[str, Any] | Refused | MirrorPosition | MirrorResult:
        """Send with retries; return the reply, a refusal, or what reconciliation found after a lost answer.

        After no answer (the link is rebuilt first) or a garbled one, the
        venue is reconciled: when ``effect`` shows, the command counts as done
        (a found position for an open, a ``MirrorResult`` otherwise) and is
        not sent again; else it is sent once more.
        """
        resent = False
        attempt = 0
        while True:
            try:
                reply = await self.client.request(command, expect)
            except (BridgeTimeout, BadPayload) as exc:
                log.warning("%s; reconciling before anything is sent again", exc)
                if isinstance(exc, BridgeTimeout):
                    await self.client.reconnect()
                await self.reconcile()
                if isinstance(effect, Opening):
                    found = effect.found(self._by_ticket, self.clock)
                    if found is not None:
                        return found
                elif effect.done(self._by_ticket):
                    ticket = effect.ticket
                    return MirrorResult(True, ticket, None, "reconciled", "done before the answer was lost")
                if resent:
                    raise
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
            return Refused(refusal, reply)

    async def _filled(self, trade: TradeRecord, position: MirrorPosition, code: str, point: float) -> MirrorResult:
        """After a fill: pin SL/TP to the paper trade's levels when the venue's differ (the EA used its own price)."""
        opened = MirrorResult(True, position.ticket, position.open_price or None, code, "opened")
        if trade.status is TradeStatus.PENDING:
            return opened
        want_sl, want_tp = trade.sl or 0.0, trade.tp or 0.0
        if abs((position.sl or 0.0) - want_sl) < point / 2 and abs((position.tp or 0.0) - want_tp) < point / 2:
            return opened
        pinned = await self.modify(trade, position.ticket)
        if not pinned.ok:
            return MirrorResult(True, position.ticket, position.open_price or None, "stops_not_pinned", pinned.message)
        return opened

    async def _open_refused(self, trade: TradeRecord, refused: Refused, point: float) -> MirrorResult:
        """A refused open; but the stock EA's ERROR_SETTING_SL_TP may leave the position open without stops."""
        reply, message = refused.reply, self._reason(refused)
        stops_refused = refused.refusal.code == "130" or any(e.code == "130" for e in protocol.venue_errors(reply))
        if stops_refused and (trade.sl is None) != (trade.tp is None):
            message = f"{message} ({ONE_SIDED_STOPS})"
        if refused.refusal.code == "ERROR_SETTING_SL_TP" and "_ticket" in reply and "_close_price" not in reply:
            await self.reconcile()
            left = self._by_ticket.get(str(reply["_ticket"]))
            if left is not None:
                position = self._remember(trade, left.ticket, left.open_price, None, left.sl, left.tp)
                log.warning("ticket %s stays open without its stops: %s", left.ticket, message)
                return MirrorResult(True, position.ticket, position.open_price, "stops_not_pinned", message)
        return self._refused(refused.refusal.code, message)

    async def _closed(
        self, trade: TradeRecord, ticket: str, partial: bool, price: float | None, code: str
    ) -> MirrorResult:
        if self._last_error and f"ticket {ticket} " in self._last_error:
            self._last_error = None  # the failure it reported is over
        if not partial:
            self._forget(ticket)
            return MirrorResult(True, ticket, price, code, "closed")
        remaining = await self._remaining_ticket(ticket, trade.id)
        return MirrorResult(True, remaining, price, code, "partly closed")

    async def _remaining_ticket(self, ticket: str, paper_id: int) -> str:
        """After a partial close MT4 re-opens the rest under a new ticket (comment ``from #<old>``)."""
        found = await self.positions()
        result = ticket
        if ticket not in {p.ticket for p in found}:
            heir = next((p for p in found if heir_of(str(p.extra.get("comment", ""))) == ticket), None)
            result = heir.ticket if heir is not None else ticket
        self._by_ticket = {p.ticket: p for p in found}
        for p in found:
            if p.ticket == result:
                p = MirrorPosition(
                    p.ticket,
                    p.symbol,
                    p.side,
                    p.lots,
                    p.open_price,
                    p.sl,
                    p.tp,
                    p.magic,
                    paper_id,
                    p.open_time,
                    p.extra,
                )
                self._known[paper_id] = p
                self._by_ticket[p.ticket] = p
        return result

    def _remember(
        self,
        trade: TradeRecord,
        ticket: str,
        open_price: float | None,
        server_time: datetime | None,
        sl: float | None,
        tp: float | None,
    ) -> MirrorPosition:
        server_epoch = self.clock.naive_to_epoch(server_time) if server_time is not None else None
        extra: dict[str, object] = {"pending": trade.status is TradeStatus.PENDING, "comment": paper_comment(trade.id)}
        if server_epoch is not None:
            extra["server_epoch"] = server_epoch
        p = MirrorPosition(
            ticket,
            trade.symbol,
            trade.side,
            Decimal(trade.lots),
            open_price or 0.0,
            sl or None,
            tp or None,
            self.options.magic,
            trade.id,
            open_time=self.clock.to_utc(server_epoch) if server_epoch is not None else None,
            extra=extra,
        )
        self._known[trade.id] = p
        self._by_ticket[ticket] = p
        return p

    def _update(self, ticket: str, *, sl: float | None, tp: float | None, open_price: float) -> None:
        p = self._by_ticket.get(ticket)
        if p is None:
            return
        p = MirrorPosition(
            p.ticket, p.symbol, p.side, p.lots, open_price, sl, tp, p.magic, p.paper_trade_id, p.open_time, p.extra
        )
        self._by_ticket[ticket] = p
        if p.paper_trade_id is not None:
            self._known[p.paper_trade_id] = p

    def _forget(self, ticket: str) -> None:
        p = self._by_ticket.pop(ticket, None)
        if p is not None and p.paper_trade_id is not None:
            self._known.pop(p.paper_trade_id, None)

    @staticmethod
    def _reason(refused: Refused) -> str:
        """The refusal's message, with the trade server's earlier error codes when the EA sent several."""
        parts = [e.message for e in protocol.venue_errors(refused.reply)]
        parts.append(refused.refusal.message)
        return "; ".join(dict.fromkeys(parts))

    def _refused(self, code: str, message: str) -> MirrorResult:
        self._last_error = f"{code}: {message}"
        log.warning("expert advisor refused: %s", self._last_error)
        return MirrorResult(False, code=str(code), message=message)

    def _position(self, t: protocol.OpenTrade) -> MirrorPosition:
        extra: dict[str, object] = {
            "pending": t.op_type >= 2,
            "op_type": t.op_type,
            "pnl": t.pnl,
            "comment": t.comment,
            "broker_symbol": t.symbol,
        }
        opened = None
        if t.open_time is not None:
            extra["server_epoch"] = self.clock.naive_to_epoch(t.open_time)
            if self.clock.is_known:
                opened = self.clock.to_utc(extra["server_epoch"])  # type: ignore[arg-type]
        return MirrorPosition(
            ticket=str(t.ticket),
            symbol=self.symbols.to_canonical(t.symbol),
            side=Side.BUY if t.op_type in (0, 2, 4) else Side.SELL,
            lots=Decimal(str(t.lots)),
            open_price=t.open_price,
            sl=t.sl or None,
            tp=t.tp or None,
            magic=t.magic,
            paper_trade_id=paper_id_from_comment(t.comment),
            open_time=opened,
            extra=extra,
        )
