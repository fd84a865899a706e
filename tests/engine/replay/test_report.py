"""The replay report's trade serialisation: exactly DESIGN's fields of the REST trade (one schema)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from engine.api.serialize import trade_dict
from engine.replay.report import trade_to_dict
from engine.trade_schema import View, names
from engine.values import CloseReason, OrderType, Side, TradeRecord, TradeStatus, iso, utc
from engine.wire import jsonable

OPENED = datetime(2024, 3, 4, 10, 0, 59, 123456, tzinfo=timezone.utc)


def _record(**changes) -> TradeRecord:
    fields = {
        "id": 7,
        "symbol": "EURUSD",
        "side": Side.SELL,
        "order_type": OrderType.LIMIT,
        "status": TradeStatus.CLOSED,
        "lots": Decimal("0.10"),
        "requested_price": 1.1,
        "entry_price": 1.1,
        "sl": 1.102,
        "tp": 1.096,
        "trailing_pips": None,
        "open_time": OPENED,
        "close_time": OPENED + timedelta(minutes=5),
        "close_price": 1.096,
        "close_reason": CloseReason.TP,
        "pips": 40.0,
        "pnl": Decimal("40.00"),
        "commission": Decimal("0.70"),
        "swap": Decimal("-0.13"),
        "mfe_pips": 41.5,
        "mae_pips": -3.2,
        "signal_id": 12,
        "parent_id": None,
        "comment": "model-a",
    }
    fields.update(changes)
    return TradeRecord(**fields)


@pytest.mark.parametrize(
    "record",
    [
        _record(),
        _record(
            status=TradeStatus.OPEN,
            close_time=None,
            close_price=None,
            close_reason=None,
            trailing_pips=15.0,
            pnl=Decimal("0.00"),
        ),
        _record(
            status=TradeStatus.CANCELLED,
            entry_price=None,
            open_time=None,
            close_reason=CloseReason.EXPIRED,
            parent_id=3,
            signal_id=None,
        ),
    ],
    ids=["closed", "open", "cancelled"],
)
def test_trade_to_dict_is_the_rest_trade_on_design_fields(record):
    design = names(View.DESIGN)
    expected = {name: jsonable(getattr(record, name)) for name in design}
    got = trade_to_dict(record)
    assert list(got) == list(design)
    assert got == expected == {name: value for name, value in trade_dict(record).items() if name in design}
    assert [type(v) for v in got.values()] == [type(v) for v in expected.values()]


@pytest.mark.parametrize(
    "when",
    [
        OPENED,
        datetime(2024, 3, 4, 23, 59, 59, 999999, tzinfo=timezone.utc),
        datetime(2024, 3, 4, 12, 0, tzinfo=timezone(timedelta(hours=2))),  # not UTC: converted
        datetime(999, 1, 2, 3, 4, 5, 6000, tzinfo=timezone.utc),  # three-digit year
    ],
)
def test_iso_fast_path_matches_strftime(when):
    value = utc(when)
    assert iso(when) == value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"
