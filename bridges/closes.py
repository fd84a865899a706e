"""The closing half of the mirror: full and partial closes, closes MetaTrader did not do, vanished tickets.

``MirrorService`` mixes this in. A close is settled when the mirror confirms
it (``ok``, or the ticket not found at the venue); otherwise the paper trade's
mirror state becomes ``close_failed`` with the venue's reason, and the close is
retried (``bridges.unsettled``) until MetaTrader confirms it, or the ticket
is gone (closed by hand: confirmed by absence). A mirrored ticket that
vanishes without a close of ours was closed in MetaTrader by the user.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from decimal import Decimal
from typing import Any

from bridges.config import ExternalClose
from bridges.unsettled import STATE as CLOSE_FAILED
from bridges.unsettled import Unsettled
from engine.ports import MirrorResult, TradeMirror
from engine.values import TradeRecord, TradeStatus

log = logging.getLogger(__name__)

NOT_FOUND_CODES = frozenset({"not_found", "NOT_FOUND", "10036"})
ClosedTrades = Callable[[], Awaitable[Iterable[TradeRecord]]]


class CloseMirroring:
    """Closes and their retries; needs the service's maps, queue, ``mirror`` and ``_record``."""

    mirror: TradeMirror
    on_external_close: ExternalClose
    first_retry: float
    _tickets: dict[int, str]
    _states: dict[int, tuple[str | None, str]]
    _pending: set[int]
    _modify_seq: dict[int, int]
    _unsettled: dict[int, Unsettled]
    _closing: dict[int, str]  # paper trades closed (or cancelled) whose venue close is under way
    _queue: asyncio.Queue[Any]
    _last_error: str | None
    _close_paper: Callable[[int], Awaitable[Any]] | None
    _closed_trades: ClosedTrades | None

    async def _record(
        self, trade_id: int, ticket: str | None, state: str, detail: dict[str, Any] | None = None
    ) -> None:
        raise NotImplementedError

    def _retry_job(self, trade: TradeRecord) -> Any:
        raise NotImplementedError

    def unsettled(self) -> list[dict[str, Any]]:
        """The closes MetaTrader has not done yet: trade id, ticket, the venue's code and message, attempts."""
        return [u.as_status() for u in self._unsettled.values()]

    def _queue_due_retries(self, *, force: bool = False) -> None:
        now = time.monotonic()
        for item in self._unsettled.values():
            if not item.queued and (force or item.is_due(now)):
                item.queued = True
                self._queue.put_nowait(self._retry_job(item.trade))

    async def _close_failed_trades(self) -> dict[int, TradeRecord]:
        if self._closed_trades is None:
            return {}
        try:
            trades = await self._closed_trades()
        except Exception as exc:  # noqa: BLE001 - the journal may be busy; try again at the next connect
            log.warning("could not read closed trades to resume failed closes: %s", exc)
            return {}
        out = {}
        for trade in trades:
            if trade.mirror_state in (CLOSE_FAILED, "close_refused") and trade.mirror_ticket:
                out[trade.id] = trade
                self._states[trade.id] = (trade.mirror_ticket, trade.mirror_state)
        return out

    async def _close(self, trade: TradeRecord) -> None:
        ticket = self._tickets.get(trade.id)
        if ticket is None:
            self._closing.pop(trade.id, None)
            return
        self._modify_seq.pop(trade.id, None)
        result = await self.mirror.close(trade, ticket)
        if result.ok or result.code in NOT_FOUND_CODES:
            await self._settled(trade.id, ticket, "cancelled" if trade.status is TradeStatus.CANCELLED else "closed")
            return
        item = self._unsettled.setdefault(trade.id, Unsettled(trade, ticket))
        await self._close_failed(item, result)

    async def _close_part(self, closed: TradeRecord, remaining: TradeRecord) -> None:
        ticket = self._tickets.get(remaining.id)
        if ticket is None:
            return
        result = await self.mirror.close(remaining, ticket, Decimal(closed.lots))
        if not result.ok:
            item = Unsettled(closed, ticket, lots=Decimal(closed.lots), remaining_id=remaining.id)
            self._unsettled[closed.id] = item
            await self._close_failed(item, result)
            return
        await self._record(closed.id, ticket, "closed")
        if result.ticket and result.ticket != ticket:
            self._tickets[remaining.id] = result.ticket
            await self._record(remaining.id, result.ticket, "open")

    async def _close_failed(self, item: Unsettled, result: MirrorResult) -> None:
        item.failed(result.code, result.message, self.first_retry)
        self._last_error = f"trade {item.trade.id}: {result.code}: {result.message}"
        log.warning(
            "MetaTrader did not close ticket %s of paper trade %d (attempt %d): %s %s; retrying in %s s",
            item.ticket,
            item.trade.id,
            item.attempts,
            result.code,
            result.message,
            item.detail()["retry_in_s"],
        )
        await self._record(item.trade.id, item.ticket, CLOSE_FAILED, item.detail())

    async def _retry(self, trade_id: int) -> None:
        item = self._unsettled.get(trade_id)
        if item is None:
            return
        item.queued = False
        ticket = (self._tickets.get(item.remaining_id) if item.remaining_id is not None else None) or item.ticket
        present = {p.ticket for p in await self.mirror.positions()}
        if ticket not in present:
            await self._settled(trade_id, item.ticket, "closed")
            return
        result = await self.mirror.close(item.trade, ticket, item.lots)
        if result.ok or result.code in NOT_FOUND_CODES:
            await self._settled(trade_id, item.ticket, "closed")
            if item.remaining_id is not None and result.ticket and result.ticket != ticket:
                self._tickets[item.remaining_id] = result.ticket
                await self._record(item.remaining_id, result.ticket, "open")
        else:
            await self._close_failed(item, result)

    async def _settled(self, trade_id: int, ticket: str, state: str) -> None:
        self._closing.pop(trade_id, None)
        item = self._unsettled.pop(trade_id, None)
        if item is None or item.remaining_id is None:
            self._tickets.pop(trade_id, None)
        self._pending.discard(trade_id)
        self._modify_seq.pop(trade_id, None)
        if item is not None:
            log.info("ticket %s of paper trade %d is closed in MetaTrader now", ticket, trade_id)
            if self._last_error and f"trade {trade_id}:" in self._last_error:
                self._last_error = None
        await self._record(trade_id, ticket, state)

    async def _vanished(self, trade_id: int, ticket: str) -> None:
        """A mirrored ticket is gone from the venue: our own close (failed, or whose answer was lost) is
        done now; otherwise the user closed it in MetaTrader."""
        if trade_id in self._unsettled or trade_id in self._closing:
            await self._settled(trade_id, ticket, self._closing.get(trade_id, "closed"))
            return
        self._tickets.pop(trade_id, None)
        self._pending.discard(trade_id)
        log.warning("ticket %s of paper trade %d was closed in MetaTrader", ticket, trade_id)
        await self._record(trade_id, ticket, "closed_externally")
        if self.on_external_close is ExternalClose.FOLLOW and self._close_paper is not None:
            try:
                await self._close_paper(trade_id)
            except Exception as exc:  # noqa: BLE001 - the paper trade may be gone already; log and go on
                log.warning("could not close paper trade %d after its MetaTrader close: %s", trade_id, exc)
