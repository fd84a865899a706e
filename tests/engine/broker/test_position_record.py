"""``make_record``: the fast TradeRecord constructor gives exactly what the dataclass gives."""

from __future__ import annotations

from dataclasses import astuple, fields
from datetime import datetime, timezone
from decimal import Decimal

import pytest

from engine.broker import position
from engine.values import CloseReason, OrderType, Side, TradeRecord, TradeStatus

WHEN = datetime(2026, 3, 2, 10, 30, tzinfo=timezone.utc)
VALUES = (
    7,
    "EURUSD",
    Side.SELL,
    OrderType.MARKET,
    TradeStatus.CLOSED,
    Decimal("0.25"),
    1.1,
    1.10012,
    1.1021,
    1.0961,
    None,
    WHEN,
    WHEN,
    1.0961,
    CloseReason.TP,
    40.2,
    Decimal("100.50"),
    Decimal("1.75"),
    Decimal("-0.40"),
    41.0,
    -3.5,
    12,
    None,
    "ml",
    WHEN,
    None,
    "T-9",
    "mirrored",
)


def test_make_record_fields_follow_trade_record_order():
    assert tuple(f.name for f in fields(TradeRecord)) == position._FIELDS


def test_make_record_equals_the_dataclass_constructor():
    made = position.make_record(VALUES)
    assert made == TradeRecord(*VALUES)
    assert astuple(made) == VALUES
    assert made.net == Decimal("98.35")


def test_make_record_stays_frozen():
    made = position.make_record(VALUES)
    with pytest.raises(AttributeError):
        made.pnl = Decimal("0")  # type: ignore[misc]


def test_make_record_without_setters_uses_the_constructor(monkeypatch):
    monkeypatch.setattr(position, "_SETTERS", None)
    assert position.make_record(VALUES) == TradeRecord(*VALUES)
