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
as it is, the paper account is the reference), ``modify_refused`` (also: the
stops could not be pinned after a fill), ``close_failed`` (the paper trade is
closed but the venue position is still open: retried, see
``bridges.unsettled``), ``closed_externally`` (the user closed it in
MetaTrader), ``not_mirrored`` (opened while paused), ``error`` (the command
failed for good).

Connection: on start and after every lost link the service connects,
reconciles (positions by magic, sorted by ``bridges.adoption``) and only
then sends, so nothing is sent twice. What reconciliation finds is written
back on the paper trades (a ticket whose answer was lost or garbled, an MT4
heir ticket), closes that failed are retried, and mirrored tickets that are
gone are settled. A lost link does not lose commands: they wait and are
retried with backoff (1 s doubling to 30 s). Paused: new trades are not
mirrored; changes to trades already mirrored still are, so no orphan
position is left behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

from bridges.adoption import sort_positions
from bridges.closes import ClosedTrades, CloseMirroring
from bridges.config import ExternalClose
from bridges.errors import BridgeSetupError, BridgeUnavailable
from bridges.unsettled import FIRST_RETRY, Unsettled
from bridges.unsettled import STATE as CLOSE_FAILED
from engine.bus import EventBus
from engine.errors import BadPayload
from engine.events import (
    AccountReset,
    MirrorStateChanged,
    OrderCancelled,
    OrderPlaced,
    TradeClosed,
    TradeModified,
    TradeOpened,
)
from engine.ports import MirrorResult, TradeMirror
from engine.values import FeedStatus, TradeRecord, TradeStatus

log = logging.getLogger(__name__)

MAX_BACKOFF = 30.0
MAX_ATTEMPTS_ON_BAD_REPLY = 3
RecordState = Callable[[int, str | None, str, dict[str, Any] | None], Awaitable[Any]]
ClosePaper = Callable[[int], Awaitable[Any]]
#: States whose venue position or order may still be open.
LIVE_STATES = frozenset({"open", "pending", "modify_refused", "close_refused", CLOSE_FAILED})


@dataclass(frozen=True, slots=True)
class _Job:
    kind: str  # open | modify | close | retry | reset
    trade: TradeRecord | None
    remaining: TradeRecord | None = None
    seq: int = 0  # modify: only the newest queued one per trade is sent


