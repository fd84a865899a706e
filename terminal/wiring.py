"""The composition root: build the engine, its feed and plug-ins from ``Settings``.

``build_runtime(settings)`` is synchronous and touches the disk (it opens and
migrates the journal): call it before the event loop runs, or through
``loop.run_in_executor``. The journal is opened by
``terminal.trading_journal.open_journal`` (checked, locked for this process,
checked writable or opened read-only; a refusal is one line to show).
``await runtime.start()`` then starts, in this order: the journal (the engine
reloads it), the feed and its history, the signal book with its generators and
aggregator (and the mirror), the price worker (the first quote is consumed only
now, so a fast replay is seen by the generators from its first bar), and last
the server. ``await
runtime.stop()`` stops them in reverse order and flushes the journal.

The engine's market clock (``engine.clock``) follows the wall clock unless the
feed runs on its own clock (``feed_on_own_clock``: the simulator at a speed
other than 1, file replay).

Plug-in points, one function each: ``make_feed`` (datafeeds, bridges),
``make_broker`` (engine.broker), ``attach_signals`` (signal book, generators
and auto-execution from the config file's ``[signals.auto]`` table: it sets
``engine.signals`` through ``TradingEngine.attach_signals``), ``attach_mirror``
(bridges: it sets ``engine.mirror`` through ``TradingEngine.attach_mirror``),
``attach_server`` (engine.api). Every MetaTrader part comes from
``bridges.factory.make_bridges`` (one client per venue, shared by feed, mirror
and the ``auto`` rotation's MetaTrader prices), built with the runtime.
Modules are imported by name; the heavy ones (datafeeds, bridges, the server)
inside the function that needs them, so a command that does not use them
does not load them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from engine.broker import BrokerConfig, PaperBroker
from engine.broker.requests import FixedSlippage, RandomSlippage
from engine.bus import EventBus
from engine.clock import MarketClock
from engine.errors import PaperTerminalError
from engine.events import HistoryBackfillProgressed
from engine.journal import SqlJournal
from engine.ports import PriceFeed
from engine.price_worker import PriceWorker
from engine.service import TradingEngine
from engine.values import Timeframe
from terminal.settings import Settings
from terminal.trading_journal import close_quietly, open_journal

if TYPE_CHECKING:
    from bridges.factory import Bridges

log = logging.getLogger(__name__)

HISTORY_BARS = 500


BRIDGE_VENUES = ("mt5", "zmq")


def bridges_for(settings: Settings) -> Bridges | None:
    """The MetaTrader parts ``--feed mt5|zmq`` and ``--mirror`` ask for (``bridges.factory.make_bridges``), or None."""
    if settings.feed not in BRIDGE_VENUES and settings.mirror is None:
        return None
    from bridges.factory import make_bridges

    return make_bridges(settings)


def make_feed(settings: Settings, resume: Any = None, bridges: Bridges | None = None) -> PriceFeed:
    """Build the price feed named by ``settings.feed``.

    ``mt5``/``zmq`` is the bridge feed of ``bridges`` (``bridges_for``, built
    here when not given); every other name (``auto``, ``sim``, ``replay`` and
    the providers) comes from ``datafeeds.factory``, which raises
    ``ValidationError`` (field ``feed``) for a name it does not know. With
    ``--feed auto`` and ``--mirror``, MetaTrader's prices join the rotation
    (``bridges.price_source``). ``resume`` (``terminal.sim_resume.resume_point``)
    makes the simulator continue the journal's market.
    """
    if bridges is None:
        bridges = bridges_for(settings)
    if bridges is not None and bridges.feed is not None:
        return bridges.feed
    from datafeeds.factory import make_feed as make_datafeed
    from datafeeds.factory import make_live_feed

    if bridges is not None and bridges.price_source is not None:
        extra = {"metatrader": bridges.price_source}
        return make_live_feed(settings, resume, extra_feeds=extra, extra_first=bridges.price_first)
    return make_datafeed(settings, resume)


def make_broker_config(settings: Settings, balance: Decimal, currency: str, leverage: int) -> BrokerConfig:
    """The ``BrokerConfig`` of an account with ``balance``/``currency``/``leverage`` and the settings' costs."""
    slippage = RandomSlippage(settings.slippage, seed=settings.seed) if settings.slippage > 0 else FixedSlippage(0.0)
    return BrokerConfig(
        balance=balance,
        currency=currency,
        leverage=leverage,
        stop_out_level=settings.stop_out_level,
        commission_per_lot_side=settings.commission,
        slippage=slippage,
    )


