"""Market fills, P&L in each currency case, commission, slippage, conversion."""

from __future__ import annotations

from decimal import Decimal

from engine.broker import FixedSlippage, RandomSlippage
from engine.events import TradeClosed, TradeOpened
from engine.values import CloseReason, Side, TradeStatus
from tests.engine.broker.factories import at, new_broker, only, order, rejected, tick


def test_buy_eurusd_fills_at_ask_closes_at_bid_with_commission_both_sides():
    broker = new_broker(commission_per_lot_side=Decimal("3.5"))
    tick(broker, "EURUSD", 1.10000, 1.10010)
    opened = only(broker.place(order("EURUSD", Side.BUY)), TradeOpened).trade
    assert opened.entry_price == 1.10010 and opened.requested_price == 1.10010
    assert opened.status is TradeStatus.OPEN and opened.commission == Decimal("3.50")
    assert opened.open_time == at(0)
    tick(broker, "EURUSD", 1.10210, 1.10220, minute=5)
    closed = only(broker.close(opened.id), TradeClosed).trade
    assert closed.close_price == 1.10210 and closed.close_time == at(5)
    assert closed.pips == 20.0
    assert closed.pnl == Decimal("200.00")
    assert closed.commission == Decimal("7.00")
    assert closed.close_reason is CloseReason.MANUAL
    assert broker.account().balance == Decimal("10193.00")


def test_sell_fills_at_bid_closes_at_ask():
    broker = new_broker()
    tick(broker, "EURUSD", 1.10000, 1.10010)
    trade = only(broker.place(order("EURUSD", Side.SELL)), TradeOpened).trade
    assert trade.entry_price == 1.10000
    tick(broker, "EURUSD", 1.09890, 1.09900, minute=1)
    closed = only(broker.close(trade.id), TradeClosed).trade
    assert closed.close_price == 1.09900
    assert closed.pips == 10.0 and closed.pnl == Decimal("100.00")


def test_usdjpy_profit_in_usd_divides_by_usdjpy_mid():
    broker = new_broker()
    tick(broker, "USDJPY", 150.000, 150.020)
    trade = only(broker.place(order("USDJPY", Side.SELL, "0.5")), TradeOpened).trade
    tick(broker, "USDJPY", 149.480, 149.500, minute=1)
    closed = only(broker.close(trade.id), TradeClosed).trade
    # 0.5 lot × 100,000 × 0.500 JPY = 25,000 JPY ÷ 149.49 (mid) = 167.2352… USD
    assert closed.pips == 50.0
    assert closed.pnl == Decimal("167.24")


def test_eurgbp_profit_in_usd_account_multiplies_by_gbpusd_mid():
    broker = new_broker()
    tick(broker, "GBPUSD", 1.25000, 1.25020)
    tick(broker, "EURGBP", 0.85000, 0.85010)
    trade = only(broker.place(order("EURGBP", Side.BUY)), TradeOpened).trade
    tick(broker, "EURGBP", 0.85110, 0.85120, minute=1)
    closed = only(broker.close(trade.id), TradeClosed).trade
    # 10 pips × 1 lot = 100 GBP × 1.2501 = 125.01 USD
    assert closed.pnl == Decimal("125.01")


def test_eur_account_usd_profit_divides_by_eurusd_mid():
    broker = new_broker(currency="EUR")
    tick(broker, "EURUSD", 1.10000, 1.10020)
    trade = only(broker.place(order("EURUSD", Side.BUY)), TradeOpened).trade
    tick(broker, "EURUSD", 1.10320, 1.10340, minute=1)
    closed = only(broker.close(trade.id), TradeClosed).trade
    # 30 pips = 300 USD ÷ 1.1033 = 271.9115… EUR
    assert closed.pnl == Decimal("271.91")


def test_eur_account_jpy_profit_goes_through_usd_when_no_direct_pair():
    broker = new_broker(currency="EUR")
    tick(broker, "EURUSD", 1.25, 1.25)
    tick(broker, "USDJPY", 150.000, 150.000)
    trade = only(broker.place(order("USDJPY", Side.BUY)), TradeOpened).trade
    tick(broker, "USDJPY", 151.000, 151.000, minute=1)
    closed = only(broker.close(trade.id), TradeClosed).trade
    # 100,000 JPY ÷ 151 ÷ 1.25 = 529.8013… EUR
    assert closed.pnl == Decimal("529.80")


def test_eur_account_jpy_profit_uses_eurjpy_when_quoted():
    broker = new_broker(currency="EUR")
    tick(broker, "EURJPY", 160.000, 160.000)
    tick(broker, "USDJPY", 150.000, 150.000)
    trade = only(broker.place(order("USDJPY", Side.BUY)), TradeOpened).trade
    tick(broker, "USDJPY", 151.000, 151.000, minute=1)
    closed = only(broker.close(trade.id), TradeClosed).trade
    assert closed.pnl == Decimal("625.00")  # 100,000 JPY ÷ 160


def test_place_without_conversion_rate_is_refused_no_rate():
    broker = new_broker()
    tick(broker, "EURGBP", 0.85000, 0.85010)
    with rejected("no_rate", "symbol"):
        broker.place(order("EURGBP", Side.BUY))
    assert broker.active_trades() == []


def test_fixed_slippage_is_adverse_on_market_fills_and_stops_not_on_take_profit():
    broker = new_broker(slippage=FixedSlippage(1.0))
    tick(broker, "EURUSD", 1.10000, 1.10010)
    buy = only(broker.place(order("EURUSD", Side.BUY, sl=1.09500)), TradeOpened).trade
    sell = only(broker.place(order("EURUSD", Side.SELL, tp=1.09500)), TradeOpened).trade
    assert buy.entry_price == 1.10020  # ask + 1 pip
    assert sell.entry_price == 1.09990  # bid − 1 pip
    events = tick(broker, "EURUSD", 1.09400, 1.09410, minute=1)
    closes = {e.trade.id: e.trade for e in events if isinstance(e, TradeClosed)}
    assert closes[buy.id].close_price == 1.09390  # SL: bid − 1 pip
    assert closes[sell.id].close_price == 1.09410  # TP: the ask seen, no slippage


def test_random_slippage_is_seeded_bounded_and_adverse():
    model = RandomSlippage(2.0, seed=42)
    values = [model.next_pips() for _ in range(200)]
    assert all(0.0 <= v <= 2.0 for v in values)
    again = RandomSlippage(2.0, seed=42)
    assert values == [again.next_pips() for _ in range(200)]
    assert len(set(values)) > 150
    symmetric = RandomSlippage(2.0, seed=1, symmetric=True)
    both = [symmetric.next_pips() for _ in range(200)]
    assert min(both) < 0 < max(both) and all(-2.0 <= v <= 2.0 for v in both)


def test_random_slippage_fill_stays_within_bounds_of_quote():
    broker = new_broker(slippage=RandomSlippage(3.0, seed=7))
    tick(broker, "EURUSD", 1.10000, 1.10010)
    for _ in range(20):
        trade = only(broker.place(order("EURUSD", Side.BUY, "0.01")), TradeOpened).trade
        assert 1.10010 <= trade.entry_price <= 1.10040
