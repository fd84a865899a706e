"""``SignalBook``: every signal's life from arrival to outcome, journaled.

A signal is validated on arrival (``ValidationError`` naming the field),
stored with status ``new`` and announced (``SignalReceived``). It then ends
in exactly one outcome, each journaled and announced (``SignalUpdated``):

- ``executed`` with the ``trade_id`` of the one trade it opened (manual
  one-click ``execute`` or auto-execution; a signal never trades twice);
- ``rejected`` with the ``reason`` (the market had already passed its SL or
  TP on arrival, auto-execution declined it, or the broker refused its order
  during auto-execution);
- ``expired`` once the engine's market clock (``engine.clock``, see
  ``engine.clock``) passes ``expires_at`` (a sweeper checks every
  ``sweep_interval`` seconds, so simulated and replayed clocks are honoured);
- ``dismissed`` by the user.

Whether a new signal can be executed now, at what lots and effective R:R,
and whether its price has drifted too far, is ``assess`` (the one rule of
``engine.signals.executable``), used by ``execute``, auto-execution, the
window and the REST representation alike.

Journal calls run on the engine's database thread (``engine.run_db``);
statistics are computed off the loop too.
"""

from __future__ import annotations

import asyncio
import builtins
import dataclasses
import functools
import logging
from datetime import datetime, time, timezone
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from engine.errors import JournalError, NotFound, OrderRejectedError, ValidationError
from engine.events import SignalReceived, SignalUpdated
from engine.orders import OrderRequest, check_volume
from engine.signals.auto import AutoExecutor, TradingContext
from engine.signals.executable import Assessment, DriftLimit, assess
from engine.signals.stats import source_stats
from engine.signals.validation import validate_signal
from engine.values import OrderType, Signal, SignalStatus, TradeRecord, TradeStatus

if TYPE_CHECKING:
    from engine.service import TradingEngine

log = logging.getLogger(__name__)


