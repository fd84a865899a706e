"""One poll round: ask the providers for the symbols' quotes within every budget.

Pass 1 — each provider serves the symbols the plan assigned to it.
Pass 2 — symbols still unanswered (their provider failed, rests, or has no
budget; or the plan could not place them) rotate through the providers in
priority order as *spare* use. Spare use is counted apart and may never eat
the budget a provider's own plan needs in any window or for the rest of the
day (``RateLimiter.spare_allowed``), so rotation never starves a plan.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime

from datafeeds.aggregator.breaker import BreakerState
from datafeeds.aggregator.limiter import RateLimiter, seconds_to_midnight
from datafeeds.aggregator.slots import ProviderSlot
from engine.errors import PaperTerminalError
from engine.values import Quote

log = logging.getLogger(__name__)


class Poller:
    """Runs poll rounds over ``slots`` (in priority order) with a shared limiter."""

    def __init__(
        self,
        slots: Sequence[ProviderSlot],
        limiter: RateLimiter,
        clock: Callable[[], datetime],
        interval: float,
        concurrency: int = 4,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.slots = list(slots)
        self.limiter = limiter
        self.clock = clock
        self.sleep = sleep
        self.interval = interval
        self.assignment: dict[str, str] = {}
        self._semaphore = asyncio.Semaphore(max(1, concurrency))

    async def poll(self, symbols: Sequence[str]) -> dict[str, Quote]:
        """Return the quotes answered this round, by symbol."""
        answered: dict[str, Quote] = {}
        for slot in self.slots:
            mine = [s for s in symbols if self.assignment.get(s) == slot.name]
            if mine:
                answered.update(await self._serve(slot, mine, fallback=False))
        for slot in self.slots:
            left = [
                s
                for s in symbols
                if s not in answered and self.assignment.get(s) != slot.name and slot.provider.supports(s)
            ]
            if left:
                answered.update(await self._serve(slot, left, fallback=True))
        return answered

    def planned_cost(self, slot: ProviderSlot) -> int:
        """Cost per poll of the symbols assigned to ``slot``."""
        n = sum(1 for name in self.assignment.values() if name == slot.name)
        return slot.provider.capabilities.quote_cost(n)

    def _fits(self, slot: ProviderSlot, cost: int, fallback: bool) -> bool:
        if not fallback:
            return self.limiter.allowed(slot.name, cost)
        return self.limiter.spare_allowed(slot.name, cost, self.planned_cost(slot), self.interval)

    async def _serve(self, slot: ProviderSlot, symbols: Sequence[str], fallback: bool) -> dict[str, Quote]:
        now = self.clock().timestamp()
        if not slot.quotes_usable() or not slot.ready(now):
            return {}
        caps = slot.provider.capabilities
        symbols = [s for s in symbols if slot.provider.supports(s)]
        batches = [list(symbols[i : i + caps.batch_size]) for i in range(0, len(symbols), caps.batch_size)]
        if slot.breaker.current(now) is BreakerState.HALF_OPEN:
            batches = batches[:1]  # one probe only
        calls: list[asyncio.Future[dict[str, Quote]]] = []
        try:
            for batch in batches:
                cost = caps.quote_cost(len(batch))
                await self._pace(slot, cost)
                if not self._fits(slot, cost, fallback):
                    break
                if not slot.breaker.allow(self.clock().timestamp()):
                    break
                self.limiter.spend(slot.name, cost, spare=fallback)
                calls.append(asyncio.ensure_future(self._call(slot, batch)))
            if not calls:
                return {}
            results = await asyncio.gather(*calls, return_exceptions=True)
        finally:
            for call in calls:
                call.cancel()  # no-op once done; stops strays when this round is cancelled
        answered: dict[str, Quote] = {}
        now = self.clock().timestamp()
        to_midnight = seconds_to_midnight(self.clock())
        for outcome in results:
            if isinstance(outcome, PaperTerminalError):
                slot.failed(outcome, now, self.limiter, to_midnight)
            elif isinstance(outcome, BaseException):
                if isinstance(outcome, asyncio.CancelledError):
                    raise outcome
                log.error("%s: unexpected %s while quoting", slot.name, type(outcome).__name__, exc_info=outcome)
                slot.failed(PaperTerminalError(f"{type(outcome).__name__}: {outcome}"), now, self.limiter, to_midnight)
            else:
                slot.succeeded(now)
                answered.update(outcome)
                slot.served.update(outcome)
        return answered

    async def _pace(self, slot: ProviderSlot, cost: int) -> None:
        """Wait out a sub-minute cap (Finnhub's 30 calls per second) instead of skipping."""
        short = [(w, lim) for w, lim in slot.provider.limits.windows() if w < 60.0]
        if not short:
            return
        wait = self.limiter.wait_time(slot.name, cost)
        if 0.0 < wait <= max(w for w, _ in short):
            await self.sleep(wait)

    async def _call(self, slot: ProviderSlot, batch: list[str]) -> dict[str, Quote]:
        async with self._semaphore:
            return await slot.provider.quotes(batch)
