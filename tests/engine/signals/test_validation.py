"""Signal validation: every rule names its field."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.errors import ValidationError
from engine.signals.validation import validate_signal
from engine.values import PatternPoint, Side, SignalStatus
from tests.engine.signals.factories import T0, make_signal


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"symbol": "XXXYYY"}, "symbol"),
        ({"side": "hold"}, "side"),
        ({"entry": math.nan}, "entry"),
        ({"entry": -1.0}, "entry"),
        ({"sl": math.inf}, "sl"),
        ({"tp": "1.2"}, "tp"),
        ({"sl": 1.1050}, "sl"),  # buy with SL above entry
        ({"tp": 1.0900}, "tp"),  # buy with TP below entry
        ({"side": Side.SELL}, "sl"),  # sell with SL below entry
        ({"side": Side.SELL, "sl": 1.1050}, "tp"),  # sell with TP above entry
        ({"confidence": 1.5}, "confidence"),
        ({"confidence": -0.1}, "confidence"),
        ({"confidence": math.nan}, "confidence"),
        ({"expires_at": T0}, "expires_at"),
        ({"expires_at": T0 - timedelta(minutes=1)}, "expires_at"),
        ({"created_at": datetime(2026, 1, 5)}, "created_at"),
        ({"source": "  "}, "source"),
        ({"timeframe": "H7"}, "timeframe"),
        ({"pattern": {"name": "Gartley", "points": [{"label": "X"}]}}, "pattern.points[0]"),
    ],
)
def test_validate_signal_bad_field_raises_naming_field(changes, field):
    with pytest.raises(ValidationError) as info:
        validate_signal(make_signal(**changes))
    assert info.value.field == field
    assert info.value.message


def test_validate_signal_good_buy_normalises_and_computes_rr():
    clean = validate_signal(make_signal(symbol="eurusd", entry=1.100004, sl=1.0950, tp=1.1100))
    assert clean.symbol == "EURUSD"
    assert clean.entry == 1.1
    assert clean.rr == pytest.approx(2.0)
    assert clean.status is SignalStatus.NEW


def test_validate_signal_good_sell_passes():
    clean = validate_signal(make_signal(side="sell", entry=150.0, sl=150.5, tp=149.0, symbol="USDJPY"))
    assert clean.side is Side.SELL
    assert clean.rr == pytest.approx(2.0)


def test_validate_signal_pattern_dict_points_become_pattern_points():
    pattern = {"name": "Bat", "points": [{"label": "X", "time": T0, "price": 1.1}]}
    clean = validate_signal(make_signal(pattern=pattern))
    assert clean.pattern["points"] == [PatternPoint("X", T0, 1.1)]


@settings(max_examples=60, deadline=None)
@given(
    entry=st.floats(0.5, 2.0),
    risk=st.floats(0.001, 0.05),
    reward=st.floats(0.001, 0.1),
    sell=st.booleans(),
    conf=st.floats(0.0, 1.0),
)
def test_validate_signal_any_consistent_geometry_passes_with_rr(entry, risk, reward, sell, conf):
    s = -1 if sell else 1
    clean = validate_signal(
        make_signal(
            side="sell" if sell else "buy", entry=entry, sl=entry - s * risk, tp=entry + s * reward, confidence=conf
        )
    )
    assert clean.rr == pytest.approx(reward / risk, rel=0.02)
    assert (clean.tp - clean.entry) * s > 0 > (clean.sl - clean.entry) * s


@settings(max_examples=60, deadline=None)
@given(entry=st.floats(0.5, 2.0), above=st.floats(0.0, 0.05))
def test_validate_signal_buy_stop_not_below_entry_always_refused(entry, above):
    with pytest.raises(ValidationError) as info:
        validate_signal(make_signal(entry=entry, sl=entry + above, tp=entry + 0.1))
    assert info.value.field == "sl"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"entry": 1e-320}, "entry"),  # positive, but 0.0 at the symbol's digits: entry is to blame
        ({"entry": 0.000001}, "entry"),
        ({"sl": 1e-320}, "sl"),
        ({"tp": 1e10}, "tp"),
    ],
)
def test_validate_signal_price_rounding_to_zero_or_too_large_names_the_price(changes, field):
    with pytest.raises(ValidationError) as info:
        validate_signal(make_signal(**changes))
    assert info.value.field == field


def test_validate_signal_times_outside_the_supported_range_are_refused():
    from datetime import timezone

    far = datetime(9999, 12, 31, 23, 59, 59, tzinfo=timezone(timedelta(hours=-12)))
    with pytest.raises(ValidationError) as info:
        validate_signal(make_signal(expires_at=far))
    assert (info.value.field, info.value.code) == ("expires_at", "time_out_of_range")
    point = PatternPoint("X", datetime(2300, 1, 1, tzinfo=timezone.utc), 1.1)
    with pytest.raises(ValidationError) as info:
        validate_signal(make_signal(pattern={"name": "Gartley", "points": [point]}))
    assert info.value.field == "pattern.points.0.time"
