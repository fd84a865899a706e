"""Market hours and the rollover spread of the simulated market."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from datafeeds.sim import calendar


def _t(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=timezone.utc)  # 2026-11-20 is a Friday


@pytest.mark.parametrize(
    ("when", "open_"),
    [
        (_t(20, 21, 59), True),
        (_t(20, 22, 0), False),
        (_t(21, 12), False),
        (_t(22, 21, 59), False),
        (_t(22, 22, 0), True),
        (_t(24, 3), True),
    ],
)
def test_calendar_is_open_follows_forex_week(when, open_):
    assert calendar.is_open(when) is open_


def test_calendar_next_open_from_weekend_is_sunday_2200():
    assert calendar.next_open(_t(21, 9)) == _t(22, 22)
    assert calendar.next_open(_t(20, 23)) == _t(22, 22)
    assert calendar.next_open(_t(24, 9)) == _t(24, 9)


def test_calendar_week_close_is_next_friday_2200():
    assert calendar.week_close(_t(23, 10)) == _t(27, 22)
    assert calendar.week_close(_t(20, 21)) == _t(20, 22)


def test_calendar_rollover_factor_peaks_at_2200_and_is_one_away():
    assert calendar.rollover_factor(_t(24, 22)) == calendar.ROLLOVER_PEAK
    assert 1.0 < calendar.rollover_factor(_t(24, 21, 55)) < calendar.ROLLOVER_PEAK
    assert 1.0 < calendar.rollover_factor(_t(24, 22, 5)) < calendar.ROLLOVER_PEAK
    assert calendar.rollover_factor(_t(24, 21, 40)) == 1.0
    assert calendar.rollover_factor(_t(24, 12)) == 1.0
