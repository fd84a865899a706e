"""Broker server time → UTC."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bridges.mt5.timezone import ServerClock, round_to_half_hour

NOW = datetime(2026, 11, 24, 12, 0, 0, tzinfo=timezone.utc)


def test_observe_fresh_tick_detects_offset_rounded_to_half_hour():
    clock = ServerClock()
    server_epoch = NOW.timestamp() + 2 * 3600 - 7  # GMT+2, tick 7 s old
    assert clock.observe(server_epoch, NOW) == 7200
    assert clock.to_utc(server_epoch) == datetime(2026, 11, 24, 11, 59, 53, tzinfo=timezone.utc)


def test_observe_half_hour_offset_india():
    clock = ServerClock()
    clock.observe(NOW.timestamp() + 5.5 * 3600, NOW)
    assert clock.offset_seconds == 19800


def test_observe_old_tick_does_not_lower_estimate():
    clock = ServerClock()
    clock.observe(NOW.timestamp() + 3 * 3600, NOW)           # fresh: GMT+3
    clock.observe(NOW.timestamp() + 3 * 3600 - 4 * 3600, NOW)  # a 4 h old tick of a quiet symbol
    assert clock.offset_seconds == 3 * 3600


def test_observe_weekend_tick_is_implausible_and_ignored():
    clock = ServerClock()
    assert clock.observe(NOW.timestamp() - 2 * 86400, NOW) is None
    assert clock.offset_seconds == 0 and not clock.is_known


def test_configured_offset_overrides_detection():
    clock = ServerClock(configured_offset_hours=3)
    clock.observe(NOW.timestamp() + 2 * 3600, NOW)
    assert clock.offset_seconds == 3 * 3600
    assert clock.to_server_naive(NOW) == datetime(2026, 11, 24, 15, 0)


def test_configured_offset_out_of_range_is_refused():
    with pytest.raises(ValueError, match="server_utc_offset_hours"):
        ServerClock(configured_offset_hours=20)


@settings(max_examples=60, deadline=None)
@given(half_hours=st.integers(-24, 28), age=st.floats(0, 800))
def test_round_trip_utc_server_utc_for_any_offset(half_hours, age):
    clock = ServerClock()
    offset = half_hours * 1800
    server_epoch = NOW.timestamp() + offset - age
    clock.observe(server_epoch, NOW)
    assert clock.offset_seconds == offset
    assert clock.to_server_epoch(clock.to_utc(server_epoch)) == pytest.approx(server_epoch)
    assert round_to_half_hour(offset + age * 0) == offset
