"""The broker's float accessors for fast callers (the replay's stop-out guard) and the level cache."""

from __future__ import annotations

from decimal import Decimal

import pytest

from engine.values import Side
from tests.engine.broker.factories import new_broker, order, tick


def test_valuation_f_matches_account_equity_and_margin_to_the_cent():
    broker = new_broker(commission_per_lot_side=Decimal("3.5"))
    tick(broker, "EURUSD", 1.10000, 1.10010)
    tick(broker, "USDJPY", 150.000, 150.020)
    broker.place(order("EURUSD", Side.BUY, "0.7"))
    broker.place(order("USDJPY", Side.SELL, "0.3"))
    tick(broker, "EURUSD", 1.09873, 1.09883, minute=1)
    tick(broker, "USDJPY", 150.411, 150.431, minute=2)
    equity, margin = broker.valuation_f()
    account = broker.account()
    assert equity == pytest.approx(float(account.equity), abs=0.005)
    assert margin == pytest.approx(float(account.margin), abs=0.005)
    assert equity < 10000 - 2 * 3.5  # both trades lose and the commissions are charged


def test_valuation_f_of_an_account_without_trades_is_the_balance_and_no_margin():
    broker = new_broker(balance=Decimal("2500"))
    assert broker.valuation_f() == (2500.0, 0.0)


@pytest.mark.parametrize(("symbol", "bid", "ask"), [("EURUSD", 1.1, 1.1001), ("EURJPY", 160.0, 160.02)])
def test_pip_value_f_matches_the_decimal_pip_value(symbol, bid, ask):
    broker = new_broker()
    tick(broker, "USDJPY", 150.0, 150.0)
    tick(broker, symbol, bid, ask)
    exact = broker.pip_value(symbol, Decimal("0.4"))
    assert broker.pip_value_f(symbol, 0.4) == pytest.approx(float(exact), abs=0.0001)
    if symbol == "EURUSD":
        assert broker.pip_value_f(symbol, 0.4) == pytest.approx(4.0)  # 0.0001 × 100,000 × 0.4


def test_pip_value_f_is_none_without_a_price_or_a_rate():
    broker = new_broker()
    assert broker.pip_value_f("EURUSD", 1.0) is None  # never quoted
    tick(broker, "EURJPY", 160.0, 160.02)
    assert broker.pip_value_f("EURJPY", 1.0) is None  # no JPY→USD rate yet


def test_last_prices_are_none_before_a_quote_then_the_last_bid_and_ask():
    broker = new_broker()
    assert broker.last_prices("EURUSD") is None
    tick(broker, "EURUSD", 1.1, 1.1002)
    tick(broker, "EURUSD", 1.2, 1.2003, minute=1)
    assert broker.last_prices("EURUSD") == (1.2, 1.2003)
    assert broker.last_quote("EURUSD").bid == 1.2


def test_trigger_bounds_follow_a_trailing_stop_moved_by_a_tick():
    broker = new_broker()
    tick(broker, "EURUSD", 1.10000, 1.10000)
    broker.place(order("EURUSD", Side.BUY, "1", sl=1.09000, tp=1.12000, trailing_pips=10))
    assert broker.trigger_bounds("EURUSD")[0] == 1.09
    tick(broker, "EURUSD", 1.10500, 1.10500, minute=1)  # 50 pips up: the stop trails to 1.10400
    low_bid, high_bid, _, _ = broker.trigger_bounds("EURUSD")
    assert low_bid == pytest.approx(1.104)
    assert high_bid == pytest.approx(1.10500)  # the next trailing step


def test_observe_widens_open_trade_excursions_without_valuing_or_triggering():
    broker = new_broker()
    tick(broker, "EURUSD", 1.10000, 1.10010)
    trade = broker.place(order("EURUSD", Side.BUY, "1", sl=1.09000, tp=1.12000))[0].trade
    equity_before = broker.account().equity
    broker.observe("EURUSD", 1.09800, 1.10300, 1.09810, 1.10310)
    record = broker.trade(trade.id)
    assert record.mfe_pips == pytest.approx(29.0)  # best bid 1.10300 − entry 1.10010
    assert record.mae_pips == pytest.approx(-21.0)  # worst bid 1.09800 − entry 1.10010
    assert broker.account().equity == equity_before  # nothing valued at the observed prices
    assert broker.last_prices("EURUSD") == (1.10000, 1.10010)


def test_observe_without_open_trades_changes_nothing():
    broker = new_broker()
    broker.observe("EURUSD", 1.0, 1.2, 1.0, 1.2)  # never quoted: ignored
    tick(broker, "EURUSD", 1.10000, 1.10010)
    broker.observe("EURUSD", 1.0, 1.2, 1.0, 1.2)  # no open trade: nothing to extend
    trade = broker.place(order("EURUSD", Side.BUY, "1"))[0].trade
    assert broker.trade(trade.id).mfe_pips == 0.0
    assert broker.trade(trade.id).mae_pips == pytest.approx(-1.0)  # the spread at the open
