"""Lot sizing from risk percent and pip values."""

from __future__ import annotations

from decimal import Decimal

from engine.events import TradeOpened
from engine.values import Side
from tests.engine.broker.factories import new_broker, only, order, rejected, tick


def test_lot_size_eurusd_one_percent_over_fifty_pips():
    broker = new_broker()
    tick(broker, "EURUSD", 1.10000, 1.10000)
    # 1 % of 10,000 = 100; 50 pips × 10 USD per pip per lot = 500 per lot → 0.20
    assert broker.lot_size("EURUSD", 1.0, 1.10000, 1.09500) == Decimal("0.20")


def test_lot_size_rounds_down_to_step_for_jpy_pair():
    broker = new_broker()
    tick(broker, "USDJPY", 125.000, 125.000)
    # pip value per lot = 1,000 JPY ÷ 125 = 8 USD; 100 / (100 pips × 8) = 0.125 → 0.12
    assert broker.pip_value("USDJPY", Decimal("1")) == Decimal("8.0000")
    assert broker.lot_size("USDJPY", 1.0, 125.000, 124.000) == Decimal("0.12")


def test_lot_size_caps_at_symbol_maximum():
    broker = new_broker(balance=Decimal("100000000"))
    tick(broker, "EURUSD", 1.10000, 1.10000)
    assert broker.lot_size("EURUSD", 10.0, 1.10000, 1.09990) == Decimal("100")


def test_lot_size_refuses_when_minimum_lot_risks_too_much():
    broker = new_broker(balance=Decimal("100"))
    tick(broker, "EURUSD", 1.10000, 1.10000)
    # 0.1 % of 100 = 0.10; the minimum 0.01 lot over 50 pips risks 5.00
    with rejected("risk_too_small", "risk_percent"):
        broker.lot_size("EURUSD", 0.1, 1.10000, 1.09500)


def test_place_by_risk_percent_uses_sl_distance_from_fill():
    broker = new_broker()
    tick(broker, "EURUSD", 1.10000, 1.10000)
    trade = only(broker.place(order("EURUSD", Side.BUY, None, risk_percent=1.0, sl=1.09500)), TradeOpened).trade
    assert trade.lots == Decimal("0.20")


def test_place_by_risk_percent_needs_sl():
    broker = new_broker()
    tick(broker, "EURUSD", 1.10000, 1.10000)
    with rejected("invalid_stops", "sl"):
        broker.place(order("EURUSD", Side.BUY, None, risk_percent=1.0))


def test_risk_percent_out_of_range_is_refused():
    broker = new_broker()
    tick(broker, "EURUSD", 1.10000, 1.10000)
    for bad in (0.0, -1.0, 150.0, float("nan")):
        with rejected("invalid_risk", "risk_percent"):
            broker.lot_size("EURUSD", bad, 1.10000, 1.09500)


def test_pip_value_of_cross_in_account_currency():
    broker = new_broker()
    tick(broker, "GBPUSD", 1.25000, 1.25000)
    tick(broker, "EURGBP", 0.85000, 0.85000)
    assert broker.pip_value("EURGBP", Decimal("1")) == Decimal("12.5000")
    assert broker.pip_value("EURGBP", Decimal("0.01")) == Decimal("0.1250")
