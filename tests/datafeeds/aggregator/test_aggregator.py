"""AggregatedFeed: rotation, budgets, backoff, breaker, stale and sim fallbacks."""

from __future__ import annotations

import asyncio
import itertools
import logging

import pytest

from datafeeds.aggregator.aggregator import AggregatedFeed
from engine.errors import PaidOnlyEndpoint, ProviderAuthError, ProviderUnavailable, QuotaExhausted, RateLimited
from engine.values import Quote, Timeframe
from tests.datafeeds.aggregator.fakes import (
    ALPHA_LIMITS,
    TWELVE_LIMITS,
    YAHOO_LIMITS,
    FakeProvider,
    FakeSim,
    four_providers,
)

SYMBOLS = ["EURUSD", "GBPUSD", "USDJPY"]


def drain(feed: AggregatedFeed) -> list[Quote]:
    out = []
    while not feed._queue.empty():
        item = feed._queue.get_nowait()
        if item is not None:
            out.append(item)
    return out


async def test_priority_first_provider_serves_all(build, clock):
    providers = four_providers(clock)
    feed = build(providers)
    await feed.start(SYMBOLS)
    quotes = await feed.poll_once()
    assert {q.symbol for q in quotes} == set(SYMBOLS)
    assert {q.source for q in quotes} == {"yahoo"}
    assert [len(p.calls) for p in providers] == [3, 0, 0, 0]
    assert feed.mode == "live"


async def test_rotation_on_failure_next_provider_serves_same_poll(build, clock):
    providers = four_providers(clock)
    providers[0].failure = lambda: ProviderUnavailable("yahoo: DNSError")
    feed = build(providers)
    await feed.start(SYMBOLS)
    quotes = await feed.poll_once()
    assert {q.source for q in quotes} == {"twelvedata"}
    assert len(providers[1].calls) == 1 and providers[1].calls[0][1] == 3  # one batch, 3 credits
    yahoo = next(s for s in feed.status() if s.name == "yahoo")
    assert not yahoo.healthy and "DNSError" in yahoo.last_error


async def test_backoff_honours_retry_after_then_resumes(build, clock):
    providers = four_providers(clock)[:1]
    outcomes = iter([RateLimited("yahoo: 429", retry_after=150.0)])
    providers[0].failure = lambda: next(outcomes, None)
    feed = build(providers)
    await feed.start(["EURUSD"])
    await feed.poll_once()  # 429
    assert len(providers[0].calls) == 1
    clock.advance(60)
    await feed.poll_once()  # resting: not called
    clock.advance(60)
    await feed.poll_once()
    assert len(providers[0].calls) == 1
    clock.advance(60)  # 180 s > 150 s
    quotes = await feed.poll_once()
    assert len(providers[0].calls) == 2 and quotes and quotes[0].source == "yahoo"


async def test_backoff_grows_exponentially_with_jitter_cap(build, clock):
    providers = four_providers(clock)[:1]
    providers[0].failure = lambda: ProviderUnavailable("down")
    feed = build(providers, interval=1.0, backoff_base=2.0, breaker_threshold=100)
    await feed.start(["EURUSD"])
    call_times = []
    for _ in range(40):
        before = len(providers[0].calls)
        await feed.poll_once()
        if len(providers[0].calls) > before:
            call_times.append(clock().timestamp())
        clock.advance(1.0)
    gaps = [b - a for a, b in itertools.pairwise(call_times)]
    assert gaps[:4] == [2.0, 4.0, 8.0, 16.0]  # rng=1.0 → the full delay 2, 4, 8, 16 s


async def test_breaker_opens_probes_half_open_and_closes(build, clock):
    providers = four_providers(clock)[:1]
    failing = {"on": True}
    providers[0].failure = lambda: ProviderUnavailable("down") if failing["on"] else None
    feed = build(providers, interval=1.0, backoff_base=0.001, breaker_threshold=3, breaker_reset=30.0)
    await feed.start(SYMBOLS)
    for _ in range(3):
        await feed.poll_once()
        clock.advance(1.0)
    status = feed.status()[0]
    assert status.details["breaker"] == "open"
    calls = len(providers[0].calls)
    for _ in range(20):  # open: nothing goes out
        await feed.poll_once()
        clock.advance(1.0)
    assert len(providers[0].calls) == calls
    clock.advance(10.0)  # > 30 s since opening → half-open
    assert feed.status()[0].details["breaker"] == "half_open"
    await feed.poll_once()  # the probe fails → open again
    assert len(providers[0].calls) == calls + 1  # one probe only, not three symbols
    assert feed.status()[0].details["breaker"] == "open"
    clock.advance(31.0)
    failing["on"] = False
    quotes = await feed.poll_once()  # probe succeeds → closed
    assert feed.status()[0].details["breaker"] == "closed"
    assert len(quotes) == 1
    clock.advance(1.0)
    assert len(await feed.poll_once()) == 3  # closed: every symbol again


