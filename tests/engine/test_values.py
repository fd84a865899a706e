from datetime import datetime, timezone
from decimal import Decimal

import pytest

from engine.errors import OrderRejectedError
from engine.instruments import SPECS, get_spec
from engine.values import Bar, Quote, Timeframe, iso, money


def test_money_rounds_half_up_to_the_cent():
    assert money(Decimal("1.005")) == Decimal("1.01")
    assert money(-2.675) == Decimal("-2.68")


def test_iso_formats_milliseconds_utc():
    when = datetime(2026, 11, 24, 17, 0, 0, 123456, tzinfo=timezone.utc)
    assert iso(when) == "2026-11-24T17:00:00.123Z"


def test_quote_refuses_ask_below_bid_and_naive_time():
    with pytest.raises(ValueError, match="ask"):
        Quote("EURUSD", 1.1, 1.0, datetime(2026, 1, 1, tzinfo=timezone.utc))
    with pytest.raises(ValueError, match="UTC"):
        Quote("EURUSD", 1.1, 1.2, datetime(2026, 1, 1))


def test_bar_refuses_high_below_low():
    with pytest.raises(ValueError, match="high"):
        Bar("EURUSD", Timeframe.M1, datetime(2026, 1, 1, tzinfo=timezone.utc), 1.1, 1.0, 1.2, 1.1)


def test_timeframe_floor_aligns_to_bar_open():
    when = datetime(2026, 1, 5, 13, 47, 12, tzinfo=timezone.utc)
    assert Timeframe.H4.floor(when) == datetime(2026, 1, 5, 12, tzinfo=timezone.utc)
    assert Timeframe.M15.floor(when) == datetime(2026, 1, 5, 13, 45, tzinfo=timezone.utc)


def test_instrument_specs_cover_majors_crosses_and_gold():
    for symbol in (
        "EURUSD",
        "GBPUSD",
        "USDJPY",
        "USDCHF",
        "AUDUSD",
        "USDCAD",
        "NZDUSD",
        "EURGBP",
        "EURJPY",
        "GBPJPY",
        "AUDJPY",
        "EURCHF",
        "EURAUD",
        "GBPCHF",
        "XAUUSD",
    ):
        assert symbol in SPECS
    assert get_spec("USDJPY").pip_size == 0.01
    assert get_spec("EURUSD").pip_size == 0.0001
    assert get_spec("XAUUSD").contract_size == 100


def test_lots_off_step_or_out_of_range_are_rejected_with_field():
    spec = get_spec("EURUSD")
    spec.validate_lots(Decimal("0.10"))
    with pytest.raises(OrderRejectedError) as err:
        spec.validate_lots(Decimal("0.015"))
    assert err.value.field == "lots" and "step" in err.value.message
    with pytest.raises(OrderRejectedError, match="outside"):
        spec.validate_lots(Decimal("500"))
    with pytest.raises(OrderRejectedError, match="unknown symbol"):
        get_spec("FOOBAR")