class MirrorService(CloseMirroring):
    """Drives a TradeMirror from the engine's events."""

    def __init__(
        self,
        bus: EventBus,
        mirror: TradeMirror,
        *,
        record_state: RecordState | None = None,
        close_paper: ClosePaper | None = None,
        on_external_close: ExternalClose = ExternalClose.FLAG,
        paused: bool = False,
        watch_interval: float = 5.0,
        active_trades: Callable[[], Iterable[TradeRecord]] | None = None,
        closed_trades: ClosedTrades | None = None,
        first_retry: float = FIRST_RETRY,
    ) -> None:
        self.bus = bus
        self.mirror = mirror
        self.on_external_close = on_external_close
        self.paused = paused
        self.watch_interval = watch_interval
        self.first_retry = first_retry
        self._record_state = record_state
        self._close_paper = close_paper
        self._active_trades = active_trades
        self._closed_trades = closed_trades
        self._tickets: dict[int, str] = {}
        self._states: dict[int, tuple[str | None, str]] = {}  # what the paper trade says: (ticket, state)
        self._pending: set[int] = set()  # mirrored as pending orders, not yet filled
        self._modify_seq: dict[int, int] = {}
        self._unsettled: dict[int, Unsettled] = {}
        self._closing: dict[int, str] = {}
        self._orphans = 0
        self._unverified: list[str] = []
        self._queue: asyncio.Queue[_Job] = asyncio.Queue()
        self._lock = asyncio.Lock()
        self._ready = False
        self._last_error: str | None = None
        self._unsubscribe: list[Callable[[], None]] = []
        self._tasks: list[asyncio.Task[None]] = []
        self._link_back = asyncio.Event()
        if hasattr(mirror, "on_link_back"):  # wake waiting commands as soon as the venue answers again
            mirror.on_link_back(self._link_is_back)

    # -- lifecycle -------------------------------------------------------
    async def start(self) -> None:
        """Subscribe to the bus and start the worker and the watcher (owned, named tasks)."""
        if self._active_trades is not None:
            for trade in self._active_trades():
                if trade.mirror_state is not None:
                    self._states[trade.id] = (trade.mirror_ticket, trade.mirror_state)
                if trade.mirror_ticket and trade.mirror_state in LIVE_STATES:
                    self._tickets[trade.id] = trade.mirror_ticket
                    if trade.mirror_state == "pending":
                        self._pending.add(trade.id)
        for event_type, kind in (
            (TradeOpened, "open"),
            (OrderPlaced, "open"),
            (TradeModified, "modify"),
            (TradeClosed, "close"),
            (OrderCancelled, "close"),
        ):
            self._unsubscribe.append(self.bus.subscribe(event_type, self._enqueuer(kind)))
        self._unsubscribe.append(
            self.bus.subscribe(AccountReset, lambda event: self._queue.put_nowait(_Job("reset", None)))
        )
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
        failing = self.unsettled()
        last_error = self._last_error or venue.last_error
        if failing and last_error is None:
            first = failing[0]
            last_error = f"trade {first['trade_id']}: {first['code']}: {first['message']}"
        return FeedStatus(
            name=f"mirror:{self.mirror.name}",
            enabled=True,
            healthy=self._ready and venue.healthy and not failing,
            last_error=last_error,
            in_use=True,
            details={
                **venue.details,
                "connected": self._ready and venue.healthy,
                "paused": self.paused,
                "mirrored_positions": len(self._tickets),
                "queued": self._queue.qsize(),
                "orphan_positions": self._orphans,
                "unverified_positions": list(self._unverified),
                "close_failed": failing,
                "tickets": {str(k): v for k, v in self._tickets.items()},
            },
        )

    # -- events → jobs ---------------------------------------------------
    def _enqueuer(self, kind: str) -> Callable[[Any], None]:
        def enqueue(event: Any) -> None:
            seq = 0
            if kind == "modify":  # trailing stops modify often: later ones supersede queued ones
                seq = self._modify_seq[event.trade.id] = self._modify_seq.get(event.trade.id, 0) + 1
            if kind == "close" and getattr(event, "remaining", None) is None:  # from now on a vanishing
                self._closing[event.trade.id] = (
                    "cancelled" if event.trade.status is TradeStatus.CANCELLED else "closed"
                )  # ticket is this close's own doing
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
                    await self._pause(backoff)
                    backoff = min(backoff * 2, MAX_BACKOFF)
                    continue
                except Exception:  # keep the worker alive; the log has the cause
                    log.exception("connecting the %s mirror failed", self.mirror.name)
                    self._last_error = f"connecting the {self.mirror.name} mirror failed (see the log)"
                    await self._pause(backoff)
                    backoff = min(backoff * 2, MAX_BACKOFF)
                    continue
            job = await self._queue.get()
            try:
                await self._run(job)
            finally:
                self._queue.task_done()

    async def _connect(self) -> None:
        """Connect and reconcile: write back what is found, resume failed closes, settle vanished tickets."""
        await self.mirror.connect()
        positions = await self.mirror.reconcile()
        active = {t.id: t for t in self._active_trades()} if self._active_trades is not None else None
        found = sort_positions(
            positions, self._tickets, active, await self._close_failed_trades(), getattr(self.mirror, "clock", None)
        )
        self._orphans = len(found.orphans)
        self._unverified = [p.ticket for p in found.unverified]
        if found.orphans:
            log.warning(
                "%d positions with magic %s match no active paper trade; left alone",
                len(found.orphans),
                getattr(getattr(self.mirror, "options", None), "magic", "?"),
            )
        if found.unverified:
            log.warning(
                "tickets %s are tagged like active paper trades but may be older (the broker's server "
                "time offset is not known yet); left alone",
                ", ".join(self._unverified),
            )
        self._ready = True
        self._last_error = None
        log.info("mirror %s connected and reconciled: %d positions", self.mirror.name, len(positions))
        for trade_id, p in {**found.adopt, **found.heirs}.items():
            self._tickets[trade_id] = p.ticket
            state = "pending" if p.extra.get("pending") else "open"
            if state == "pending":
                self._pending.add(trade_id)
            if self._states.get(trade_id) != (p.ticket, state):
                log.info("paper trade %d is ticket %s (found by reconciliation)", trade_id, p.ticket)
                await self._record(trade_id, p.ticket, state)
        for trade_id, (trade, p) in found.resume.items():
            if trade_id not in self._unsettled:
                self._unsettled[trade_id] = Unsettled(
                    trade, p.ticket, code=None, message="still open after the terminal restarted"
                )
                self._tickets[trade_id] = p.ticket
        present = {p.ticket for p in positions}
        for trade_id, ticket in list(self._tickets.items()):
            if ticket not in present:
                await self._vanished(trade_id, ticket)
        self._queue_due_retries(force=True)  # the link is back: failed closes go first

    def _link_is_back(self) -> None:
        self._link_back.set()

    async def _pause(self, seconds: float) -> None:
        """Sleep ``seconds``, or less when the mirror reports that its link is back."""
        self._link_back.clear()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await self._link_back.wait()

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
                        await self._record(
                            job.trade.id,
                            self._tickets.get(job.trade.id),
                            "error",
                            {"code": "bad_payload", "message": str(exc)},
                        )
                    return
            except Exception:  # one bad job must not stop the mirror
                log.exception("mirror %s of trade %s failed", job.kind, _id(job))
                self._last_error = f"trade {_id(job)}: {job.kind} failed (see the log)"
                return
            await self._pause(backoff)
            backoff = min(backoff * 2, MAX_BACKOFF)

    async def _execute(self, job: _Job) -> None:
        trade = job.trade
        if trade is None:  # the paper account was reset: its trades are archived, ids start again
            log.info(
                "paper account reset: forgetting %d mirrored tickets (their positions stay open)", len(self._tickets)
            )
            for mapping in (self._tickets, self._states, self._modify_seq, self._unsettled, self._closing):
                mapping.clear()
            self._pending.clear()
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
                elif self._states.get(trade.id, (None, ""))[1] == "modify_refused":
                    await self._record(trade.id, ticket, "pending" if trade.id in self._pending else "open")
        elif job.kind == "retry":
            await self._retry(trade.id)
        elif job.remaining is not None:
            await self._close_part(trade, job.remaining)
        else:
            await self._close(trade)

    async def _open(self, trade: TradeRecord) -> None:
        state = "pending" if trade.status is TradeStatus.PENDING else "open"
        if trade.id in self._tickets:  # already mirrored (a pending order that filled, a replay, a reconnect)
            ticket = self._tickets[trade.id]
            recorded = self._states.get(trade.id)
            filled = state == "open" and trade.id in self._pending
            if state == "open":
                self._pending.discard(trade.id)
            if recorded is None or recorded[0] != ticket or filled:
                await self._record(trade.id, ticket, state)
            return
        if self.paused:
            await self._record(trade.id, None, "not_mirrored")
            return
        result = await self.mirror.open(trade)
        if result.ok and result.ticket is not None:
            self._tickets[trade.id] = result.ticket
            if state == "pending":
                self._pending.add(trade.id)
            if result.code == "stops_not_pinned":
                await self._refused(trade.id, result.ticket, "modify_refused", result)
            else:
                await self._record(trade.id, result.ticket, state)
        else:
            await self._refused(trade.id, None, "refused", result)

    # -- watcher: closes to retry, positions closed by hand in MetaTrader ---
    async def _watcher(self) -> None:
        while True:
            await asyncio.sleep(self.watch_interval)
            if not self._ready:
                continue
            self._queue_due_retries()
            if not self._queue.empty() or self._lock.locked():
                continue
            try:
                async with self._lock:
                    present = {p.ticket for p in await self.mirror.positions()}
                    for trade_id, ticket in list(self._tickets.items()):
                        if ticket not in present:
                            await self._vanished(trade_id, ticket)
            except (BridgeUnavailable, BridgeSetupError, BadPayload) as exc:
                self._ready = False
                self._last_error = str(exc)

    def _retry_job(self, trade: TradeRecord) -> _Job:
        return _Job("retry", trade)

    # -- recording -------------------------------------------------------
    async def _refused(self, trade_id: int, ticket: str | None, state: str, result: MirrorResult) -> None:
        self._last_error = f"trade {trade_id}: {result.code}: {result.message}"
        log.warning("mirror %s refused for trade %d: %s %s", self.mirror.name, trade_id, result.code, result.message)
        await self._record(trade_id, ticket, state, {"code": result.code, "message": result.message})

    async def _record(
        self, trade_id: int, ticket: str | None, state: str, detail: dict[str, Any] | None = None
    ) -> None:
        self._states[trade_id] = (ticket, state)
        if self._record_state is not None:
            try:
                await self._record_state(trade_id, ticket, state, detail)
            except Exception:  # a failed record must not stop mirroring
                log.exception("could not record mirror state %s of trade %d", state, trade_id)
        else:
            self.bus.publish(MirrorStateChanged(trade_id=trade_id, ticket=ticket, state=state, detail=detail))


def _id(job: _Job) -> int | None:
    return None if job.trade is None else job.trade.id


def _log_task_failure(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("task %s failed", task.get_name(), exc_info=task.exception())
