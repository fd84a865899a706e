"""Fakes for the aggregator tests: a controllable clock and providers that police their limits.

``FakeProvider`` implements ``QuoteProvider`` faithfully: it answers quotes
and bars like a real provider, and it records every call with the clock's
time and raises ``RateLimited``/``QuotaExhausted`` as the real venue would
when its limits are exceeded (``violations`` counts those).
"""

from __future__ import annotations

import asyncio
import bisect
from collections import deque
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta, timezone

from datafeeds.providers.base import Capabilities, ProviderLimits, quote_from_price
from engine.errors import PaperTerminalError, QuotaExhausted, RateLimited
from engine.instruments import SPECS
from engine.values import Bar, Quote, Timeframe

START = datetime(2026, 11, 25, 0, 0, tzinfo=timezone.utc)


class FakeClock:
    def __init__(self, start: datetime = START) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)

    async def sleep(self, seconds: float) -> None:
        """Let ready tasks run at the current time, then jump the clock (no real waiting)."""
        await asyncio.sleep(0)
        self.advance(seconds)


class FakeProvider:
    needs_key = True

    def __init__(
        self, name: str, clock: FakeClock, limits: ProviderLimits, capabilities: Capabilities | None = None
    ) -> None:
        self.name = name
        self.limits = limits
        self.capabilities = capabilities or Capabilities(
            batch_size=1, bar_endpoints={Timeframe.M1: "candles", Timeframe.H1: "candles"}
        )
        self.paid_endpoints: set[str] = set()
        self.clock = clock
        self.calls: list[tuple[datetime, int]] = []
        self.bar_calls = 0
        self.violations = 0
        self.failure: Callable[[], PaperTerminalError | None] | None = None
        self.missing: set[str] = set()
        self._times: list[float] = []
        self._cum: list[int] = []
        self._day = clock().date()
        self._today = 0

    def supports(self, symbol: str) -> bool:
        return symbol in SPECS and symbol not in self.capabilities.unsupported

    def _charge(self, cost: int) -> None:
        """Record a call; raise as the venue would when a rolling window or the day overflows."""
        now = self.clock()
        self.calls.append((now, cost))
        t = now.timestamp()
        self._times.append(t)
        self._cum.append((self._cum[-1] if self._cum else 0) + cost)
        for window, limit in self.limits.windows():
            j = bisect.bisect_right(self._times, t - window)
            spent = self._cum[-1] - (self._cum[j - 1] if j > 0 else 0)
            if spent > limit:
                self.violations += 1
                raise RateLimited(f"{self.name}: over {limit} per {window:.0f} s", retry_after=window)
        if now.date() != self._day:
            self._day, self._today = now.date(), 0
        self._today += cost
        if self.limits.per_day is not None and self._today > self.limits.per_day:
            self.violations += 1
            raise QuotaExhausted(f"{self.name}: over {self.limits.per_day} per day")

    async def quotes(self, symbols: Sequence[str]) -> dict[str, Quote]:
        assert len(symbols) <= self.capabilities.batch_size
        if self.failure is not None:
            error = self.failure()
            if error is not None:
                self.calls.append((self.clock(), self.capabilities.quote_cost(len(symbols))))
                raise error
        self._charge(self.capabilities.quote_cost(len(symbols)))
        spec_price = {s: SPECS[s].base_price for s in symbols}
        return {
            s: quote_from_price(s, spec_price[s], self.clock(), self.name) for s in symbols if s not in self.missing
        }

    async def bars(self, symbol: str, timeframe: Timeframe, count: int) -> list[Bar]:
        self.bar_calls += 1
        endpoint = self.capabilities.bar_endpoints.get(timeframe)
        if endpoint in self.paid_endpoints:
            raise AssertionError("a paid-only endpoint was called again")
        self._charge(1)
        end = timeframe.floor(self.clock())
        return [
            Bar(symbol, timeframe, end - timedelta(seconds=timeframe.seconds * (count - i)), 1.1, 1.2, 1.0, 1.15)
            for i in range(count)
        ]


class FakeSim:
    """A PriceFeed standing in for the simulator: one quote per symbol on start."""

    name = "sim"

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.started = False
        self.stopped = False
        self._queue: deque[Quote] = deque()

    async def start(self, symbols):
        self.started = True
        for s in symbols:
            self._queue.append(quote_from_price(s, SPECS[s].base_price * 0.5, self.clock(), "sim"))

    async def stop(self):
        self.stopped = True

    async def stream(self):
        while self._queue:
            yield self._queue.popleft()

    async def history(self, symbol, timeframe, count):
        return [
            Bar(
                symbol,
                timeframe,
                timeframe.floor(self.clock()) - timedelta(seconds=timeframe.seconds),
                1.0,
                1.0,
                1.0,
                1.0,
            )
        ]

    def status(self):
        return []


YAHOO_LIMITS = ProviderLimits(per_minute=60, per_hour=2000, official=False)
TWELVE_LIMITS = ProviderLimits(per_minute=8, per_day=800)
FINNHUB_LIMITS = ProviderLimits(per_minute=60, per_second=25)
ALPHA_LIMITS = ProviderLimits(per_minute=5, per_day=25)


def four_providers(clock: FakeClock) -> list[FakeProvider]:
    """Fakes with the four real providers' names, free limits and batching."""
    return [
        FakeProvider("yahoo", clock, YAHOO_LIMITS),
        FakeProvider(
            "twelvedata",
            clock,
            TWELVE_LIMITS,
            Capabilities(batch_size=8, cost_per_symbol=True, bar_endpoints={Timeframe.M1: "time_series"}),
        ),
        FakeProvider(
            "finnhub",
            clock,
            FINNHUB_LIMITS,
            Capabilities(batch_size=1, quotes_reliable=False, bar_endpoints={Timeframe.M1: "forex/candle"}),
        ),
        FakeProvider("alphavantage", clock, ALPHA_LIMITS),
    ]
