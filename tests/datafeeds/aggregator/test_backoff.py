"""Backoff: exponential with full jitter, Retry-After honoured."""

from __future__ import annotations

from datafeeds.aggregator.backoff import Backoff


def test_backoff_full_jitter_bounds_and_reset():
    draws = iter([0.5, 0.25])
    backoff = Backoff(base=2.0, cap=10.0, rng=lambda: next(draws))
    assert backoff.failed(100.0) == 1.0  # 2 × 0.5
    assert not backoff.ready(100.5) and backoff.ready(101.0)
    assert backoff.failed(101.0, retry_after=30.0) == 30.0
    assert Backoff(base=2.0, cap=10.0, rng=lambda: 1.0).delay_for(10) == 10.0
    backoff.succeeded()
    assert backoff.ready(0.0) and backoff.failures == 0