class SignalBook:
    """Signals of one engine (``engine.signals``); see the module docstring."""

    def __init__(
        self,
        engine: TradingEngine,
        *,
        auto: AutoExecutor | None = None,
        sweep_interval: float = 5.0,
        default_risk_percent: float = 1.0,
        drift: DriftLimit | None = None,
    ) -> None:
        self._engine = engine
        self.auto = auto or AutoExecutor()
        self.drift = drift or DriftLimit()
        self._sweep_interval = sweep_interval
        self._default_risk = default_risk_percent
        self._open: dict[int, Signal] = {}
        self._lock = asyncio.Lock()
        self._sweeper: asyncio.Task[None] | None = None
        self._loaded = False

    # -- lifecycle ----------------------------------------------------------

    async def start(self) -> None:
        """Reload the open signals (reconciling any whose trade was committed) and start the sweeper."""
        await self._load()
        if self._sweeper is None:
            self._sweeper = asyncio.create_task(self._sweep_forever(), name="signal-book:expiry-sweeper")
            self._sweeper.add_done_callback(_log_task_failure)

    async def stop(self) -> None:
        """Stop the sweeper."""
        if self._sweeper is not None:
            self._sweeper.cancel()
            await asyncio.gather(self._sweeper, return_exceptions=True)
            self._sweeper = None

    async def _load(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        journal = self._engine.journal

        def load() -> tuple[list[Signal], dict[int, int]]:
            fresh = journal.signals(status=SignalStatus.NEW, limit=100_000)
            traded = {t.signal_id: t.id for t in journal.all_trades() if t.signal_id is not None} if fresh else {}
            return fresh, traded

        fresh, traded = await self._engine.run_db(load)
        repaired = []
        for signal in fresh:
            if signal.id in traded:  # the trade was committed but not the signal's outcome: repair
                repaired.append(dataclasses.replace(signal, status=SignalStatus.EXECUTED, trade_id=traded[signal.id]))
            elif signal.id is not None:  # a stored signal has its id
                self._open[signal.id] = signal
        if repaired:
            try:
                await self._store(*repaired)
            except JournalError as exc:  # a viewer (--read-only), or the journal is down: repaired next time
                log.info("%d executed signals left as stored: %s", len(repaired), exc.message)

    async def _sweep_forever(self) -> None:
        while True:
            await asyncio.sleep(self._sweep_interval)
            try:
                await self.sweep_expired()
            except Exception:  # the sweeper must survive a failed write
                log.exception("signal expiry sweep failed; retrying at the next interval")

    # -- commands -----------------------------------------------------------

    async def submit(self, signal: Signal) -> Signal:
        """Validate, journal and announce a signal; auto-execute it when enabled. Return it as stored."""
        await self._load()
        clean = validate_signal(signal)
        clean = dataclasses.replace(clean, id=None, status=SignalStatus.NEW, reason=None, trade_id=None)
        if clean.expires_at <= self.now():
            clean = dataclasses.replace(clean, status=SignalStatus.EXPIRED, reason="expired on arrival")
        elif (crossed := self.assess(clean, lots=Decimal("0.01"))).code == "beyond_level":
            clean = dataclasses.replace(clean, status=SignalStatus.REJECTED, reason=crossed.reason)
        (stored,) = await self._store(clean)
        self._engine.bus.publish(SignalReceived(stored))
        if stored.status is not SignalStatus.NEW or stored.id is None:  # a stored signal has its id
            return stored
        self._open[stored.id] = stored
        if self.auto.enabled:
            return await self._auto_execute(stored)
        return stored

    async def _auto_execute(self, signal: Signal) -> Signal:
        async with self._lock:
            current = self._open.get(signal.id, signal) if signal.id is not None else signal
            verdict = self.assess(current, risk_percent=self.auto.config.risk_percent)
            if not verdict.executable:
                return await self._finish(current, SignalStatus.REJECTED, reason=verdict.reason)
            if verdict.needs_confirmation:
                return await self._finish(
                    current,
                    SignalStatus.REJECTED,
                    reason=f"price drifted {verdict.drift_pips:.1f} pips from the entry "
                    f"(max {verdict.max_drift_pips:.1f}); effective R:R {verdict.rr:.2f}",
                )
            decision = self.auto.decide(current, await self._context(), rr=verdict.rr)
            if not decision.accept:
                return await self._finish(current, SignalStatus.REJECTED, reason=decision.reason)
            try:
                trade = await self._place(current, risk_percent=self.auto.config.risk_percent, lots=None)
            except OrderRejectedError as exc:
                return await self._finish(current, SignalStatus.REJECTED, reason=f"order refused: {exc.message}")
            return await self._finish(current, SignalStatus.EXECUTED, trade_id=trade.id)

    async def execute(
        self,
        signal_id: int,
        risk_percent: float | None = None,
        lots: Decimal | float | str | None = None,
        *,
        confirm_drift: bool = True,
    ) -> TradeRecord:
        """Open the signal's one trade at market with its SL/TP; return the trade.

        Without ``lots`` or ``risk_percent`` the lots are sized to risk the
        auto-execution risk % (1 % by default). The decision is ``assess``'s:
        raise ``NotFound`` for an unknown id, ``ValidationError``
        (``invalid_state``) when the signal is no longer new or has expired
        (it is then marked expired), ``ValidationError`` with the assessment's
        code (``no_price``, ``beyond_level``, ``risk_too_small`` ...) otherwise,
        and, with ``confirm_drift=False``, ``ValidationError`` (``drift``) when
        the price has drifted beyond the max drift. A broker refusal is the
        broker's ``OrderRejectedError`` (the signal then stays new, so it can be
        retried with other lots).
        """
        check_volume(lots, risk_percent)  # lots or risk_percent, not both: the rule of every order
        async with self._lock:
            signal = await self.get(signal_id)
            if lots is None and risk_percent is None:
                risk_percent = self.default_risk_percent
            lots_d = Decimal(str(lots)) if lots is not None else None
            verdict = self.assess(signal, risk_percent=risk_percent, lots=lots_d)
            if verdict.code == "not_new":
                detail = f" (trade {signal.trade_id})" if signal.trade_id is not None else ""
                raise ValidationError(
                    f"signal {signal_id} is {signal.status.value}{detail}; only a new signal can be executed",
                    field="id",
                    code="invalid_state",
                )
            if verdict.code == "expired":
                await self._finish(signal, SignalStatus.EXPIRED, reason="expired")
                raise ValidationError(
                    f"signal {signal_id} expired at {signal.expires_at.isoformat()}", field="id", code="invalid_state"
                )
            if verdict.code in ("no_price", "stale_price", "beyond_level"):
                raise ValidationError(
                    f"signal {signal_id} cannot be executed: {verdict.reason}", field="id", code=verdict.code
                )
            if verdict.needs_confirmation and not confirm_drift:
                raise ValidationError(f"signal {signal_id}: {verdict.confirmation_text}", field="id", code="drift")
            trade = await self._place(signal, risk_percent=risk_percent, lots=lots_d)
            await self._finish(signal, SignalStatus.EXECUTED, trade_id=trade.id)
            return trade

    async def dismiss(self, signal_id: int) -> Signal:
        """Mark a new signal dismissed; raise ``ValidationError`` when it already has an outcome."""
        async with self._lock:
            signal = await self.get(signal_id)
            if signal.status is not SignalStatus.NEW:
                raise ValidationError(
                    f"signal {signal_id} is {signal.status.value}; only a new signal can be dismissed",
                    field="id",
                    code="invalid_state",
                )
            return await self._finish(signal, SignalStatus.DISMISSED, reason="dismissed by the user")

    async def sweep_expired(self, now: datetime | None = None) -> list[Signal]:
        """Mark every new signal past its expiry as expired; return them."""
        expired = []
        async with self._lock:
            for signal in list(self._open.values()):
                if signal.expires_at <= (now or self.now()):
                    expired.append(await self._finish(signal, SignalStatus.EXPIRED, reason="expired"))
        return expired

    # -- queries ------------------------------------------------------------

    async def get(self, signal_id: int) -> Signal:
        """One signal by id; raise ``NotFound``."""
        if not isinstance(signal_id, int) or isinstance(signal_id, bool):
            raise NotFound(f"signal {signal_id!r} not found", field="id")
        if signal_id in self._open:
            return self._open[signal_id]
        return await self._engine.run_db(self._engine.journal.signal, signal_id)

    async def list(
        self,
        status: SignalStatus | str | None = None,
        symbol: str | None = None,
        limit: int = 100,
        source: str | None = None,
        offset: int = 0,
    ) -> builtins.list[Signal]:
        """Journaled signals, newest first."""
        if status is not None:
            try:
                status = SignalStatus(status)
            except ValueError:
                raise ValidationError(f"unknown status {status!r}", field="status") from None
        if not 1 <= int(limit) <= 1000:
            raise ValidationError("limit must be 1..1000", field="limit")
        return await self._engine.run_db(self._engine.journal.signals, status, symbol, source, int(limit), int(offset))

    async def history(self) -> tuple[builtins.list[Signal], builtins.list[TradeRecord]]:
        """Every journaled signal and the current account's closed trades (for stats and weights)."""
        journal = self._engine.journal

        def read() -> tuple[builtins.list[Signal], builtins.list[TradeRecord]]:
            return journal.signals(limit=1_000_000), journal.closed_trades()

        return await self._engine.run_db(read)

    async def stats(
        self,
        symbol: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        samples: bool = False,
    ) -> dict[str, dict[str, Any]]:
        """The signal report per source (``engine.signals.stats``), computed off the loop."""
        return await signal_stats(self._engine, symbol=symbol, since=since, until=until, samples=samples)

    def now(self) -> datetime:
        """The engine's market clock (``engine.clock``): when signals are born, aged and expired."""
        return self._engine.clock.now()

    @property
    def default_risk_percent(self) -> float:
        """The risk % of an execution given neither lots nor a risk %: auto-execution's when on, else 1 %."""
        return self.auto.config.risk_percent if self.auto.enabled else self._default_risk

    def assess(self, signal: Signal, risk_percent: float | None = None, lots: Decimal | None = None) -> Assessment:
        """Can ``signal`` be executed now, at what lots and R:R (``engine.signals.executable.assess``).

        ``risk_percent`` defaults to ``default_risk_percent``; the open trades and pending
        orders are held against the engine's ``max_open_trades``.
        """
        limit = self._engine.max_open_trades
        return assess(
            signal,
            quote=self._engine.quote(signal.symbol),
            now=self.now(),
            lot_size=self._engine.lot_size,
            risk_percent=risk_percent if risk_percent is not None or lots is not None else self.default_risk_percent,
            lots=lots,
            drift=self.drift,
            open_trades=None if limit is None else len(self._engine.active_trades()),
            max_open_trades=limit,
        )

    # -- internals ----------------------------------------------------------

    async def _place(self, signal: Signal, *, risk_percent: float | None, lots: Decimal | None) -> TradeRecord:
        request = OrderRequest(
            symbol=signal.symbol,
            side=signal.side,
            order_type=OrderType.MARKET,
            lots=lots,
            risk_percent=risk_percent,
            sl=signal.sl,
            tp=signal.tp,
            signal_id=signal.id,
            comment=f"signal {signal.id} ({signal.source})",
        )
        return await self._engine.place_order(request)

    async def _context(self) -> TradingContext:
        account = self._engine.account()
        midnight = datetime.combine(self.now().date(), time(0), tzinfo=timezone.utc)
        realised = Decimal("0")
        offset = 0
        while True:
            page, total = await self._engine.list_trades(
                status=TradeStatus.CLOSED, since=midnight, limit=1000, offset=offset
            )
            realised += sum((t.net for t in page), Decimal("0"))
            offset += len(page)
            if not page or offset >= total:
                break
        return TradingContext(self._engine.active_trades(), account, realised)

    async def _finish(
        self, signal: Signal, status: SignalStatus, *, reason: str | None = None, trade_id: int | None = None
    ) -> Signal:
        done = dataclasses.replace(signal, status=status, reason=reason, trade_id=trade_id)
        (stored,) = await self._store(done)
        if signal.id is not None:
            self._open.pop(signal.id, None)
        self._engine.bus.publish(SignalUpdated(stored))
        return stored

    async def _store(self, *signals: Signal) -> builtins.list[Signal]:
        """Journal ``signals``; raise ``JournalError`` (nothing changes in memory) when that cannot be done."""
        return await self._engine.write_db("signals", self._engine.journal.commit, [], None, list(signals))


async def signal_stats(
    engine: TradingEngine,
    *,
    symbol: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    samples: bool = False,
) -> dict[str, dict[str, Any]]:
    """The signal report of ``engine``'s journal: read on the database thread, computed in an executor
    (the bootstrap must never stall the loop). Works without a ``SignalBook`` too."""
    journal = engine.journal

    def read() -> tuple[list[Signal], list[TradeRecord]]:
        return journal.signals(limit=1_000_000), journal.closed_trades()

    signals, trades = await engine.run_db(read)
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(
        None, functools.partial(source_stats, signals, trades, symbol=symbol, since=since, until=until, samples=samples)
    )


def _log_task_failure(task: asyncio.Task[Any]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("task %s failed", task.get_name(), exc_info=task.exception())
