"""MirrorService: keeps a MetaTrader account in step with the paper account.

It listens to the engine's bus (``TradeOpened``, ``OrderPlaced``,
``TradeModified``, ``TradeClosed``, ``OrderCancelled``) and replays each
change on a ``TradeMirror``, one command at a time, in order, on one owned
task. It keeps the paper-trade-id ↔ ticket map and records every outcome on
the paper trade (``mirror_ticket``/``mirror_state``, through
``record_state``, normally ``TradingEngine.set_mirror_state``, which commits
and publishes ``MirrorStateChanged``; without it the event is published
directly).

Mirror states: ``open``, ``pending`` (a pending order), ``closed``,
``cancelled``, ``refused`` (the venue refused the open: the paper trade stays
as it is, the paper account is the reference), ``modify_refused``,
``close_refused`` (the venue position is still open), ``closed_externally``
(the user closed it in MetaTrader), ``not_mirrored`` (opened while paused),
``error`` (the command failed for good).

Connection: on start and after every lost link the service connects,
reconciles (positions by magic, matched by the ``pt:<id>`` comment) and
only then sends, so nothing is sent twice. A lost link does not lose
commands: they wait and are retried with backoff (1 s doubling to 30 s).
Paused: new trades are not mirrored; changes to trades already mirrored
still are, so no orphan position is left behind.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from bridges.config import ExternalClose
from bridges.errors import BridgeSetupError, BridgeUnavailable
from bridges.tagging import belongs_to
from engine.bus import EventBus
from engine.errors import BadPayload
from engine.events import (AccountReset, MirrorStateChanged, OrderCancelled, OrderPlaced, TradeClosed,
                           TradeModified, TradeOpened)
from engine.ports import MirrorResult, TradeMirror
from engine.values import FeedStatus, TradeRecord, TradeStatus

log = logging.getLogger(__name__)

MAX_BACKOFF = 30.0
MAX_ATTEMPTS_ON_BAD_REPLY = 3
RecordState = Callable[[int, str | None, str, dict[str, Any] | None], Awaitable[Any]]
ClosePaper = Callable[[int], Awaitable[Any]]
NOT_FOUND_CODES = frozenset({"not_found", "NOT_FOUND", "10036"})


@dataclass(frozen=True, slots=True)
class _Job:
    kind: str                     # open | modify | close | reset
    trade: TradeRecord | None
    remaining: TradeRecord | None = None
    seq: int = 0                  # modify: only the newest queued one per trade is sent


class MirrorService:
    """Drives a TradeMirror from the engine's events."""

    def __init__(self, bus: EventBus, mirror: TradeMirror, *, record_state: RecordState | None = None,
                 close_paper: ClosePaper | None = None,
                 on_external_close: ExternalClose = ExternalClose.FLAG, paused: bool = False,
                 watch_interval: float = 5.0, active_trades: Callable[[], Iterable[TradeRecord]] | None = None
                 ) -> None:
        self.bus = bus
        self.mirror = mirror
        self.on_external_close = on_external_close
        self.paused = paused
        self.watch_interval = watch_interval
        self._record_state = record_state
        self._close_paper = close_paper
        self._active_trades = active_trades
        self._tickets: dict[int, str] = {}
        self._pending: set[int] = set()  # mirrored as pending orders, not yet filled
        self._modify_seq: dict[int, int] = {}
        self._adopted: set[int] = set()
        self._orphans = 0
        self._queue: asyncio.Queue[_Job] = asyncio.Queue()
        self._lock = asyncio.Lock()
        self._ready = False
        self._last_error: str | None = None
        self._unsubscribe: list[Callable[[], None]] = []
        self._tasks: list[asyncio.Task[None]] = []

    # -- lifecycle -------------------------------------------------------
    async def start(self) -> None:
        """Subscribe to the bus and start the worker and the watcher (owned, named tasks)."""
        if self._active_trades is not None:
            for trade in self._active_trades():
                if trade.mirror_ticket and trade.mirror_state in ("open", "pending"):
                    self._tickets[trade.id] = trade.mirror_ticket
                    if trade.mirror_state == "pending":
                        self._pending.add(trade.id)
        for event_type, kind in ((TradeOpened, "open"), (OrderPlaced, "open"), (TradeModified, "modify"),
                                 (TradeClosed, "close"), (OrderCancelled, "close")):
            self._unsubscribe.append(self.bus.subscribe(event_type, self._enqueuer(kind)))
        self._unsubscribe.append(self.bus.subscribe(
            AccountReset, lambda event: self._queue.put_nowait(_Job("reset", None))))
        for name, coro in (("mirror-worker", self._worker()), ("mirror-watch", self._watcher())):
            task = asyncio.create_task(coro, name=name)
            task.add_done_callback(_log_task_failure)
            self._tasks.append(task)

    async def stop(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe.clear()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        try:
            await self.mirror.disconnect()
        except (BridgeUnavailable, BridgeSetupError) as exc:
            log.info("mirror disconnect: %s", exc)
        self._ready = False

    async def drain(self) -> None:
        """Wait until every queued command has been carried out (tests, shutdown)."""
        await self._queue.join()

    def pause(self) -> None:
        self.paused = True

    def resume(self) -> None:
        self.paused = False

    def ticket_for(self, trade_id: int) -> str | None:
        return self._tickets.get(trade_id)

    def status(self) -> FeedStatus:
        """Bridge health for the status bar and ``GET feeds/``."""
        venue = self.mirror.status()
        return FeedStatus(
            name=f"mirror:{self.mirror.name}", enabled=True, healthy=self._ready and venue.healthy,
            last_error=self._last_error or venue.last_error, in_use=True,
            details={**venue.details, "connected": self._ready and venue.healthy, "paused": self.paused,
                     "mirrored_positions": len(self._tickets), "queued": self._queue.qsize(),
                     "orphan_positions": self._orphans,
                     "tickets": {str(k): v for k, v in self._tickets.items()}})

    # -- events → jobs ---------------------------------------------------
    def _enqueuer(self, kind: str) -> Callable[[Any], None]:
        def enqueue(event: Any) -> None:
            seq = 0
            if kind == "modify":  # trailing stops modify often: later ones supersede queued ones
                seq = self._modify_seq[event.trade.id] = self._modify_seq.get(event.trade.id, 0) + 1
            self._queue.put_nowait(_Job(kind, event.trade, getattr(event, "remaining", None), seq))
        return enqueue

    # -- worker ----------------------------------------------------------
    async def _worker(self) -> None:
        backoff = 1.0
        while True:
            if not self._ready:
                try:
                    async with self._lock:
                        await self._connect()
                    backoff = 1.0
                except (BridgeUnavailable, BridgeSetupError, BadPayload) as exc:
                    self._last_error = str(exc)
                    log.warning("mirror %s not reachable: %s; retrying in %.0f s", self.mirror.name, exc, backoff)
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, MAX_BACKOFF)
                    continue
                except Exception:  # noqa: BLE001 - keep the worker alive; the log has the cause
                    log.exception("connecting the %s mirror failed", self.mirror.name)
                    self._last_error = f"connecting the {self.mirror.name} mirror failed (see the log)"
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, MAX_BACKOFF)
                    continue
            job = await self._queue.get()
            try:
                await self._run(job)
            finally:
                self._queue.task_done()

    async def _connect(self) -> None:
        """Connect and reconcile; adopt venue positions; settle trades closed while offline."""
        await self.mirror.connect()
        positions = await self.mirror.reconcile()
        present = {p.ticket for p in positions}
        active = {t.id: t for t in self._active_trades()} if self._active_trades is not None else None
        clock = getattr(self.mirror, "clock", None)
        clock_known = bool(clock is not None and clock.is_known)
        self._orphans = 0
        for p in positions:
            if p.paper_trade_id is None:
                continue
            if active is not None and p.paper_trade_id not in self._tickets:
                trade = active.get(p.paper_trade_id)
                if trade is None or not belongs_to(p, trade, clock_known=clock_known):
                    self._orphans += 1  # tagged by an earlier journal, or its paper trade is gone
                    continue
            if active is None and p.paper_trade_id not in self._tickets:
                self._adopted.add(p.paper_trade_id)  # unchecked: the mirror checks it on the trade's open
            self._tickets[p.paper_trade_id] = p.ticket
        if self._orphans:
            log.warning("%d positions with magic %s match no active paper trade; left alone",
                        self._orphans, getattr(getattr(self.mirror, "options", None), "magic", "?"))
        self._ready = True
        self._last_error = None
        log.info("mirror %s connected and reconciled: %d positions", self.mirror.name, len(positions))
        for trade_id, ticket in list(self._tickets.items()):
            if ticket not in present:
                await self._external_close(trade_id, ticket)

    async def _run(self, job: _Job) -> None:
        attempts = 0
        backoff = 1.0
        while True:
            try:
                async with self._lock:
                    if not self._ready:
                        await self._connect()
                    await self._execute(job)
                return
            except (BridgeUnavailable, BridgeSetupError) as exc:
                self._ready = False
                self._last_error = str(exc)
                log.warning("mirror %s of trade %s waits for the link: %s", job.kind, _id(job), exc)
            except BadPayload as exc:
                self._ready = False
                attempts += 1
                self._last_error = str(exc)
                if attempts >= MAX_ATTEMPTS_ON_BAD_REPLY:
                    if job.trade is not None:
                        await self._record(job.trade.id, self._tickets.get(job.trade.id), "error")
                    return
            except Exception:  # noqa: BLE001 - one bad job must not stop the mirror
                log.exception("mirror %s of trade %s failed", job.kind, _id(job))
                self._last_error = f"trade {_id(job)}: {job.kind} failed (see the log)"
                return
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, MAX_BACKOFF)

    async def _execute(self, job: _Job) -> None:
        trade = job.trade
        if trade is None:  # the paper account was reset: its trades are archived, ids start again
            log.info("paper account reset: forgetting %d mirrored tickets (their positions stay open)",
                     len(self._tickets))
            self._tickets.clear()
            self._adopted.clear()
            self._pending.clear()
            self._modify_seq.clear()
            self._ready = False  # reconcile again before the new account's first order
            return
        if job.kind == "open":
            await self._open(trade)
        elif job.kind == "modify":
            ticket = self._tickets.get(trade.id)
            if ticket is not None and job.seq == self._modify_seq.get(trade.id):
                result = await self.mirror.modify(trade, ticket)
                if not result.ok:
                    await self._refused(trade.id, ticket, "modify_refused", result)
        elif job.remaining is not None:
            await self._close_part(trade, job.remaining)
        else:
            await self._close(trade)

    async def _open(self, trade: TradeRecord) -> None:
        state = "pending" if trade.status is TradeStatus.PENDING else "open"
        if trade.id in self._adopted:  # adopted by tag alone: let the mirror check symbol, side and age
            self._adopted.discard(trade.id)
            self._tickets.pop(trade.id, None)
        if trade.id in self._tickets:  # already mirrored (a pending order that filled, or a replay)
            if state == "open" and trade.id in self._pending:
                self._pending.discard(trade.id)
                await self._record(trade.id, self._tickets[trade.id], "open")
            return
        if self.paused:
            await self._record(trade.id, None, "not_mirrored")
            return
        result = await self.mirror.open(trade)
        if result.ok and result.ticket is not None:
            self._tickets[trade.id] = result.ticket
            if state == "pending":
                self._pending.add(trade.id)
            await self._record(trade.id, result.ticket, state)
        else:
            await self._refused(trade.id, None, "refused", result)

    async def _close(self, trade: TradeRecord) -> None:
        ticket = self._tickets.get(trade.id)
        if ticket is None:
            return
        result = await self.mirror.close(trade, ticket)
        cancelled = trade.status is TradeStatus.CANCELLED
        if result.ok or result.code in NOT_FOUND_CODES:
            self._tickets.pop(trade.id, None)
            self._pending.discard(trade.id)
            self._modify_seq.pop(trade.id, None)
            await self._record(trade.id, ticket, "cancelled" if cancelled else "closed")
        else:
            await self._refused(trade.id, ticket, "close_refused", result)

    async def _close_part(self, closed: TradeRecord, remaining: TradeRecord) -> None:
        ticket = self._tickets.get(remaining.id)
        if ticket is None:
            return
        result = await self.mirror.close(remaining, ticket, Decimal(closed.lots))
        if not result.ok:
            await self._refused(closed.id, ticket, "close_refused", result)
            return
        await self._record(closed.id, ticket, "closed")
        if result.ticket and result.ticket != ticket:
            self._tickets[remaining.id] = result.ticket
            await self._record(remaining.id, result.ticket, "open")

    # -- watcher: positions closed by hand in MetaTrader -------------------
    async def _watcher(self) -> None:
        while True:
            await asyncio.sleep(self.watch_interval)
            if not self._ready or not self._queue.empty() or self._lock.locked():
                continue
            try:
                async with self._lock:
                    present = {p.ticket for p in await self.mirror.positions()}
                    for trade_id, ticket in list(self._tickets.items()):
                        if ticket not in present:
                            await self._external_close(trade_id, ticket)
            except (BridgeUnavailable, BridgeSetupError, BadPayload) as exc:
                self._ready = False
                self._last_error = str(exc)

    async def _external_close(self, trade_id: int, ticket: str) -> None:
        self._tickets.pop(trade_id, None)
        self._pending.discard(trade_id)
        log.warning("ticket %s of paper trade %d was closed in MetaTrader", ticket, trade_id)
        await self._record(trade_id, ticket, "closed_externally")
        if self.on_external_close is ExternalClose.FOLLOW and self._close_paper is not None:
            try:
                await self._close_paper(trade_id)
            except Exception as exc:  # noqa: BLE001 - the paper trade may be gone already; log and go on
                log.warning("could not close paper trade %d after its MetaTrader close: %s", trade_id, exc)

    # -- recording -------------------------------------------------------
    async def _refused(self, trade_id: int, ticket: str | None, state: str, result: MirrorResult) -> None:
        self._last_error = f"trade {trade_id}: {result.code}: {result.message}"
        log.warning("mirror %s refused for trade %d: %s %s", self.mirror.name, trade_id, result.code, result.message)
        await self._record(trade_id, ticket, state, {"code": result.code, "message": result.message})

    async def _record(self, trade_id: int, ticket: str | None, state: str,
                      detail: dict[str, Any] | None = None) -> None:
        if self._record_state is not None:
            try:
                await self._record_state(trade_id, ticket, state, detail)
            except Exception:  # noqa: BLE001 - a failed record must not stop mirroring
                log.exception("could not record mirror state %s of trade %d", state, trade_id)
        else:
            self.bus.publish(MirrorStateChanged(trade_id=trade_id, ticket=ticket, state=state, detail=detail))


def _id(job: _Job) -> int | None:
    return None if job.trade is None else job.trade.id


def _log_task_failure(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("task %s failed", task.get_name(), exc_info=task.exception())
