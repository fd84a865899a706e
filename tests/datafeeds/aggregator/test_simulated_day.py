"""A whole day on a fake clock: no provider's budget is ever exceeded.

The fakes police the real free limits themselves (rolling windows and the UTC
day) and count every violation; the aggregator must never cause one.
"""

from __future__ import annotations

import random

from datafeeds.aggregator.build import provider_infos
from datafeeds.aggregator.planner import plan
from engine.errors import ProviderUnavailable
from engine.instruments import SPECS
from tests.datafeeds.aggregator.fakes import four_providers

THIRTY = [*[s for s in SPECS if s != "XAUUSD"][:29], "XAUUSD"]


async def run_day(feed, clock, symbols, interval):
    """Poll a full day; return how many polls left some symbol without a fresh quote."""
    await feed.start(symbols)
    incomplete = 0
    for _ in range(int(86_400 / interval)):
        await feed.poll_once()
        fresh = sum(1 for s in symbols if feed.quotes.age(s, clock().timestamp()) == 0)
        incomplete += fresh < len(symbols)
        clock.advance(interval)
    return incomplete


async def test_thirty_symbols_at_60s_all_day_within_every_budget(build, clock):
    assert len(THIRTY) == 30
    providers = four_providers(clock)
    providers[0].capabilities = type(providers[0].capabilities)(
        batch_size=1, unsupported=frozenset({"XAUUSD"})
    )  # like Yahoo: no gold
    feed = build(providers, interval=60.0)
    incomplete = await run_day(feed, clock, THIRTY, 60.0)
    assert [p.violations for p in providers] == [0, 0, 0, 0]
    assert incomplete == 0  # every symbol fresh on every poll
    used = {p.name: sum(c for _, c in p.calls) for p in providers}
    assert used["yahoo"] == 29 * 1440 and used["finnhub"] == 1440  # gold rides on Finnhub


async def test_day_with_yahoo_outage_rotates_without_exceeding(build, clock):
    providers = four_providers(clock)
    rng = random.Random(7)
    start = clock().timestamp()

    def yahoo_failure():
        hours = (clock().timestamp() - start) / 3600
        if 6 <= hours < 9 or rng.random() < 0.02:
            return ProviderUnavailable("yahoo: outage")
        return None

    providers[0].failure = yahoo_failure
    feed = build(providers, interval=60.0)
    symbols = THIRTY[:29]
    await run_day(feed, clock, symbols, 60.0)
    assert [p.violations for p in providers] == [0, 0, 0, 0]
    assert feed.limiter.used_today("alphavantage") <= 25
    # During the outage the others carried what their budgets allowed.
    first_day = providers[1].calls[0][0].date()
    assert sum(c for t, c in providers[1].calls if t.date() == first_day) <= 800
    assert len(providers[2].calls) > 0


async def test_capacity_matches_planner_at_5s(build, clock):
    infos = provider_infos(symbols=THIRTY)
    p5 = plan(THIRTY, 5.0, infos)
    carried = list(p5.assignment)
    providers = four_providers(clock)
    feed = build(providers, interval=5.0)
    # One hour at 5 s is enough to hit every rolling window (minute, hour) many times.
    await feed.start(carried)
    incomplete = 0
    for _ in range(720):
        await feed.poll_once()
        now = clock().timestamp()
        incomplete += any(feed.quotes.age(s, now) != 0 for s in carried)
        clock.advance(5.0)
    assert len(carried) == p5.total_capacity == 6
    assert incomplete == 0 and [p.violations for p in providers] == [0, 0, 0, 0]


async def test_more_symbols_than_capacity_never_exceed_and_planned_stay_fresh(build, clock):
    providers = four_providers(clock)
    feed = build(providers, interval=5.0)
    await feed.start(THIRTY)
    planned = list(feed.plan.assignment)
    spare_served = set()
    for _ in range(1440):  # two hours at 5 s
        await feed.poll_once()
        now = clock().timestamp()
        assert all(feed.quotes.age(s, now) == 0 for s in planned)
        spare_served.update(s for s in feed.plan.uncovered if feed.quotes.age(s, now) == 0)
        clock.advance(5.0)
    assert [p.violations for p in providers] == [0, 0, 0, 0]
    assert feed.limiter.used_today("alphavantage") <= 25
    assert spare_served  # spare budget still reached some of the rest