def feed_on_own_clock(settings: Settings) -> bool:
    """Whether the feed runs its own clock: file replay, or the simulator at a speed other than 1 (DESIGN)."""
    return settings.feed == "replay" or (settings.feed == "sim" and settings.speed != 1)


def market_hours(settings: Settings) -> Callable[[str, datetime], bool] | None:
    """When the broker accepts orders, judged on the feed's own clock (the last quote's time).

    The simulator at another speed than 1 and file replay keep forex hours:
    closed from Friday 22:00 to Sunday 22:00 UTC (``datafeeds.sim.calendar``),
    so an order then is refused with ``market_closed``. The simulator at speed
    1 is open around the clock (DESIGN), and live providers simply stop
    quoting over the weekend: None, always open.
    """
    if not feed_on_own_clock(settings):
        return None
    from datafeeds.sim.calendar import is_open

    return lambda symbol, when: is_open(when)


def make_broker(settings: Settings, balance: Decimal, currency: str, leverage: int) -> PaperBroker:
    """A ``PaperBroker`` for an account, open for trading as ``market_hours`` says."""
    return PaperBroker(
        make_broker_config(settings, balance, currency, leverage), next_id=1, market_open=market_hours(settings)
    )


@dataclass
class Runtime:
    """Everything one engine process runs; ``start()``/``stop()`` in order."""

    settings: Settings
    bus: EventBus
    journal: SqlJournal
    engine: TradingEngine
    feed: PriceFeed | None
    price_worker: PriceWorker | None
    bridges: Bridges | None = None
    server: Any = None
    mirror: Any = None
    plugins: tuple[str, ...] = ("signals", "mirror", "server")
    on_listening: Callable[[str], None] | None = None
    _stoppers: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    _started: bool = False

    async def start(self, *, server: bool = True) -> None:
        """Start journal → feed and history → signals (and mirror) → price worker → server.

        Nothing listens too late: the price worker consumes its first quote
        only once the generators are wired, and the server opens last. With
        ``server=False`` the server is left for ``start_server()``: the window
        fills its panels in between, so it is usable before the server (whose
        imports and routes take a quarter of a second) listens.
        """
        await self.engine.start()
        self._stoppers.append(self.engine.stop)
        try:
            if self.price_worker is not None:
                await self.price_worker.start_feed()
                self._stoppers.append(self.price_worker.stop)
                origin = getattr(self.feed, "clock", None)
                if isinstance(origin, datetime):
                    self.engine.clock.set_origin(origin)
                await self._record_sim_past()
                await self._load_history()
            for name in self.plugins:
                if name != "server":
                    await self._attach(name)
            if self.price_worker is not None:
                self.price_worker.start_stream()
            if server and "server" in self.plugins:
                await self._attach("server")
        except BaseException:
            await self.stop()
            raise
        self._started = True

    async def start_server(self) -> None:
        """Attach the server after ``start(server=False)``; on failure raise, leaving the rest running."""
        if "server" in self.plugins and self.server is None:
            await self._attach("server")

    async def _attach(self, name: str) -> None:
        stopper = await PLUGINS[name](self)
        if stopper is not None:
            self._stoppers.append(stopper)

    async def _record_sim_past(self) -> None:
        """Keep in the journal how the simulator's first start invented the past (``datafeeds.sim.resume``).

        Every restart then generates that past again. A journal that cannot
        take it (read-only, unavailable) only loses that: the next start
        invents the past as before.
        """
        past = getattr(self.feed, "past", None)
        if past is None or self.settings.read_only:
            return
        try:
            await self.engine.write_db("the simulated past", self.journal.save_sim_past, past.text())
        except PaperTerminalError as exc:
            log.warning("the simulated past was not recorded: %s", exc)

    async def _load_history(self) -> None:
        """Backfill every symbol's history from the feed, announcing progress on the bus."""
        feed = self.feed
        if feed is None:
            return
        series = [(symbol, timeframe) for symbol in self.engine.symbols for timeframe in Timeframe]
        bars = []
        for done, (symbol, timeframe) in enumerate(series, start=1):
            error = None
            try:
                fetched = await feed.history(symbol, timeframe, HISTORY_BARS)
            except Exception as exc:  # noqa: BLE001 - history is a nicety; live prices matter
                fetched, error = [], str(exc) or type(exc).__name__
                log.warning("no %s %s history from %s: %s", symbol, timeframe.value, feed.name, error)
            bars.extend(fetched)
            self.bus.publish(HistoryBackfillProgressed(done, len(series), symbol, timeframe.value, len(fetched), error))
        self.engine.seed_bars(bars)

    async def stop(self) -> None:
        """Stop everything started, newest first; the journal is flushed last by the engine."""
        while self._stoppers:
            stopper = self._stoppers.pop()
            try:
                await stopper()
            except Exception:  # keep stopping the rest
                log.exception("stopping %r failed", stopper)
        self._started = False