async def test_auth_error_disables_provider_and_replans(build, clock):
    providers = four_providers(clock)
    providers[0].failure = lambda: ProviderAuthError("yahoo: bad key")
    feed = build(providers)
    await feed.start(SYMBOLS)
    await feed.poll_once()
    yahoo = feed.status()[0]
    assert not yahoo.enabled and "bad key" in yahoo.last_error
    assert feed.plan.provider("yahoo").assigned == ()
    calls = len(providers[0].calls)
    clock.advance(60)
    quotes = await feed.poll_once()
    assert len(providers[0].calls) == calls  # never asked again
    # Replanned: at 60 s Twelve Data's 800/day carries nothing, Finnhub takes the symbols.
    assert feed.plan.assignment == dict.fromkeys(SYMBOLS, "finnhub")
    assert {q.source for q in quotes} == {"finnhub"}


async def test_quota_exhausted_rests_until_utc_midnight(build, clock):
    providers = four_providers(clock)[:2]
    providers[0].failure = lambda: None
    providers[1].failure = lambda: QuotaExhausted("twelvedata: day spent")
    providers[0].failure = lambda: ProviderUnavailable("down")
    feed = build(providers, breaker_threshold=1000)
    await feed.start(["EURUSD"])
    await feed.poll_once()
    assert feed.limiter.left_today("twelvedata") == 0
    providers[1].failure = None
    calls = len(providers[1].calls)
    clock.advance(3600)
    await feed.poll_once()
    assert len(providers[1].calls) == calls  # still resting today
    clock.now = clock.now.replace(hour=0, minute=0) + __import__("datetime").timedelta(days=1)
    quotes = await feed.poll_once()
    assert any(q.source == "twelvedata" for q in quotes)


async def test_quota_persists_across_restart(build, clock, tmp_path):
    providers = four_providers(clock)
    providers[0].failure = lambda: ProviderUnavailable("down")
    feed = build(providers)
    await feed.start(SYMBOLS)
    await feed.poll_once()
    await feed.stop()
    assert feed.limiter.used_today("twelvedata") == 3
    again = build(four_providers(clock))
    await again.start(SYMBOLS)
    assert again.limiter.used_today("twelvedata") == 3
    assert next(s for s in again.status() if s.name == "twelvedata").calls_left_today == 797
    clock.advance(86400)  # the next UTC day starts afresh
    assert again.limiter.used_today("twelvedata") == 0


async def test_paid_endpoint_learned_persisted_and_skipped(build, clock):
    providers = four_providers(clock)
    providers[0].capabilities = providers[1].capabilities  # yahoo "bars" share the endpoint name

    async def refuse(*args):
        providers[1].paid_endpoints.add("time_series")
        raise PaidOnlyEndpoint("twelvedata: plan")

    providers[0].failure = None
    providers[0].bars = refuse  # type: ignore[method-assign]
    feed = build(providers)
    await feed.start(SYMBOLS)
    providers[0].paid_endpoints = feed.limiter.paid_endpoints("yahoo")
    bars = await feed.history("EURUSD", Timeframe.M1, 5)
    assert len(bars) == 5 and providers[2].bar_calls == 1  # finnhub served after yahoo refused
    await feed.stop()
    again = build(four_providers(clock))
    await again.start(SYMBOLS)
    assert "time_series" in again.limiter.paid_endpoints("twelvedata")
    assert "time_series" in again._slots[1].provider.paid_endpoints


