"""``SignalBook``: every signal's life from arrival to outcome, journaled.

A signal is validated on arrival (``ValidationError`` naming the field),
stored with status ``new`` and announced (``SignalReceived``). It then ends
in exactly one outcome, each journaled and announced (``SignalUpdated``):

- ``executed`` with the ``trade_id`` of the one trade it opened (manual
  one-click ``execute`` or auto-execution; a signal never trades twice);
- ``rejected`` with the ``reason`` (the market had already passed its SL or
  TP on arrival, auto-execution declined it, or the broker refused its order
  during auto-execution);
- ``expired`` once the market time passes ``expires_at`` (a sweeper checks
  every ``sweep_interval`` seconds; the market time of a symbol is the time
  of its last quote, so simulated and replayed clocks are honoured);
- ``dismissed`` by the user.

Journal calls run on the engine's database thread (``engine.run_db``);
statistics are computed off the loop too.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Callable
from datetime import datetime, time, timezone
from decimal import Decimal
from typing import Any

from engine.broker.requests import OrderRequest
from engine.errors import JournalError, NotFound, OrderRejectedError, ValidationError
from engine.events import SignalReceived, SignalUpdated
from engine.signals.auto import AutoExecutor, TradingContext
from engine.signals.stats import source_stats
from engine.signals.validation import validate_signal
from engine.values import OrderType, Signal, SignalStatus, TradeRecord, TradeStatus

log = logging.getLogger(__name__)


def _wall_clock() -> datetime:
    return datetime.now(timezone.utc)


class SignalBook:
    """Signals of one engine (``engine.signals``); see the module docstring."""

    def __init__(self, engine: Any, *, auto: AutoExecutor | None = None,
                 clock: Callable[[], datetime] = _wall_clock, sweep_interval: float = 5.0,
                 default_risk_percent: float = 1.0) -> None:
        self._engine = engine
        self.auto = auto or AutoExecutor()
        self._clock = clock
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
            else:
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
            except Exception:  # noqa: BLE001 - the sweeper must survive a failed write
                log.exception("signal expiry sweep failed; retrying at the next interval")

    # -- commands -----------------------------------------------------------

    async def submit(self, signal: Signal) -> Signal:
        """Validate, journal and announce a signal; auto-execute it when enabled. Return it as stored."""
        await self._load()
        clean = validate_signal(signal)
        clean = dataclasses.replace(clean, id=None, status=SignalStatus.NEW, reason=None, trade_id=None)
        if clean.expires_at <= self.market_time(clean.symbol):
            clean = dataclasses.replace(clean, status=SignalStatus.EXPIRED, reason="expired on arrival")
        elif (crossed := self._crossed_level(clean)) is not None:
            clean = dataclasses.replace(clean, status=SignalStatus.REJECTED, reason=crossed)
        (stored,) = await self._store(clean)
        self._engine.bus.publish(SignalReceived(stored))
        if stored.status is not SignalStatus.NEW:
            return stored
        self._open[stored.id] = stored
        if self.auto.enabled:
            return await self._auto_execute(stored)
        return stored

    async def _auto_execute(self, signal: Signal) -> Signal:
        async with self._lock:
            current = self._open.get(signal.id, signal)
            decision = self.auto.decide(current, await self._context())
            if not decision.accept:
                return await self._finish(current, SignalStatus.REJECTED, reason=decision.reason)
            try:
                trade = await self._place(current, risk_percent=self.auto.config.risk_percent, lots=None)
            except OrderRejectedError as exc:
                return await self._finish(current, SignalStatus.REJECTED, reason=f"order refused: {exc.message}")
            return await self._finish(current, SignalStatus.EXECUTED, trade_id=trade.id)

    async def execute(self, signal_id: int, risk_percent: float | None = None,
                      lots: Decimal | float | str | None = None) -> TradeRecord:
        """Open the signal's one trade at market with its SL/TP; return the trade.

        Without ``lots`` or ``risk_percent`` the lots are sized to risk the
        auto-execution risk % (1 % by default). Raise ``NotFound`` for an unknown
        id, ``ValidationError`` (``invalid_state``) when the signal is no longer
        new or has expired, and the broker's ``OrderRejectedError`` (the signal
        then stays new, so it can be retried with other lots).
        """
        async with self._lock:
            signal = await self.get(signal_id)
            if signal.status is not SignalStatus.NEW:
                detail = f" (trade {signal.trade_id})" if signal.trade_id is not None else ""
                raise ValidationError(f"signal {signal_id} is {signal.status.value}{detail}; "
                                      f"only a new signal can be executed", field="id", code="invalid_state")
            if signal.expires_at <= self.market_time(signal.symbol):
                await self._finish(signal, SignalStatus.EXPIRED, reason="expired")
                raise ValidationError(f"signal {signal_id} expired at {signal.expires_at.isoformat()}",
                                      field="id", code="invalid_state")
            if lots is None and risk_percent is None:
                risk_percent = self.auto.config.risk_percent if self.auto.enabled else self._default_risk
            trade = await self._place(signal, risk_percent=risk_percent,
                                      lots=Decimal(str(lots)) if lots is not None else None)
            await self._finish(signal, SignalStatus.EXECUTED, trade_id=trade.id)
            return trade

    async def dismiss(self, signal_id: int) -> Signal:
        """Mark a new signal dismissed; raise ``ValidationError`` when it already has an outcome."""
        async with self._lock:
            signal = await self.get(signal_id)
            if signal.status is not SignalStatus.NEW:
                raise ValidationError(f"signal {signal_id} is {signal.status.value}; only a new signal "
                                      f"can be dismissed", field="id", code="invalid_state")
            return await self._finish(signal, SignalStatus.DISMISSED, reason="dismissed by the user")

    async def sweep_expired(self, now: datetime | None = None) -> list[Signal]:
        """Mark every new signal past its expiry as expired; return them."""
        expired = []
        async with self._lock:
            for signal in list(self._open.values()):
                if signal.expires_at <= (now or self.market_time(signal.symbol)):
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

    async def list(self, status: SignalStatus | str | None = None, symbol: str | None = None,
                   limit: int = 100, source: str | None = None, offset: int = 0) -> list[Signal]:
        """Journaled signals, newest first."""
        if status is not None:
            try:
                status = SignalStatus(status)
            except ValueError:
                raise ValidationError(f"unknown status {status!r}", field="status") from None
        if not 1 <= int(limit) <= 1000:
            raise ValidationError("limit must be 1..1000", field="limit")
        return await self._engine.run_db(self._engine.journal.signals, status, symbol, source, int(limit),
                                         int(offset))

    async def history(self) -> tuple[list[Signal], list[TradeRecord]]:
        """Every journaled signal and the current account's closed trades (for stats and weights)."""
        journal = self._engine.journal

        def read() -> tuple[list[Signal], list[TradeRecord]]:
            return journal.signals(limit=1_000_000), journal.closed_trades()

        return await self._engine.run_db(read)

    async def stats(self) -> dict[str, dict[str, Any]]:
        """Per source: trades, win rate, expectancy with bootstrap CI, profit factor, calibration."""
        signals, trades = await self.history()
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(None, source_stats, signals, trades)

    def _crossed_level(self, signal: Signal) -> str | None:
        """Why the market has already passed the signal's SL or TP (None when it has not).

        A buy's levels trigger on the bid, a sell's on the ask, as in the broker.
        """
        quote = self._engine.quote(signal.symbol)
        if quote is None or quote.stale:
            return None
        if signal.side.sign > 0:
            price, name = quote.bid, "bid"
            hit = "sl" if price <= signal.sl else "tp" if price >= signal.tp else None
        else:
            price, name = quote.ask, "ask"
            hit = "sl" if price >= signal.sl else "tp" if price <= signal.tp else None
        if hit is None:
            return None
        return f"the market ({name} {price}) is already beyond the {hit} {getattr(signal, hit)}"

    def market_time(self, symbol: str) -> datetime:
        """The symbol's last quote time, or the clock when there is none yet."""
        quote = self._engine.quote(symbol)
        return quote.time if quote is not None else self._clock()

    # -- internals ----------------------------------------------------------

    async def _place(self, signal: Signal, *, risk_percent: float | None, lots: Decimal | None) -> TradeRecord:
        request = OrderRequest(symbol=signal.symbol, side=signal.side, order_type=OrderType.MARKET, lots=lots,
                               risk_percent=risk_percent, sl=signal.sl, tp=signal.tp, signal_id=signal.id,
                               comment=f"signal {signal.id} ({signal.source})")
        return await self._engine.place_order(request)

    async def _context(self) -> TradingContext:
        account = self._engine.account()
        midnight = datetime.combine(self._latest_market_time().date(), time(0), tzinfo=timezone.utc)
        realised = Decimal("0")
        offset = 0
        while True:
            page, total = await self._engine.list_trades(status=TradeStatus.CLOSED, since=midnight,
                                                         limit=1000, offset=offset)
            realised += sum((t.net for t in page), Decimal("0"))
            offset += len(page)
            if not page or offset >= total:
                break
        return TradingContext(self._engine.active_trades(), account, realised)

    def _latest_market_time(self) -> datetime:
        """The latest quote time over the engine's symbols, or the clock."""
        times = [q.time for s in getattr(self._engine, "symbols", []) if (q := self._engine.quote(s)) is not None]
        return max(times) if times else self._clock()

    async def _finish(self, signal: Signal, status: SignalStatus, *, reason: str | None = None,
                      trade_id: int | None = None) -> Signal:
        done = dataclasses.replace(signal, status=status, reason=reason, trade_id=trade_id)
        (stored,) = await self._store(done)
        self._open.pop(signal.id, None)
        self._engine.bus.publish(SignalUpdated(stored))
        return stored

    async def _store(self, *signals: Signal) -> list[Signal]:
        """Journal ``signals``; raise ``JournalError`` (nothing changes in memory) when that cannot be done."""
        return await self._engine.write_db("signals", self._engine.journal.commit, [], None, list(signals))


def _log_task_failure(task: asyncio.Task[Any]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("task %s failed", task.get_name(), exc_info=task.exception())