def build_runtime(
    settings: Settings,
    *,
    feed: PriceFeed | None = None,
    with_feed: bool = True,
    plugins: tuple[str, ...] = ("signals", "mirror", "server"),
) -> Runtime:
    """Wire bus, journal, broker, engine, feed and price worker from ``settings``.

    ``feed`` replaces the one ``settings.feed`` names (tests, embedding);
    ``plugins`` picks which of ``PLUGINS`` ``start()`` attaches, in order.

    The journal's current account wins over ``--balance/--currency/--leverage``
    (those make a *new* account: use ``reset_account`` to change them).
    """
    journal = open_journal(settings)
    try:
        return _build(settings, journal, feed, with_feed, plugins)
    except BaseException:
        close_quietly(journal)  # releases the journal's lock
        raise


def _build(
    settings: Settings, journal: SqlJournal, feed: PriceFeed | None, with_feed: bool, plugins: tuple[str, ...]
) -> Runtime:
    state = journal.load()
    if state.account is not None:
        balance, currency, leverage = state.account.initial_balance, state.account.currency, state.account.leverage
        if (settings.balance, settings.currency, settings.leverage) != (balance, currency, leverage):
            log.info(
                "the journal's account (%s %s, 1:%d) is kept; reset the account to change it",
                balance,
                currency,
                leverage,
            )
    else:
        balance, currency, leverage = settings.balance, settings.currency, settings.leverage
    broker = make_broker(settings, balance, currency, leverage)
    bus = EventBus()
    engine = TradingEngine(
        bus,
        broker,
        journal,
        symbols=settings.symbols,
        broker_factory=lambda b, c, lev: make_broker(settings, b, c, lev),
        clock=MarketClock(follows_wall=not feed_on_own_clock(settings)),
        max_open_trades=settings.risk.max_open_trades,
    )
    bridges = bridges_for(settings)
    if with_feed and feed is None:
        resume = None
        if settings.feed != "replay" and settings.feed not in BRIDGE_VENUES:
            from terminal.sim_resume import resume_point

            resume = resume_point(journal, settings.symbols, HISTORY_BARS)
        feed = make_feed(settings, resume, bridges)
    worker = PriceWorker(feed, engine.on_quote, settings.symbols) if feed is not None else None
    if feed is not None:
        engine.register_status_source(feed.status)
        if hasattr(feed, "set_last_quotes"):
            # The aggregator's stale fallback: the journal's last real prices (called off the loop).
            feed.set_last_quotes(journal.last_quotes)
    unknown = [name for name in plugins if name not in PLUGINS]
    if unknown:
        raise ValueError(f"unknown plug-in(s) {', '.join(unknown)}; known: {', '.join(PLUGINS)}")
    return Runtime(
        settings=settings,
        bus=bus,
        journal=journal,
        engine=engine,
        feed=feed,
        price_worker=worker,
        bridges=bridges,
        plugins=tuple(plugins),
    )