async def test_history_cached_and_raises_when_nobody_serves(build, clock):
    providers = four_providers(clock)
    feed = build(providers)
    await feed.start(SYMBOLS)
    first = await feed.history("EURUSD", Timeframe.M1, 10)
    second = await feed.history("EURUSD", Timeframe.M1, 10)
    assert first == second and providers[0].bar_calls == 1
    with pytest.raises(ProviderUnavailable, match="D1"):
        await feed.history("EURUSD", Timeframe.D1, 10)


async def test_stale_after_three_intervals_never_simulated(build, clock):
    providers = four_providers(clock)[:1]
    sims = []
    feed = build(providers, fallback_factory=lambda: sims.append(FakeSim(clock)) or sims[-1])
    await feed.start(["EURUSD"])
    live = await feed.poll_once()
    providers[0].failure = lambda: ProviderUnavailable("down")
    emitted = []
    for _ in range(4):
        clock.advance(60)
        emitted += await feed.poll_once()
    assert sims == []  # a real provider has served: no simulator
    assert len(emitted) == 1  # flagged once, at 3 × interval
    stale = emitted[0]
    assert stale.stale and (stale.bid, stale.ask, stale.time) == (live[0].bid, live[0].ask, live[0].time)
    assert feed.mode == "stale"
    providers[0].failure = None
    clock.advance(600)
    fresh = await feed.poll_once()
    assert fresh and not fresh[0].stale and feed.mode == "live"


async def test_stale_symbol_without_cache_uses_journal_quote(build, clock):
    providers = four_providers(clock)[:1]
    providers[0].missing = {"GBPUSD"}
    journal = [Quote("GBPUSD", 1.2649, 1.2651, clock(), source="twelvedata")]

    async def last_quotes():
        return journal

    feed = build(providers, last_quotes=last_quotes)
    await feed.start(["EURUSD", "GBPUSD"])
    emitted = []
    for _ in range(4):
        emitted += await feed.poll_once()
        clock.advance(60)
    gbp = [q for q in emitted if q.symbol == "GBPUSD"]
    assert len(gbp) == 1 and gbp[0].stale and gbp[0].bid == 1.2649


async def test_sim_fallback_when_none_can_serve_then_real_takes_over(build, clock):
    providers = four_providers(clock)
    for p in providers:
        p.failure = lambda: ProviderUnavailable("no network")
    sims: list[FakeSim] = []
    feed = build(providers, fallback_factory=lambda: sims.append(FakeSim(clock)) or sims[-1])
    await feed.start(SYMBOLS)
    await feed.poll_once()
    assert len(sims) == 1 and sims[0].started and feed.mode == "sim"
    await asyncio.sleep(0.01)  # let the forwarding task run
    assert {q.source for q in drain(feed)} == {"sim"}
    status = {s.name: s for s in feed.status()}
    assert status["sim"].in_use and status["sim"].details["mode"] == "sim"
    assert (await feed.history("EURUSD", Timeframe.D1, 3))[0].close == 1.0  # sim's history
    providers[0].failure = None
    for _ in range(10):  # the backoff passes, yahoo answers
        clock.advance(60)
        quotes = await feed.poll_once()
        if quotes:
            break
    assert quotes and quotes[0].source == "yahoo"
    assert sims[0].stopped and feed.mode == "live"
    assert "sim" not in {s.name for s in feed.status()}


async def test_status_reports_budget_and_use(build, clock):
    providers = four_providers(clock)
    feed = build(providers)
    await feed.start(SYMBOLS)
    await feed.poll_once()
    status = {s.name: s for s in feed.status()}
    assert status["yahoo"].calls_used_today == 3 and status["yahoo"].calls_left_today is None
    assert status["yahoo"].in_use and not status["twelvedata"].in_use
    assert status["alphavantage"].calls_left_today == 25
    assert status["yahoo"].details["assigned"] == SYMBOLS
    assert [s.details["priority"] for s in feed.status()] == [1, 2, 3, 4]


async def test_custom_priority_order(build, clock):
    providers = four_providers(clock)
    feed = build(providers, priority=("finnhub", "yahoo", "twelvedata", "alphavantage"))
    await feed.start(SYMBOLS)
    quotes = await feed.poll_once()
    assert {q.source for q in quotes} == {"finnhub"}


async def test_repeated_identical_quotes_not_reemitted(build, clock):
    providers = four_providers(clock)[:1]
    feed = build(providers)
    await feed.start(["EURUSD"])
    assert len(await feed.poll_once()) == 1
    assert len(await feed.poll_once()) == 0  # same clock → same quote


