"""Helpers for broker tests: a fixed clock, quotes, orders and event pickers."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from engine.broker import BrokerConfig, OrderRequest, PaperBroker
from engine.errors import OrderRejectedError
from engine.events import Event
from engine.values import OrderType, Quote, Side

T0 = datetime(2026, 1, 5, 10, 0, tzinfo=timezone.utc)  # a Monday


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def new_broker(**config) -> PaperBroker:
    return PaperBroker(BrokerConfig(**config))


def tick(broker: PaperBroker, symbol: str, bid: float, ask: float, minute: float = 0) -> list[Event]:
    return broker.on_quote(Quote(symbol, bid, ask, at(minute)))


def order(symbol: str, side: Side, lots: str | None = "1", **fields) -> OrderRequest:
    return OrderRequest(symbol, side, lots=None if lots is None else Decimal(lots), **fields)


def pending(symbol: str, side: Side, order_type: OrderType, price: float, lots: str = "1", **fields) -> OrderRequest:
    return OrderRequest(symbol, side, order_type=order_type, price=price, lots=Decimal(lots), **fields)


def only(events: list[Event], kind: type) -> Event:
    """The single event of ``kind`` in ``events``."""
    found = [e for e in events if isinstance(e, kind)]
    assert len(found) == 1, f"expected one {kind.__name__}, got {events!r}"
    return found[0]


@contextmanager
def rejected(code: str, field: str | None) -> Iterator[None]:
    """Expect an ``OrderRejectedError`` with this code and field."""
    with pytest.raises(OrderRejectedError) as info:
        yield
    assert info.value.code == code, info.value.message
    assert info.value.field == field, info.value.message
