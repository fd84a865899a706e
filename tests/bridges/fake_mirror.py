"""An in-memory ``TradeMirror`` (engine.ports) for tests of the mirror's window and API.

It keeps positions by ticket, numbers tickets from 500001, refuses the next
open on ``refuse_next(code, message)`` and every close while
``refuse_closes`` holds a ``(code, message)``, and reports
``connected``/``account`` in its status like the real MT5 and ZeroMQ mirrors.
"""

from __future__ import annotations

from decimal import Decimal
from itertools import count

from bridges.errors import BridgeUnavailable
from engine.ports import MirrorPosition, MirrorResult
from engine.values import FeedStatus, TradeRecord

MAGIC = 770077


class FakeMirror:
    name = "fake"

    def __init__(self, account: str = "5012345", *, reachable: bool = True) -> None:
        self.account = account
        self.reachable = reachable
        self.connected = False
        self.positions_by_ticket: dict[str, MirrorPosition] = {}
        self.opens: list[int] = []
        self._tickets = count(500001)
        self._refusal: tuple[str, str] | None = None
        self.refuse_closes: tuple[str, str] | None = None

    def refuse_next(self, code: str, message: str) -> None:
        self._refusal = (code, message)

    async def connect(self) -> None:
        if not self.reachable:
            raise BridgeUnavailable("fake terminal not running")
        self.connected = True

    async def disconnect(self) -> None:
        self.connected = False

    async def reconcile(self) -> list[MirrorPosition]:
        return list(self.positions_by_ticket.values())

    async def positions(self) -> list[MirrorPosition]:
        return list(self.positions_by_ticket.values())

    async def open(self, trade: TradeRecord) -> MirrorResult:
        self.opens.append(trade.id)
        if self._refusal is not None:
            code, message = self._refusal
            self._refusal = None
            return MirrorResult(ok=False, code=code, message=message)
        ticket = str(next(self._tickets))
        self.positions_by_ticket[ticket] = MirrorPosition(
            ticket,
            trade.symbol,
            trade.side,
            Decimal(trade.lots),
            trade.entry_price or 0.0,
            trade.sl,
            trade.tp,
            MAGIC,
            trade.id,
            trade.open_time,
        )
        return MirrorResult(ok=True, ticket=ticket, price=trade.entry_price)

    async def modify(self, trade: TradeRecord, ticket: str) -> MirrorResult:
        return MirrorResult(ok=ticket in self.positions_by_ticket, ticket=ticket)

    async def close(self, trade: TradeRecord, ticket: str, lots: Decimal | None = None) -> MirrorResult:
        if self.refuse_closes is not None and ticket in self.positions_by_ticket:
            code, message = self.refuse_closes
            return MirrorResult(ok=False, ticket=ticket, code=code, message=message)
        if self.positions_by_ticket.pop(ticket, None) is None:
            return MirrorResult(ok=False, code="not_found", message=f"no position {ticket}")
        return MirrorResult(ok=True, ticket=ticket)

    def status(self) -> FeedStatus:
        return FeedStatus(
            name=self.name,
            enabled=True,
            healthy=self.connected,
            last_error=None if self.reachable else "fake terminal not running",
            details={"connected": self.connected, "account": self.account},
        )
