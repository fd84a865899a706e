"""RateLimiter: rolling windows, the UTC day, spare use, persistence."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from datafeeds.aggregator.limiter import RateLimiter, seconds_to_midnight
from datafeeds.providers.base import ProviderLimits

LIMITS = {"td": ProviderLimits(per_minute=8, per_day=20)}


def test_rolling_minute_window_blocks_then_releases(clock):
    limiter = RateLimiter(LIMITS, clock)
    for _ in range(8):
        assert limiter.allowed("td", 1)
        limiter.spend("td", 1)
        clock.advance(5)
    assert not limiter.allowed("td", 1)
    assert limiter.wait_time("td", 1) == 20.0  # the first spend (40 s ago) leaves in 20 s
    clock.advance(20)
    assert limiter.allowed("td", 1)


def test_batch_larger_than_limit_never_fits(clock):
    limiter = RateLimiter(LIMITS, clock)
    assert limiter.wait_time("td", 9) == float("inf")


def test_daily_limit_waits_until_utc_midnight(clock):
    limiter = RateLimiter(LIMITS, clock)
    clock.advance(3600 * 23)
    for _ in range(20):
        limiter.spend("td", 1)
        clock.advance(61)
    assert limiter.left_today("td") == 0
    assert limiter.wait_time("td", 1) == seconds_to_midnight(clock())
    clock.advance(seconds_to_midnight(clock()))
    assert limiter.left_today("td") == 20 and limiter.allowed("td", 1)


def test_state_file_restores_today_only_and_survives_corruption(clock, tmp_path):
    import asyncio

    path = tmp_path / "state.json"
    first = RateLimiter(LIMITS, clock, path)
    first.spend("td", 7)
    first.paid_endpoints("td").add("time_series")
    asyncio.run(first.save())
    data = json.loads(path.read_text())
    assert data["used"] == {"td": 7} and data["paid"] == {"td": ["time_series"]}
    second = RateLimiter(LIMITS, clock, path)
    asyncio.run(second.load())
    assert second.used_today("td") == 7 and second.paid_endpoints("td") == {"time_series"}
    clock.advance(86_400)
    third = RateLimiter(LIMITS, clock, path)
    asyncio.run(third.load())
    assert third.used_today("td") == 0 and "time_series" in third.paid_endpoints("td")
    path.write_text("{not json")
    fourth = RateLimiter(LIMITS, clock, path)
    asyncio.run(fourth.load())
    assert fourth.used_today("td") == 0


def test_spare_use_never_eats_the_planned_share_of_a_window(clock):
    limiter = RateLimiter({"y": ProviderLimits(per_minute=60)}, clock)
    # Plan: 2 per poll every 5 s → 24 per minute reserved; spare may use at most 36.
    spare = 0
    while limiter.spare_allowed("y", 1, planned_per_poll=2, interval=5.0):
        limiter.spend("y", 1, spare=True)
        spare += 1
    assert spare == 36
    for _ in range(12):  # the plan's polls over the next minute all fit
        assert limiter.allowed("y", 2)
        limiter.spend("y", 2)
        clock.advance(5)


def test_spare_use_keeps_the_rest_of_the_day_for_the_plan(clock):
    limiter = RateLimiter({"td": ProviderLimits(per_day=800)}, clock)
    clock.advance(86_400 - 3600)  # one hour left: 60 polls at 60 s
    limiter.spend("td", 700)
    assert limiter.spare_allowed("td", 40, planned_per_poll=1, interval=60.0)
    assert not limiter.spare_allowed("td", 41, planned_per_poll=1, interval=60.0)


@settings(max_examples=50, deadline=None)
@given(
    steps=st.lists(
        st.tuples(st.floats(min_value=0, max_value=30), st.integers(1, 5), st.booleans()), min_size=1, max_size=200
    )
)
def test_spending_only_when_allowed_never_exceeds_any_rolling_window(steps):
    from tests.datafeeds.aggregator.fakes import FakeClock

    clock = FakeClock()
    limits = ProviderLimits(per_minute=10, per_hour=50, per_day=120)
    limiter = RateLimiter({"p": limits}, clock)
    log: list[tuple[float, int]] = []
    for gap, cost, spare in steps:
        clock.advance(gap)
        ok = limiter.spare_allowed("p", cost, 1, 30.0) if spare else limiter.allowed("p", cost)
        if ok:
            limiter.spend("p", cost, spare=spare)
            log.append((clock().timestamp(), cost))
    for t, _ in log:
        assert sum(c for u, c in log if t - 60 < u <= t) <= 10
        assert sum(c for u, c in log if t - 3600 < u <= t) <= 50
    assert sum(c for _, c in log) <= 120  # at most 200 × 30 s: within one UTC day