async def test_real_poll_loop_streams_and_stops(tmp_path):
    from tests.datafeeds.aggregator.fakes import FakeClock

    clock = FakeClock()
    provider = FakeProvider("yahoo", clock, YAHOO_LIMITS)
    feed = AggregatedFeed([provider], interval=0.01, state_path=tmp_path / "s.json", clock=clock)
    await feed.start(["EURUSD"])
    got = []

    async def consume():
        async for q in feed.stream():
            got.append(q)
            clock.advance(1)
            if len(got) == 3:
                await feed.stop()

    await asyncio.wait_for(consume(), timeout=5)
    assert len(got) == 3 and (tmp_path / "s.json").exists()
    assert feed._poll_task.done()


async def test_unexpected_provider_exception_is_contained(build, clock, caplog):
    providers = four_providers(clock)[:2]
    providers[0].failure = lambda: (_ for _ in ()).throw(ZeroDivisionError("bug"))
    feed = build(providers)
    await feed.start(["EURUSD"])
    with caplog.at_level(logging.ERROR):
        quotes = await feed.poll_once()
    assert quotes and quotes[0].source == "twelvedata"
    assert "ZeroDivisionError" in caplog.text


def test_limits_used_by_fakes_match_real_providers():
    from datafeeds.providers.alphavantage import AlphaVantageProvider
    from datafeeds.providers.twelvedata import TwelveDataProvider
    from datafeeds.providers.yahoo import YahooProvider

    assert YahooProvider.limits.per_hour == YAHOO_LIMITS.per_hour
    assert TwelveDataProvider.limits.per_day == TWELVE_LIMITS.per_day
    assert AlphaVantageProvider.limits.per_day == ALPHA_LIMITS.per_day


async def test_sync_journal_reader_runs_off_the_loop_and_failures_are_contained(build, clock):
    import threading

    providers = four_providers(clock)[:1]
    providers[0].missing = {"GBPUSD", "USDJPY"}
    threads = []

    def last_quotes():
        threads.append(threading.current_thread().name)
        return [Quote("GBPUSD", 1.2649, 1.2651, clock(), source="yahoo")]

    feed = build(providers, last_quotes=last_quotes)
    await feed.start(["EURUSD", "GBPUSD", "USDJPY"])
    emitted = []
    for _ in range(4):
        emitted += await feed.poll_once()
        clock.advance(60)
    assert threads and threads[0] != threading.current_thread().name
    assert [q.symbol for q in emitted if q.stale] == ["GBPUSD"]

    def broken():
        raise OSError("database is locked")

    feed.set_last_quotes(broken)
    feed._emitted.clear()
    assert [q.symbol for q in await feed.poll_once() if q.stale] == []


async def test_per_second_cap_paces_calls_instead_of_dropping_symbols(build, clock):
    from datafeeds.providers.base import ProviderLimits

    provider = FakeProvider("finnhub", clock, ProviderLimits(per_minute=60, per_second=2))
    feed = build([provider], priority=("finnhub",))
    await feed.start([*SYMBOLS, "USDCHF", "AUDUSD", "USDCAD"])
    began = clock()
    quotes = await feed.poll_once()
    assert len(quotes) == 6 and provider.violations == 0
    assert (clock() - began).total_seconds() >= 2.0  # 6 calls at 2 per second
    assert feed.plan.provider("finnhub").capacity == 54  # the per-second cap only paces


async def test_history_never_eats_the_budget_planned_quotes_need(build, clock):
    providers = four_providers(clock)[:1]  # yahoo: 60/min, 30 symbols planned at 60 s
    feed = build(providers)
    symbols = [s for s in __import__("engine.instruments", fromlist=["SPECS"]).SPECS if s != "XAUUSD"][:29]
    await feed.start(symbols)
    served = 0
    for timeframe in (Timeframe.M1, Timeframe.H1):  # 58 requests
        for symbol in symbols:
            try:
                await feed.history(symbol, timeframe, 5)
                served += 1
            except ProviderUnavailable as exc:
                assert "no budget beyond its quotes" in str(exc)
    assert served == 60 - 29  # the minute's budget minus the plan's share
    quotes = await feed.poll_once()
    assert len(quotes) == 29 and providers[0].violations == 0
