"""CircuitBreaker: closed → open → one half-open probe → closed."""

from __future__ import annotations

from datafeeds.aggregator.breaker import BreakerState, CircuitBreaker


def test_breaker_allows_a_single_half_open_probe():
    breaker = CircuitBreaker(threshold=2, reset_after=10.0)
    breaker.failure(0.0)
    assert breaker.allow(1.0)
    breaker.failure(1.0)
    assert breaker.current(5.0) is BreakerState.OPEN and not breaker.allow(5.0)
    assert breaker.allow(11.0) and not breaker.allow(11.0)  # one probe only
    breaker.success()
    assert breaker.current(11.0) is BreakerState.CLOSED


def test_breaker_probe_failure_reopens_for_another_period():
    breaker = CircuitBreaker(threshold=1, reset_after=10.0)
    breaker.failure(0.0)
    assert breaker.allow(10.0)
    breaker.failure(10.0)
    assert breaker.current(19.0) is BreakerState.OPEN
    assert breaker.current(20.0) is BreakerState.HALF_OPEN
