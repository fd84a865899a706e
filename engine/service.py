"""``TradingEngine``: the one command/query facade over broker, journal, bus and bars.

Order of every state change (docs/ARCHITECTURE.md): the broker changes its
in-memory state, the resulting records and the account are committed to the
journal in ONE transaction on the dedicated database thread, and only then
are the events published on the bus. An ``asyncio.Lock`` serialises state
changes so that the order of commits is the order of events.

The journal and memory never disagree (``engine.service_writer``): a command
whose write fails is rolled back in the broker (a savepoint taken before it)
and refused with ``journal_unavailable``; while the journal cannot be written,
new commands are refused, prices still trigger SL/TP, and those changes are
written, then published, in order as soon as it can. A ``--read-only``
journal refuses every write (``journal_read_only``) and lets prices value, not
trigger.

Stale quotes (``quote.stale``) are published and kept as the symbol's last
price, but never reach the broker: they trigger no fill, SL, TP or stop-out,
and they build no bars. A quote older than the latest trade opened on its
symbol, or (after a restart) older than the journal's last event, is treated
as stale: no trade is ever evaluated with a quote older than its open.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from engine.bars import BarBuilder
from engine.bus import EventBus
from engine.clock import MarketClock
from engine.dbthread import DbThread
from engine.errors import JournalUnavailable, NotFound, OrderRejectedError, PaperTerminalError
from engine.events import (
    AccountReset,
    AccountUpdated,
    BarClosed,
    Event,
    MirrorStateChanged,
    OrderCancelled,
    OrderPlaced,
    OrderRejected,
    PriceUpdated,
    TradeClosed,
    TradeModified,
    TradeOpened,
)
from engine.floating import with_floating
from engine.orders import OrderRequest, check_open_limit, open_limit
from engine.ports import Journal
from engine.service_journal import JournalStatus
from engine.service_prices import PriceBook
from engine.service_support import (
    BrokerLike,
    Snapshotter,
    account_terms,
    collect_statuses,
    fresh_broker,
    trades_of,
)
from engine.service_writer import JournalWriter
from engine.values import AccountSnapshot, Bar, FeedStatus, Quote, Timeframe, TradeRecord, TradeStatus

if TYPE_CHECKING:
    from engine.ports import PausableMirror
    from engine.signals.book import SignalBook

log = logging.getLogger(__name__)

T = TypeVar("T")
P = ParamSpec("P")

StatusSource = Callable[[], "Iterable[FeedStatus] | FeedStatus"]

JournalWriteFailed = JournalUnavailable  # the former name


class TradingEngine:
    """Broker + journal + bus + bars behind one async facade (see module docstring).

    ``account_interval`` is the least time in seconds between two
    ``AccountUpdated`` events caused by prices alone (trade changes always
    publish one); ``flush_interval`` how often closed bars and last quotes are
    written to the price cache; ``metrics_interval`` how often a performance
    snapshot is saved. ``broker_factory(balance, currency, leverage)`` builds
    the broker of a fresh account on ``reset_account`` (default: the same
    broker class with its ``config`` changed). ``retry_initial``/``retry_max``:
    the backoff of journal retries, in seconds. A journal with ``read_only``
    true makes a viewer (module docstring).

    Every event published on ``bus`` carries this engine's sequence number
    and market-clock time (``seq``, ``ts``: ``engine.bus``); the last number is
    recorded in the journal every ``flush_interval`` and at ``stop``, and a
    restarted engine numbers above it.

    Plug-ins are attached by the composition root (``terminal.wiring``) through
    ``attach_signals`` and ``attach_mirror``; everyone else reads ``signals``
    and ``mirror``.
    """

    def __init__(
        self,
        bus: EventBus,
        broker: BrokerLike,
        journal: Journal,
        *,
        symbols: Sequence[str] = (),
        bar_builder: BarBuilder | None = None,
        account_interval: float = 0.25,
        flush_interval: float = 5.0,
        metrics_interval: float = 60.0,
        broker_factory: Callable[[Decimal, str, int], BrokerLike] | None = None,
        bar_history: int = 500,
        clock: MarketClock | None = None,
        retry_initial: float = 0.25,
        retry_max: float = 5.0,
        max_open_trades: int | None = None,
    ) -> None:
        self.bus = bus
        self._clock = clock if clock is not None else MarketClock(follows_wall=False)
        self.broker = broker
        self.journal = journal
        self._signals: SignalBook | None = None
        self._mirror: PausableMirror | None = None
        self._symbols = [s.upper() for s in symbols]
        self._bars = bar_builder if bar_builder is not None else BarBuilder()
        self._prices = PriceBook(self._bars, self._symbols, bar_history)
        self._account_interval = account_interval
        self._flush_interval = flush_interval
        self._metrics_interval = metrics_interval
        self._broker_factory = broker_factory
        self._db = DbThread()
        self._lock = asyncio.Lock()
        self._quotes = self._prices.quotes  # symbol -> last quote (possibly stale)
        self._writer = JournalWriter(
            journal,
            self._db,
            self._lock,
            bus.publish,
            lambda: self.broker.account(),
            read_only=bool(getattr(journal, "read_only", False)),
            retry_initial=retry_initial,
            retry_max=retry_max,
        )
        self._last_account_publish = float("-inf")
        self._last_rollover_day: Any = None
        self._status_sources: list[StatusSource] = []
        self._housekeeping: asyncio.Task[None] | None = None
        self._snapshotter = Snapshotter()
        self._started = False
        self._saved_seq = 0
        self._max_open_trades = open_limit(max_open_trades)
        bus.stamp_with(self._clock.now)  # events carry this engine's clock (engine.bus)

    @property
    def clock(self) -> MarketClock:
        """The engine's one market clock (``engine.clock``), given at construction: every reader of time asks it."""
        return self._clock

    # -- plug-ins -----------------------------------------------------------

    @property
    def signals(self) -> SignalBook | None:
        """The signal book (``engine.signals.book``) once attached; None when the engine runs without signals."""
        return self._signals

    def attach_signals(self, book: SignalBook | None) -> None:
        """Make ``book`` this engine's signal book (None: detach it).

        Called by ``engine.signals.setup.attach_signals``, which the composition
        root runs at start-up; the REST routes and the window read ``signals``.
        The book is built on this engine (``SignalBook(engine)``) and started by
        its owner, which also stops it.
        """
        self._signals = book

    @property
    def mirror(self) -> PausableMirror | None:
        """The running MetaTrader mirror (``bridges.sync.MirrorService``) once attached; None without ``--mirror``."""
        return self._mirror

    def attach_mirror(self, mirror: PausableMirror | None) -> None:
        """Make ``mirror`` this engine's mirror (None: detach it), so the window can pause and resume it.

        Called by the composition root (``terminal.wiring.attach_mirror``) once
        the mirror service has started, and with None before it stops. The
        service follows the engine's events itself and registers its status
        with ``register_status_source``; the engine only lends it out.
        """
        self._mirror = mirror

    # -- lifecycle ----------------------------------------------------------

    async def start(self) -> None:
        """Reload the journal, hand open trades and pending orders to the broker, start housekeeping."""
        state = await self._db.run(self.journal.load)
        self.bus.resume_after(state.event_seq)  # never reuse a number an earlier run published
        if state.account is None:
            fresh = self.broker.account()
            self.broker.restore(fresh.balance, [], state.next_trade_id, initial_balance=fresh.initial_balance)
            if not self._writer.read_only:
                await self._db.run(self.journal.commit, [], self.broker.account())
        else:
            self.broker.restore(
                state.account.balance, state.active, state.next_trade_id, initial_balance=state.account.initial_balance
            )
            log.info(
                "journal reloaded: balance %s %s, %d active trades",
                state.account.balance,
                state.account.currency,
                len(state.active),
            )
        stored = await self._db.run(self._prices.load, self.journal)
        self._prices.seed(stored)
        for when in [quote.time for quote in stored.quotes] + ([stored.last_event] if stored.last_event else []):
            self.clock.observe(when)  # a resumed market clock starts at the journal's last price or event
        self._housekeeping = asyncio.create_task(self._housekeep(), name="trading-engine:housekeeping")
        self._housekeeping.add_done_callback(_log_task_failure)
        self._started = True

    async def stop(self) -> None:
        """Stop housekeeping, write what is unsaved and a last metrics snapshot, close the journal.

        Closing checkpoints SQLite's write-ahead log (``SqlJournal.close``), so
        after a clean stop the database file alone holds everything.
        """
        if not self._started:
            self._db.shutdown()
            return
        self._started = False
        if self._housekeeping is not None:
            self._housekeeping.cancel()
            await asyncio.gather(self._housekeeping, return_exceptions=True)
        try:
            async with self._lock:
                await self._writer.stop()
                if self._writer.ok:
                    await self._db.run(self.journal.commit, [], self.broker.account())
            if self._writer.ok:
                await self._flush_prices()
                await self._save_metrics()
                await self._save_seq()
        except Exception as exc:  # noqa: BLE001 - release the database even when the last writes fail
            self._writer.health.log.failed("the final writes", exc)
        finally:
            await self._writer.close()

    async def _housekeep(self) -> None:
        loop = asyncio.get_running_loop()
        next_metrics = loop.time() + self._metrics_interval
        while True:
            await asyncio.sleep(self._flush_interval)
            if not self._writer.ok:
                continue  # prices and bars wait in memory; the retry task probes the journal
            try:
                await self._flush_prices()
                await self._save_seq()
                if loop.time() >= next_metrics:
                    next_metrics = loop.time() + self._metrics_interval
                    await self._save_metrics()
            except Exception as exc:  # noqa: BLE001 - housekeeping must survive a failed write
                self._writer.failed("prices and metrics", exc)

    async def _flush_prices(self) -> None:
        await self._prices.flush(self._db.run, self.journal)

    async def _save_seq(self) -> None:
        """Record the last event sequence number in the journal, so a restart numbers above it."""
        seq = self.bus.last_seq
        if seq != self._saved_seq:
            await self._db.run(self.journal.save_event_seq, seq)
            self._saved_seq = seq

    async def _save_metrics(self) -> None:
        account = self.broker.account()
        await self._db.run(self._snapshotter.save, self.journal, account, self.clock.now())

    # -- prices -------------------------------------------------------------

    async def on_quote(self, quote: Quote) -> None:
        """Process one quote: broker triggers (fresh quotes only), commit, publish, bars, account."""
        quote = self._prices.admit(quote)
        self._quotes[quote.symbol] = quote  # before the broker: handlers of its events see this price
        changed = False
        if not quote.stale:
            self.clock.observe(quote.time)
            async with self._lock:
                if self._writer.read_only:
                    self.broker.on_quote(replace(quote, stale=True))  # a viewer values, never triggers
                else:
                    events = list(self.broker.on_quote(quote))
                    events.extend(self.broker.expire(quote.time))
                    day = quote.time.date()
                    if self._last_rollover_day is not None and day != self._last_rollover_day:
                        events.extend(self.broker.rollover(quote.time))
                    self._last_rollover_day = day
                    if events:
                        self._prices.note(trades_of(events))
                        if await self._writer.commit_prices(events):
                            changed = True
                            for event in events:
                                self.bus.publish(event)
        self.bus.publish(PriceUpdated(quote))
        for bar in self._prices.record(quote):
            self.bus.publish(BarClosed(bar))
        self._publish_account(force=changed)

    def _publish_account(self, *, force: bool) -> None:
        now = asyncio.get_running_loop().time()
        if force or now - self._last_account_publish >= self._account_interval:
            self._last_account_publish = now
            self.bus.publish(AccountUpdated(self.broker.account()))

    # -- commands -----------------------------------------------------------

    @property
    def max_open_trades(self) -> int | None:
        """The most open trades + pending orders at once (setting ``max_open_trades``; None: no limit)."""
        return self._max_open_trades

    def set_max_open_trades(self, limit: int | None) -> None:
        """Change ``max_open_trades`` (None or 0: no limit); it applies to the next order of any source."""
        self._max_open_trades = open_limit(limit)

    def _check_room(self) -> None:
        if self._max_open_trades is not None:
            check_open_limit(len(self.broker.active_trades()), self._max_open_trades)

    def _place(self, request: OrderRequest) -> list[Event]:
        self._check_room()
        return self.broker.place(request)

    async def place_order(self, request: OrderRequest) -> TradeRecord:
        """Place a market or pending order; return the opened trade or the pending order.

        Refused (``OrderRejectedError`` naming the field) by the order's rules
        (``engine.orders``), the broker's, or ``max_open_trades``.
        """
        events = await self._run_command(
            lambda: self._place(request), getattr(request, "symbol", None), getattr(request, "signal_id", None)
        )
        for event in events:
            if isinstance(event, (TradeOpened, OrderPlaced)):
                return self.live(event.trade)
        # A market order can open and close at once (e.g. stop-out); return what we have.
        records = trades_of(events)
        if not records:
            raise OrderRejectedError("the broker accepted the order but reported no trade", code="invalid_state")
        return records[0]

    def check_order(self, request: OrderRequest) -> None:
        """Raise the ``OrderRejectedError`` ``place_order(request)`` would raise now; change nothing.

        The same rules (``max_open_trades``, then ``PaperBroker.check``): a ticket
        asks this before sending instead of re-implementing them.
        """
        self._check_room()
        self.broker.check(request)

    async def _run_command(
        self,
        action: Callable[[], Iterable[Event]],
        symbol: str | None,
        signal_id: int | None = None,
        touches: Sequence[int] = (),
    ) -> list[Event]:
        """Run one broker command under the lock, commit its changes, then publish them.

        A refusal is published as ``OrderRejected`` (naming ``symbol`` and
        ``signal_id``) and re-raised; nothing is committed. When the journal
        cannot record the change, the broker is rolled back to a savepoint
        taken before ``action`` (``touches``: the trades it may change) and
        ``JournalUnavailable`` is raised; nothing is published.
        """
        async with self._lock:
            self._writer.require_writable()
            point = self.broker.savepoint(touches)
            try:
                events = list(action())
            except OrderRejectedError as exc:
                self._publish_rejection(exc, symbol, signal_id)
                raise
            except PaperTerminalError:
                raise  # refused before any change (unknown trade...)
            except Exception:
                self.broker.rollback(point)  # an unexpected failure half-way: leave nothing half-done
                raise
            records = trades_of(events)
            await self._writer.commit_command(records, lambda: self.broker.rollback(point))
            self._prices.note(records)
            for event in events:
                self.bus.publish(event)
        self._publish_account(force=True)
        return events

    async def modify_trade(self, trade_id: int, **changes: Any) -> TradeRecord:
        """Change ``sl``, ``tp``, ``trailing_pips``, a pending ``price`` or ``expires_at``."""
        events = await self._run_command(
            lambda: self.broker.modify(trade_id, **changes), self._symbol_of(trade_id), touches=(trade_id,)
        )
        for event in events:
            if isinstance(event, TradeModified):
                return self.live(event.trade)
        return self.live(self.broker.trade(trade_id))

    async def close_trade(self, trade_id: int, lots: Decimal | None = None) -> TradeRecord:
        """Close a trade wholly or ``lots`` of it, or cancel a pending order; return the closed record."""
        events = await self._run_command(
            lambda: self.broker.close(trade_id, lots), self._symbol_of(trade_id), touches=(trade_id,)
        )
        for event in events:
            if isinstance(event, (TradeClosed, OrderCancelled)):
                return event.trade
        raise NotFound(f"trade {trade_id} was not closed", field="id")

    async def reset_account(
        self, balance: Decimal | float | str | None = None, currency: str | None = None, leverage: int | None = None
    ) -> AccountSnapshot:
        """Archive the current account and its journal and start a fresh one (old values by default)."""
        async with self._lock:
            self._writer.require_writable()
            new_balance, new_currency, new_leverage = account_terms(self.broker.account(), balance, currency, leverage)
            state = await self._db.run(self.journal.load)
            broker = fresh_broker(self.broker, self._broker_factory, new_balance, new_currency, new_leverage)
            next_id = max(state.next_trade_id, int(getattr(self.broker, "next_id", 0)))
            broker.restore(new_balance, [], next_id, initial_balance=new_balance)
            for quote in self._quotes.values():
                if not quote.stale:
                    broker.on_quote(quote)  # prices only: the fresh account has no trades to trigger
            account = broker.account()
            await self._writer.write("an account reset", self.journal.reset_account, account)
            self.broker = broker  # only once the journal has archived the old account
        self.bus.publish(AccountReset(account))
        self._publish_account(force=True)
        return account

    async def set_mirror_state(
        self, trade_id: int, ticket: str | None, state: str, detail: dict[str, Any] | None = None
    ) -> TradeRecord:
        """Record a bridge's ticket and state on a trade (active or not), commit, publish.

        ``detail`` (the venue's ``code`` and ``message`` of a refusal) travels on
        the ``MirrorStateChanged`` event; the journal keeps ticket and state.
        """
        async with self._lock:
            self._writer.require_writable()
            point = self.broker.savepoint((trade_id,))
            try:
                record = self.broker.set_mirror(trade_id, ticket, state)
            except NotFound:
                stored = await self._db.run(self.journal.trade, trade_id)
                record = replace(stored, mirror_ticket=ticket, mirror_state=state)
            await self._writer.commit_command([record], lambda: self.broker.rollback(point))
        self.bus.publish(MirrorStateChanged(trade_id=trade_id, ticket=ticket, state=state, detail=detail))
        return record

    def _symbol_of(self, trade_id: int) -> str | None:
        try:
            return self.broker.trade(trade_id).symbol
        except NotFound:
            return None

    def _publish_rejection(self, exc: OrderRejectedError, symbol: str | None, signal_id: int | None) -> None:
        self.bus.publish(
            OrderRejected(symbol=symbol, code=exc.code, message=exc.message, field=exc.field, signal_id=signal_id)
        )

    # -- queries ------------------------------------------------------------

    @property
    def symbols(self) -> list[str]:
        """The symbols this engine is fed with."""
        return list(self._symbols)

    def account(self) -> AccountSnapshot:
        """The account now (in memory)."""
        return self.broker.account()

    def quote(self, symbol: str) -> Quote | None:
        """The last quote of ``symbol`` (possibly stale), or None."""
        return self._quotes.get(symbol.upper())

    def active_trades(self) -> list[TradeRecord]:
        """Open trades and pending orders as the broker holds them now, open ones with floating pips/pnl."""
        currency = self.broker.account().currency
        return [with_floating(trade, self._quotes, currency) for trade in self.broker.active_trades()]

    def live(self, trade: TradeRecord) -> TradeRecord:
        """``trade`` with its floating pips/pnl at the last quotes (``engine.floating``)."""
        return with_floating(trade, self._quotes, self.broker.account().currency)

    def lot_size(self, symbol: str, risk_percent: float, entry: float, sl: float) -> Decimal:
        """Lots that risk ``risk_percent`` % of the balance between ``entry`` and ``sl``."""
        return self.broker.lot_size(symbol, risk_percent, entry, sl)

    async def list_trades(
        self,
        status: TradeStatus | str | None = None,
        symbol: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> tuple[list[TradeRecord], int]:
        """A page of the journal's trades, newest first, and the total; open trades carry live figures."""
        items, total = await self._db.run(self.journal.trades, status, symbol, since, until, limit, offset)
        live = {trade.id: trade for trade in self.active_trades()}
        return [live.get(trade.id, trade) for trade in items], total

    async def get_trade(self, trade_id: int) -> TradeRecord:
        """One trade: the live record when active, else the journal's; raise ``NotFound``."""
        try:
            return self.live(self.broker.trade(trade_id))
        except NotFound:
            return await self._db.run(self.journal.trade, trade_id)

    async def performance(self) -> dict[str, Any]:
        """DESIGN's performance figures of the current account (computed on the database thread)."""
        account = self.broker.account()
        return await self._db.run(self._snapshotter.performance, self.journal, account)

    def seed_bars(self, bars: Iterable[Bar]) -> None:
        """Load history bars (e.g. the feed's) under the bars built from live quotes."""
        self._bars.seed(bars)

    async def bars(self, symbol: str, timeframe: Timeframe | str, limit: int = 500) -> list[Bar]:
        """Up to ``limit`` bars, oldest first: closed bars plus the forming one."""
        return self._bars.bars(symbol.upper(), Timeframe(timeframe), limit)

    async def run_db(self, func: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run a journal read on the database thread (for parts such as the SignalBook)."""
        return await self._db.run(func, *args, **kwargs)

    async def write_db(self, what: str, func: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run a journal write on the database thread, or refuse it (``JournalError``) when it cannot be made.

        For writes that change memory only after they succeed (the SignalBook's).
        """
        return await self._writer.write(what, func, *args, **kwargs)

    def journal_status(self) -> JournalStatus:
        """Whether the journal takes writes now (``engine.service_journal``)."""
        return self._writer.status()

    def register_status_source(self, source: StatusSource) -> None:
        """Add a callable returning the ``FeedStatus`` (or a list) of a feed or bridge."""
        self._status_sources.append(source)

    def feeds_status(self) -> list[FeedStatus]:
        """The status of every registered feed and bridge."""
        return collect_statuses(self._status_sources)


def _log_task_failure(task: asyncio.Task[Any]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("task %s failed", task.get_name(), exc_info=task.exception())


__all__ = ["JournalWriteFailed", "TradingEngine"]
