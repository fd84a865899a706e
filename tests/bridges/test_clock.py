"""Broker server time ↔ UTC: configured, detected from our fills, estimated from fresh stamps."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bridges.clock import ServerClock, round_to_half_hour, surely_open

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
    clock.observe(NOW.timestamp() + 3 * 3600, NOW)  # fresh: GMT+3
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
@given(half_hours=st.integers(-24, 28), age=st.floats(0, 590))
def test_round_trip_utc_server_utc_for_any_offset(half_hours, age):
    clock = ServerClock()
    offset = half_hours * 1800
    server_epoch = NOW.timestamp() + offset - age
    clock.observe(server_epoch, NOW)
    assert clock.offset_seconds == offset
    assert clock.to_server_epoch(clock.to_utc(server_epoch)) == pytest.approx(server_epoch)
    assert round_to_half_hour(offset + age * 0) == offset


def test_fill_stamp_detects_offset_exactly_even_with_pc_clock_a_minute_off():
    clock = ServerClock()
    sent = NOW
    answered = NOW + timedelta(seconds=0.3)
    fill_on_server = NOW.timestamp() + 3 * 3600 + 75  # the broker's clock runs 75 s ahead of the PC's
    assert clock.learn_from_fill(int(fill_on_server), sent, answered) == 3 * 3600
    assert clock.source == "detected" and clock.describe()["server_utc_offset_hours"] == 3.0


def test_fill_stamp_with_pc_clock_far_off_is_not_used():
    clock = ServerClock()
    assert clock.learn_from_fill(NOW.timestamp() + 2 * 3600 + 900, NOW, NOW) is None
    assert not clock.is_known and clock.describe() == {
        "server_utc_offset_hours": None,
        "server_clock": "unknown",
        "server_clock_from": "",
    }


def test_weekend_stamp_never_estimates_an_offset():
    saturday = datetime(2026, 11, 28, 10, 0, tzinfo=timezone.utc)
    friday_close_on_server = datetime(2026, 11, 27, 21, 59, tzinfo=timezone.utc).timestamp() + 2 * 3600
    clock = ServerClock()
    assert clock.observe(friday_close_on_server, saturday) is None  # would have said UTC-10
    assert not clock.is_known


def test_detected_offset_beats_estimates_and_configured_beats_both():
    clock = ServerClock()
    clock.observe(NOW.timestamp() + 3 * 3600, NOW)
    clock.learn_from_fill(NOW.timestamp() + 2 * 3600, NOW, NOW)
    assert clock.offset_seconds == 7200 and clock.source == "detected"
    clock.reset()  # a reconnect forgets estimates only
    assert clock.offset_seconds == 7200
    assert ServerClock(configured_offset_hours=1).source == "configured"


def test_possible_utc_spans_28_hours_until_the_offset_is_known():
    clock = ServerClock()
    server = NOW.timestamp() + 7200
    earliest, latest = clock.possible_utc(server)
    assert (latest - earliest) == timedelta(hours=28)
    clock.learn_from_fill(server, NOW, NOW)
    assert clock.possible_utc(server) == (NOW, NOW)


@pytest.mark.parametrize(
    ("when", "open_"),
    [
        (datetime(2026, 11, 23, 0, 30, tzinfo=timezone.utc), True),  # Monday
        (datetime(2026, 11, 27, 19, 59, tzinfo=timezone.utc), True),  # Friday before 20:00
        (datetime(2026, 11, 27, 20, 0, tzinfo=timezone.utc), False),
        (datetime(2026, 11, 29, 22, 0, tzinfo=timezone.utc), False),  # Sunday before 23:00
        (datetime(2026, 11, 29, 23, 0, tzinfo=timezone.utc), True),
        (datetime(2026, 12, 25, 12, 0, tzinfo=timezone.utc), False),  # Christmas
    ],
)
def test_surely_open(when, open_):
    assert surely_open(when) is open_
