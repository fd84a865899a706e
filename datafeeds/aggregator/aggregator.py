"""AggregatedFeed: one ``PriceFeed`` over several providers, in priority order.

Every ``interval`` seconds the feed polls the symbols (see ``polling``):
each provider serves the symbols the budget planner assigned it; failures
rotate to the next provider within its budget. What the feed emits:

- *live*: a real provider answered; the quote is forwarded (unchanged repeats are not);
- *stale*: no provider answered a symbol within ``3 × interval`` seconds after
  a real provider has served since start: the cached quote (or the journal's
  last quote, from the injected ``last_quotes``) is emitted once with
  ``stale=True`` — never a simulated price;
- *sim*: no real provider has served since start and none could this round:
  the simulator from ``fallback_factory`` takes over until a real one answers.

``status()`` says which, per provider and (when used) for the simulator.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import random
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from datetime import datetime, timezone
from pathlib import Path

import httpx

from datafeeds.aggregator.backoff import Backoff
from datafeeds.aggregator.breaker import CircuitBreaker
from datafeeds.aggregator.cache import BarCache, QuoteCache
from datafeeds.aggregator.fallback import SimFallback, log_task_failure
from datafeeds.aggregator.limiter import RateLimiter, seconds_to_midnight
from datafeeds.aggregator.planner import DEFAULT_PRIORITY, Plan, ProviderInfo, plan
from datafeeds.aggregator.polling import Poller
from datafeeds.aggregator.slots import ProviderSlot
from datafeeds.providers.base import QuoteProvider
from engine.errors import PaperTerminalError, ProviderUnavailable
from engine.ports import PriceFeed
from engine.values import Bar, FeedStatus, Quote, Timeframe

log = logging.getLogger(__name__)

ProviderSource = Sequence[QuoteProvider] | Callable[[httpx.AsyncClient], Sequence[QuoteProvider]]
LastQuotes = Callable[[], Iterable[Quote] | Awaitable[Iterable[Quote]]]


class AggregatedFeed:
    """Priority rotation over providers with budgets, backoff, breakers, caches and fallbacks.

    ``providers`` is a list, or a callable run in a worker thread at start
    with the shared ``httpx.AsyncClient`` (it may read keys from the keyring).
    ``sources`` are the ``PriceFeed``s some of those providers wrap (MetaTrader's,
    ``datafeeds.providers.feed_source``), so that their owner can share their link;
    a provider with an ``aclose()`` is closed when the feed stops.
    ``clock`` returns aware UTC datetimes; ``sleep`` is awaited between polls
    (both injectable for tests). The feed owns ``client`` when it creates it.
    With ``autopoll=False`` no polling task runs: the owner calls ``poll_once()``.
    """

    def __init__(
        self,
        providers: ProviderSource,
        *,
        name: str = "auto",
        interval: float = 5.0,
        priority: Sequence[str] = DEFAULT_PRIORITY,
        state_path: Path | None = None,
        clock: Callable[[], datetime] | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        fallback_factory: Callable[[], PriceFeed] | None = None,
        last_quotes: LastQuotes | None = None,
        client: httpx.AsyncClient | None = None,
        rng: Callable[[], float] = random.random,
        breaker_threshold: int = 3,
        breaker_reset: float = 60.0,
        backoff_base: float = 2.0,
        backoff_cap: float = 300.0,
        reserve: float = 0.10,
        queue_size: int = 10_000,
        autopoll: bool = True,
        sources: Sequence[PriceFeed] = (),
    ) -> None:
        if interval <= 0:
            raise ValueError("interval must be a positive number of seconds")
        self.name = name
        self.sources = tuple(sources)
        self.interval = float(interval)
        self.stale_after = 3.0 * self.interval
        self._source = providers
        self._priority = tuple(priority)
        self._state_path = state_path
        self._clock = clock or (lambda: datetime.now(timezone.utc))
        self._sleep = sleep
        self._last_quotes = last_quotes
        self._client = client
        self._owns_client = False
        self._rng = rng
        self._breaker = (breaker_threshold, breaker_reset)
        self._backoff = (backoff_base, backoff_cap)
        self._reserve = reserve
        self._queue: asyncio.Queue[Quote | None] = asyncio.Queue(maxsize=queue_size)
        self._symbols: list[str] = []
        self._slots: list[ProviderSlot] = []
        self.limiter: RateLimiter | None = None
        self._poller: Poller | None = None
        self.plan: Plan | None = None
        self.quotes = QuoteCache()
        self.bars_cache = BarCache()
        self._emitted: dict[str, tuple[float, float, datetime, bool]] = {}
        self._stale: set[str] = set()
        self._started_at = 0.0
        self._ever_served = False
        self._journal_quotes: dict[str, Quote] | None = None
        self._sim = SimFallback(fallback_factory, self._put, name)
        self._poll_task: asyncio.Task[None] | None = None
        self._running = False
        self._autopoll = autopoll
        self._first_round = asyncio.Event()

    # --- lifecycle --------------------------------------------------------------

    async def start(self, symbols: Sequence[str]) -> None:
        """Load budgets, plan the symbols, and start polling (a named, owned task)."""
        self._symbols = list(dict.fromkeys(s.upper() for s in symbols))
        providers = await self._providers()
        rank = {n: i for i, n in enumerate(self._priority)}
        providers = sorted(providers, key=lambda p: rank.get(p.name, len(rank)))
        self.limiter = RateLimiter({p.name: p.limits for p in providers}, self._clock, self._state_path)
        self._slots = []
        for i, provider in enumerate(providers):
            shared = self.limiter.paid_endpoints(provider.name)
            shared.update(provider.paid_endpoints)
            provider.paid_endpoints = shared
            self._slots.append(
                ProviderSlot(
                    provider=provider,
                    priority=i + 1,
                    backoff=Backoff(self._backoff[0], self._backoff[1], self._rng),
                    breaker=CircuitBreaker(self._breaker[0], self._breaker[1]),
                )
            )
        await self.limiter.load()
        self._poller = Poller(self._slots, self.limiter, self._clock, self.interval, sleep=self._sleep)
        self.replan()
        self._started_at = self._now()
        self._running = True
        if self._autopoll:
            self._poll_task = asyncio.create_task(self._run(), name=f"feeds.{self.name}.poll")
            self._poll_task.add_done_callback(log_task_failure)

    async def stop(self) -> None:
        """Stop polling and the simulator, save the budgets, close an owned HTTP client."""
        self._running = False
        if self._poll_task is not None and not self._poll_task.done():
            self._poll_task.cancel()
            await asyncio.gather(self._poll_task, return_exceptions=True)
        await self._sim.stop(resumed=False)
        for slot in self._slots:
            close = getattr(slot.provider, "aclose", None)
            if close is not None:
                try:
                    await close()
                except Exception:  # stop the others anyway
                    log.exception("%s: closing provider %s failed", self.name, slot.name)
        if self.limiter is not None:
            await self.limiter.save()
        if self._owns_client and self._client is not None:
            await self._client.aclose()
            self._client = None
        self._put(None)

    @property
    def priority(self) -> tuple[str, ...]:
        """Provider names in the order they are tried."""
        return self._priority

    def replan(self) -> Plan:
        """Recompute the plan from the enabled providers (after one was disabled, say)."""
        infos = [
            ProviderInfo(
                name=s.name,
                limits=s.provider.limits,
                capabilities=s.provider.capabilities,
                available=s.quotes_usable(),
                reason=s.disabled_reason or "",
                unsupported=frozenset(x for x in self._symbols if not s.provider.supports(x)),
            )
            for s in self._slots
        ]
        self.plan = plan(self._symbols, self.interval, infos, self._priority, self._reserve)
        if self._poller is not None:
            self._poller.assignment = dict(self.plan.assignment)
        if self.plan.uncovered:
            log.warning(
                "%s: no free budget carries %s every %.0f s; they get spare budget only",
                self.name,
                ", ".join(self.plan.uncovered),
                self.interval,
            )
        return self.plan

    async def stream(self) -> AsyncIterator[Quote]:
        """Yield quotes (live, stale or simulated) until ``stop()``."""
        while True:
            quote = await self._queue.get()
            if quote is None:
                return
            yield quote

    def set_last_quotes(self, last_quotes: LastQuotes | None) -> None:
        """Plug in the journal's last quotes (the stale fallback for never-answered symbols)."""
        self._last_quotes = last_quotes
        self._journal_quotes = None

    # --- polling ----------------------------------------------------------------

    async def _run(self) -> None:
        while self._running:
            began = self._now()
            try:
                await self.poll_once()
            except Exception:  # one bad round must not end the feed
                log.exception("%s: poll round failed", self.name)
            if self.limiter is not None:
                await self.limiter.save()
            await self._sleep(max(0.0, self.interval - (self._now() - began)))

    async def poll_once(self) -> list[Quote]:
        """Run one poll round and emit what it produced; return the emitted quotes."""
        assert self._poller is not None, "start() first"
        usable_before = [s.quotes_usable() for s in self._slots]
        answered = await self._poller.poll(self._symbols)
        if [s.quotes_usable() for s in self._slots] != usable_before:
            self.replan()
        now = self._now()
        emitted: list[Quote] = []
        for quote in answered.values():
            self.quotes.put(quote, now)
            emitted += self._emit(quote)
        if answered and not self._ever_served:
            self._ever_served = True
            log.info("%s: live prices from %s", self.name, sorted({q.source for q in answered.values()}))
            await self._sim.stop(resumed=True)
        if not self._ever_served:
            await self._sim.start(self._symbols)
            self._first_round.set()
            return emitted
        for symbol in self._symbols:
            if symbol in answered:
                continue
            age = self.quotes.age(symbol, now)
            since = age if age is not None else now - self._started_at
            if since < self.stale_after:
                continue
            stale = self.quotes.stale_copy(symbol) or await self._journal_quote(symbol)
            if stale is not None:
                emitted += self._emit(stale)
        self._first_round.set()
        return emitted

    def _emit(self, quote: Quote) -> list[Quote]:
        key = (quote.bid, quote.ask, quote.time, quote.stale)
        if self._emitted.get(quote.symbol) == key:
            return []
        self._emitted[quote.symbol] = key
        if quote.stale:
            self._stale.add(quote.symbol)
        else:
            self._stale.discard(quote.symbol)
        self._put(quote)
        return [quote]

    def _put(self, item: Quote | None) -> None:
        if self._queue.full():
            self._queue.get_nowait()  # drop the oldest rather than grow without bound
        self._queue.put_nowait(item)

    async def _journal_quote(self, symbol: str) -> Quote | None:
        if self._last_quotes is None:
            return None
        if self._journal_quotes is None:
            try:
                if inspect.iscoroutinefunction(self._last_quotes):
                    result = await self._last_quotes()
                else:  # a synchronous journal read: keep it off the loop
                    result = await asyncio.to_thread(self._last_quotes)
                    if inspect.isawaitable(result):
                        result = await result
                self._journal_quotes = {q.symbol: q for q in result}
            except Exception as exc:  # noqa: BLE001 - a journal failure must not stop the feed
                log.warning("%s: no last quotes from the journal: %s", self.name, exc)
                self._journal_quotes = {}
        quote = self._journal_quotes.get(symbol)
        if quote is None:
            return None
        return Quote(
            symbol=quote.symbol, bid=quote.bid, ask=quote.ask, time=quote.time, source=quote.source, stale=True
        )

    # --- simulator fallback -----------------------------------------------------

    @property
    def mode(self) -> str:
        """``sim``, ``stale`` (some symbol is stale), ``live``, or ``idle`` before any answer."""
        if self._sim.active:
            return "sim"
        if not self._ever_served:
            return "idle"
        if self._stale:
            return "stale"
        return "live"

    # --- history ----------------------------------------------------------------

    async def history(self, symbol: str, timeframe: Timeframe, count: int) -> list[Bar]:
        """Closed bars from the first provider (priority order) that can serve them.

        Skips providers without the timeframe, with a paid-only endpoint, resting,
        or without budget beyond what their planned quotes need (history is spare
        use). Falls back to the simulator's history in *sim* mode; otherwise
        raises ``ProviderUnavailable`` listing each provider's reason.
        """
        symbol = symbol.upper()
        if self._autopoll and self._running and not self._first_round.is_set():
            # Wait for the first poll round: by then the feed is live, or the simulator stands in.
            try:
                async with asyncio.timeout(max(30.0, 2 * self.interval)):
                    await self._first_round.wait()
            except TimeoutError:
                log.warning("%s: first poll round still running; asking for history anyway", self.name)
        now = self._now()
        cached = self.bars_cache.get(symbol, timeframe, count, now)
        if cached is not None:
            return cached
        reasons: list[str] = []
        assert self.limiter is not None, "start() first"
        for slot in self._slots:
            endpoint = slot.provider.capabilities.bar_endpoints.get(timeframe)
            if endpoint is None or not slot.provider.supports(symbol):
                continue
            if endpoint in slot.provider.paid_endpoints:
                reasons.append(f"{slot.name}: {endpoint} is paid-only")
                continue
            planned = self._poller.planned_cost(slot) if self._poller else 0
            if not slot.ready(now) or not self.limiter.spare_allowed(slot.name, 1, planned, self.interval):
                reasons.append(f"{slot.name}: resting, or no budget beyond its quotes")
                continue
            self.limiter.spend(slot.name, 1, spare=True)
            try:
                bars = await slot.provider.bars(symbol, timeframe, count)
            except PaperTerminalError as exc:
                slot.failed(exc, self._now(), self.limiter, seconds_to_midnight(self._clock()))
                reasons.append(f"{slot.name}: {exc}")
                continue
            slot.succeeded(self._now())
            if bars:
                self.bars_cache.put(symbol, timeframe, bars, now, requested=count)
                return bars
            reasons.append(f"{slot.name}: no bars")
        if self._sim.feed is not None:
            return await self._sim.feed.history(symbol, timeframe, count)
        raise ProviderUnavailable(
            f"no provider served {symbol} {timeframe.value} bars: " + ("; ".join(reasons) or "none carries it")
        )

    # --- status -----------------------------------------------------------------

    def status(self) -> list[FeedStatus]:
        """One ``FeedStatus`` per provider, plus ``sim`` while the simulator stands in."""
        now = self._now()
        mode = self.mode
        out: list[FeedStatus] = []
        for slot in self._slots:
            assert self.limiter is not None
            part = self.plan.provider(slot.name) if self.plan else None
            recent = slot.last_success_at is not None and now - slot.last_success_at <= self.stale_after
            out.append(
                FeedStatus(
                    name=slot.name,
                    enabled=slot.enabled,
                    healthy=slot.healthy(),
                    last_error=slot.last_error or slot.disabled_reason,
                    calls_used_today=self.limiter.used_today(slot.name),
                    calls_left_today=self.limiter.left_today(slot.name),
                    in_use=recent and mode != "sim",
                    details={
                        "priority": slot.priority,
                        "mode": mode,
                        "breaker": slot.breaker.current(now).value,
                        "assigned": list(part.assigned) if part else [],
                        "capacity": part.capacity if part else 0,
                        "interval": self.interval,
                        "uncovered": list(self.plan.uncovered) if self.plan else [],
                        "paid_only": sorted(slot.provider.paid_endpoints),
                        "needs_key": slot.provider.needs_key,
                        "limits": {
                            "per_minute": slot.provider.limits.per_minute,
                            "per_hour": slot.provider.limits.per_hour,
                            "per_day": slot.provider.limits.per_day,
                            "official": slot.provider.limits.official,
                        },
                    },
                )
            )
        if self._sim.active:
            out.append(
                FeedStatus(
                    name="sim",
                    enabled=True,
                    healthy=True,
                    in_use=True,
                    details={"mode": "sim", "reason": "no real provider has served since start"},
                )
            )
        return out

    # --- helpers ----------------------------------------------------------------

    def _now(self) -> float:
        return self._clock().timestamp()

    async def _providers(self) -> list[QuoteProvider]:
        if callable(self._source):
            if self._client is None:
                from datafeeds.providers.http import make_client

                self._client = make_client()
                self._owns_client = True
            return list(await asyncio.to_thread(self._source, self._client))
        return list(self._source)
