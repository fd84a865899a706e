"""The one supported range of input times and prices (``engine.bounds``)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pandas as pd
import pytest

from engine.bounds import TIME_MAX, TIME_MAX_NS, TIME_MIN, TIME_MIN_NS, bounded_time, ns_in_range, time_problem
from engine.errors import ValidationError


@pytest.mark.parametrize(
    "value",
    [
        datetime(9999, 12, 31, 23, 59, 59, tzinfo=timezone(timedelta(hours=-12))),  # overflows converting to UTC
        datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=14))),  # underflows likewise
        TIME_MAX,
        TIME_MIN - timedelta(microseconds=1),
    ],
)
def test_bounded_time_outside_range_raises_naming_the_field(value):
    assert time_problem(value) is not None
    with pytest.raises(ValidationError) as info:
        bounded_time(value, "expires_at")
    assert (info.value.field, info.value.code) == ("expires_at", "time_out_of_range")
    assert "supported range" in info.value.message


def test_bounded_time_inside_range_returns_utc():
    value = datetime(2026, 11, 24, 18, 0, tzinfo=timezone(timedelta(hours=1)))
    assert bounded_time(value, "t") == datetime(2026, 11, 24, 17, 0, tzinfo=timezone.utc)
    assert bounded_time(TIME_MIN, "t") == TIME_MIN
    assert bounded_time(datetime(2026, 1, 1), "t", naive_is_utc=True).tzinfo is timezone.utc
    with pytest.raises(ValidationError) as info:
        bounded_time(datetime(2026, 1, 1), "t")
    assert info.value.code == "naive_time"


def test_range_survives_every_offset_and_pandas_nanoseconds():
    """Any time in range can move to any UTC offset and into pandas' nanoseconds without overflow."""
    widest = timedelta(hours=23, minutes=59)
    for edge in (TIME_MIN, TIME_MAX - timedelta(microseconds=1)):
        for offset in (-widest, widest):
            assert edge.astimezone(timezone(offset)) == edge
        assert ns_in_range(pd.Timestamp(edge).value)
    assert ns_in_range(TIME_MIN_NS) and not ns_in_range(TIME_MAX_NS) and not ns_in_range(TIME_MIN_NS - 1)
    assert pd.Timestamp(TIME_MAX_NS, tz="UTC") == pd.Timestamp(TIME_MAX)