# -- plug-in points ------------------------------------------------------------------------


async def attach_signals(runtime: Runtime) -> Callable[[], Awaitable[None]] | None:
    """Start the SignalBook, the generators and auto-execution (``settings.signals``: the config
    file's ``[signals]`` max drift and ``[signals.auto]``, ``engine.signals.settings``)."""
    from engine.signals.setup import attach_signals as attach
    from terminal.commands.model import user_model_path

    signals = runtime.settings.signals  # engine.signals.settings.SignalSettings
    auto, drift = signals.auto, signals.drift
    stop: Callable[[], Awaitable[None]] = await attach(
        runtime.engine, auto=auto, model_paths=[user_model_path()], drift=drift
    )
    return stop


async def attach_mirror(runtime: Runtime) -> Callable[[], Awaitable[None]] | None:
    """Start the MetaTrader mirror chosen by ``--mirror`` and lend it to the engine (``engine.mirror``).

    The mirror is ``runtime.bridges.mirror`` (``bridges_for``: its client is
    shared with the feed when they use the same venue). ``start_mirror_service``
    registers ``service.status`` for ``GET feeds/``; the window pauses and
    resumes the service through ``engine.mirror``.
    """
    bridges = runtime.bridges
    if bridges is None or bridges.mirror is None:
        return None
    from bridges.factory import start_mirror_service

    service = await start_mirror_service(runtime.settings, runtime.engine, bridges.mirror)
    runtime.mirror = service
    runtime.engine.attach_mirror(service)

    async def stop() -> None:
        runtime.engine.attach_mirror(None)
        await service.stop()

    return stop


async def attach_server(runtime: Runtime) -> Callable[[], Awaitable[None]] | None:
    """Start the REST/WebSocket server (``engine.api.server.ApiServer``) and announce its URL.

    The server is built off the loop (``_build_server``: its imports, tokens
    and routes are a quarter of a second of work), so prices keep flowing to
    the window meanwhile; it binds and serves on the loop.
    """
    server = await run_in_thread(_build_server, runtime.engine, runtime.settings)
    await server.start()
    runtime.server = server
    if runtime.on_listening is not None:
        runtime.on_listening(server.url)
    return server.stop


def _build_server(engine: TradingEngine, settings: Settings) -> Any:
    """The ``ApiServer`` of ``settings``, not started (runs in a worker thread: it touches no loop)."""
    from engine.api.server import ApiServer
    from engine.api.tokens import load_or_create_tokens

    trading = settings.token.get_secret_value() if settings.token else None
    viewer = settings.viewer_token.get_secret_value() if settings.viewer_token else None
    return ApiServer(
        engine,
        settings.host,
        settings.port,
        load_or_create_tokens(trading=trading, viewer=viewer),
        allowed_origins=settings.allow_origin,
        stale_after=3 * settings.interval,
    )


PLUGINS: dict[str, Callable[[Runtime], Awaitable[Callable[[], Awaitable[None]] | None]]] = {
    "signals": attach_signals,
    "mirror": attach_mirror,
    "server": attach_server,
}


def run_in_thread(func: Callable[..., Any], *args: Any) -> Awaitable[Any]:
    """Run blocking set-up work (e.g. ``build_runtime``) off the loop."""
    return asyncio.get_running_loop().run_in_executor(None, func, *args)
