"""Every refusal names its field and code, and changes nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest

from engine.broker import OrderRequest, PaperBroker
from engine.errors import OrderRejectedError
from engine.values import OrderType, Side
from tests.engine.broker.factories import at, new_broker, order, pending, rejected, tick


@pytest.fixture
def broker():
    b = new_broker()
    tick(b, "EURUSD", 1.10000, 1.10010)
    return b


def _unchanged(broker):
    assert broker.active_trades() == []
    assert broker.account().balance == Decimal("10000.00")


def test_unknown_symbol(broker):
    with rejected("unknown_symbol", "symbol"):
        broker.place(order("EURXYZ", Side.BUY))
    _unchanged(broker)


@pytest.mark.parametrize("lots", ["0.001", "0", "-1", "100.01", "0.015"])
def test_lots_outside_range_or_off_step(broker, lots):
    with rejected("invalid_lots", "lots"):
        broker.place(order("EURUSD", Side.BUY, lots))
    _unchanged(broker)


def test_neither_lots_nor_risk(broker):
    with rejected("invalid_lots", "lots"):
        broker.place(order("EURUSD", Side.BUY, None))


@pytest.mark.parametrize(
    ("side", "fields", "field"),
    [
        (Side.BUY, {"sl": 1.10000}, "sl"),  # buy SL must be below the bid 1.10000
        (Side.BUY, {"sl": 1.10100}, "sl"),
        (Side.BUY, {"tp": 1.10000}, "tp"),  # buy TP must be above the bid
        (Side.BUY, {"tp": 1.09000}, "tp"),
        (Side.SELL, {"sl": 1.10010}, "sl"),  # sell SL must be above the ask 1.10010
        (Side.SELL, {"tp": 1.10010}, "tp"),
        (Side.SELL, {"tp": 1.11000}, "tp"),
        (Side.BUY, {"sl": -1.0}, "sl"),
        (Side.BUY, {"tp": float("inf")}, "tp"),
        (Side.BUY, {"trailing_pips": 0}, "trailing_pips"),
        (Side.BUY, {"trailing_pips": -5.0}, "trailing_pips"),
    ],
)
def test_stops_on_wrong_side(broker, side, fields, field):
    with rejected("invalid_stops", field):
        broker.place(order("EURUSD", side, **fields))
    _unchanged(broker)


@pytest.mark.parametrize(
    ("side", "order_type", "price"),
    [
        (Side.BUY, OrderType.LIMIT, 1.10010),  # buy limit must be below the ask
        (Side.BUY, OrderType.LIMIT, 1.10100),
        (Side.BUY, OrderType.STOP, 1.10010),  # buy stop must be above the ask
        (Side.BUY, OrderType.STOP, 1.09900),
        (Side.SELL, OrderType.LIMIT, 1.10000),  # sell limit must be above the bid
        (Side.SELL, OrderType.LIMIT, 1.09900),
        (Side.SELL, OrderType.STOP, 1.10000),  # sell stop must be below the bid
        (Side.SELL, OrderType.STOP, 1.10100),
    ],
)
def test_pending_price_on_wrong_side(broker, side, order_type, price):
    with rejected("invalid_price", "price"):
        broker.place(pending("EURUSD", side, order_type, price))
    _unchanged(broker)


def test_pending_without_price(broker):
    with rejected("invalid_price", "price"):
        broker.place(OrderRequest("EURUSD", Side.BUY, OrderType.LIMIT, lots=Decimal("1")))


def test_pending_stops_checked_against_order_price(broker):
    with rejected("invalid_stops", "sl"):
        broker.place(pending("EURUSD", Side.BUY, OrderType.LIMIT, 1.09500, sl=1.09600))
    with rejected("invalid_stops", "tp"):
        broker.place(pending("EURUSD", Side.SELL, OrderType.LIMIT, 1.10500, tp=1.10600))


def test_expiry_in_the_past(broker):
    with rejected("invalid_expiry", "expires_at"):
        broker.place(pending("EURUSD", Side.BUY, OrderType.LIMIT, 1.09500, expires_at=at(-1)))


def test_no_price_yet():
    broker = new_broker()
    with rejected("no_price", "symbol"):
        broker.place(order("EURUSD", Side.BUY))


def test_market_closed():
    broker = PaperBroker(market_open=lambda symbol, when: symbol != "EURUSD")
    tick(broker, "EURUSD", 1.10000, 1.10010)
    with rejected("market_closed", "symbol"):
        broker.place(order("EURUSD", Side.BUY))
    assert broker.active_trades() == []


def test_market_closed_refuses_manual_close():
    is_open = {"value": True}
    broker = PaperBroker(market_open=lambda symbol, when: is_open["value"])
    tick(broker, "EURUSD", 1.10000, 1.10010)
    trade = broker.place(order("EURUSD", Side.BUY))[0].trade
    is_open["value"] = False
    with rejected("market_closed", "symbol"):
        broker.close(trade.id)
    assert broker.trade(trade.id).status.value == "open"


def test_bad_side(broker):
    with rejected("invalid_side", "side"):
        broker.place(OrderRequest("EURUSD", "long", lots=Decimal("1")))


def test_modify_open_trade_rules(broker):
    trade = broker.place(order("EURUSD", Side.BUY, sl=1.09500))[0].trade
    with rejected("invalid_stops", "sl"):
        broker.modify(trade.id, sl=1.10050)
    with rejected("invalid_state", "price"):
        broker.modify(trade.id, price=1.09)
    with rejected("invalid_state", "expires_at"):
        broker.modify(trade.id, expires_at=at(10))
    assert broker.trade(trade.id).sl == 1.09500


def test_modify_pending_price_to_wrong_side(broker):
    placed = broker.place(pending("EURUSD", Side.BUY, OrderType.LIMIT, 1.09500))[0].trade
    with rejected("invalid_price", "price"):
        broker.modify(placed.id, price=1.10500)
    assert broker.trade(placed.id).requested_price == 1.09500


@pytest.mark.parametrize(
    ("side", "order_type", "fields", "message"),
    [
        (Side.BUY, OrderType.MARKET, {"sl": 2.0}, "SL 2.00000 must be below the bid 1.10000 for a buy"),
        (Side.BUY, OrderType.MARKET, {"tp": 1.0}, "TP 1.00000 must be above the bid 1.10000 for a buy"),
        (Side.SELL, OrderType.MARKET, {"sl": 1.1}, "SL 1.10000 must be above the ask 1.10010 for a sell"),
        (Side.BUY, OrderType.LIMIT, {"price": 1.2}, "Buy limit price 1.20000 must be below the ask 1.10010"),
        (
            Side.SELL,
            OrderType.LIMIT,
            {"price": 1.105, "sl": 1.104},
            "SL 1.10400 must be above the limit price 1.10500 for a sell",
        ),
        (Side.BUY, OrderType.MARKET, {"sl": -1.0}, "SL must be a positive price, not -1.0"),
    ],
)
def test_refusals_read_as_prose_with_the_symbols_digits(broker, side, order_type, fields, message):
    check_first = OrderRequest("EURUSD", side, order_type, lots=Decimal("0.10"), **fields)
    with pytest.raises(OrderRejectedError) as caught:
        broker.check(check_first)  # the dry run refuses exactly as place() does …
    with pytest.raises(OrderRejectedError) as placed:
        broker.place(check_first)
    assert str(caught.value) == str(placed.value) == message
    assert caught.value.code == placed.value.code
    _unchanged(broker)  # … and neither changed anything


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"sl": 1e-320}, "sl", "invalid_stops"),  # a positive float that rounds to 0.0
        ({"sl": 0.000004}, "sl", "invalid_stops"),
        ({"tp": 2e9}, "tp", "invalid_stops"),  # beyond the supported price range
    ],
)
def test_stops_that_round_to_zero_or_overflow_are_refused(broker, changes, field, code):
    with rejected(code, field):
        broker.place(order("EURUSD", Side.BUY, **changes))
    _unchanged(broker)


def test_pending_price_that_rounds_to_zero_is_refused(broker):
    with rejected("invalid_price", "price"):
        broker.place(pending("EURUSD", Side.BUY, OrderType.LIMIT, 1e-320))
    _unchanged(broker)


def test_expiry_beyond_the_supported_range_is_refused(broker):
    from datetime import datetime, timedelta, timezone

    far = datetime(9999, 12, 31, 23, 59, 59, tzinfo=timezone(timedelta(hours=-12)))  # overflows as UTC
    with rejected("time_out_of_range", "expires_at"):
        broker.place(pending("EURUSD", Side.BUY, OrderType.LIMIT, 1.09500, expires_at=far))
    _unchanged(broker)


def test_partial_close_of_a_pending_order_is_refused_and_keeps_it(broker):
    placed = broker.place(pending("EURUSD", Side.BUY, OrderType.LIMIT, 1.09500, lots="0.5"))
    order_id = placed[0].trade.id
    with rejected("invalid_state", "lots"):
        broker.close(order_id, lots=Decimal("0.1"))
    kept = broker.trade(order_id)
    assert kept.status.value == "pending" and kept.lots == Decimal("0.5")
