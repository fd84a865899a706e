"""Margin, free margin, margin level, stop-out, partial close, swap, restore."""

from __future__ import annotations

from decimal import Decimal

import pytest

from engine.errors import NotFound
from engine.events import OrderCancelled, StopOutTriggered, TradeClosed, TradeModified, TradeOpened
from engine.values import CloseReason, OrderType, Side, TradeStatus
from tests.engine.broker.factories import at, new_broker, only, order, pending, rejected, tick


def test_margin_and_equity_of_open_trades():
    broker = new_broker(commission_per_lot_side=Decimal("5"))
    tick(broker, "EURUSD", 1.10000, 1.10000)
    tick(broker, "USDJPY", 150.000, 150.000)
    broker.place(order("EURUSD", Side.BUY))
    broker.place(order("USDJPY", Side.SELL, "0.5"))
    account = broker.account()
    # EURUSD: 1 × 100,000 × 1.1 / 100 = 1100; USDJPY: 0.5 × 100,000 × 150 / 100 JPY ÷ 150 = 500
    assert account.margin == Decimal("1600.00")
    assert account.equity == Decimal("9992.50")  # commissions 5.00 + 2.50 charged on open
    assert account.free_margin == Decimal("8392.50")
    assert account.margin_level == pytest.approx(9992.50 / 1600 * 100)
    tick(broker, "EURUSD", 1.10100, 1.10100, minute=1)  # +10 pips = +100 USD
    assert broker.account().equity == Decimal("10092.50")
    assert broker.account().balance == Decimal("10000.00")


def test_no_margin_means_no_margin_level():
    account = new_broker().account()
    assert account.margin == Decimal("0.00") and account.margin_level is None
    assert account.equity == account.balance == account.initial_balance == Decimal("10000.00")


def test_not_enough_free_margin_is_refused_no_money():
    broker = new_broker(balance=Decimal("1000"))
    tick(broker, "EURUSD", 1.10000, 1.10000)
    with rejected("no_money", "lots"):
        broker.place(order("EURUSD", Side.BUY))  # needs 1100
    broker.place(order("EURUSD", Side.BUY, "0.9"))  # needs 990
    assert len(broker.active_trades()) == 1


def test_stop_out_closes_worst_loser_first_until_level_restored():
    broker = new_broker(balance=Decimal("1000"))
    tick(broker, "EURUSD", 1.10000, 1.10000)
    tick(broker, "GBPUSD", 1.25000, 1.25000)
    eur = only(broker.place(order("EURUSD", Side.BUY, "0.4")), TradeOpened).trade  # margin 440
    gbp = only(broker.place(order("GBPUSD", Side.BUY, "0.3")), TradeOpened).trade  # margin 375
    assert tick(broker, "GBPUSD", 1.24800, 1.24800, minute=1) == []  # −60: level 115 %
    events = tick(broker, "EURUSD", 1.08600, 1.08600, minute=2)  # −560: level 46.98 %
    closed = only(events, TradeClosed).trade
    assert closed.id == eur.id and closed.close_reason is CloseReason.STOP_OUT
    assert closed.pnl == Decimal("-560.00") and closed.close_time == at(2)
    stop = only(events, StopOutTriggered)
    assert stop.closed == (closed,)
    assert stop.margin_level == pytest.approx(380 / 808.8 * 100)
    account = broker.account()
    assert account.balance == Decimal("440.00")
    assert [t.id for t in broker.active_trades()] == [gbp.id]
    assert account.margin_level == pytest.approx(380 / 374.4 * 100)


def test_stop_out_closes_more_trades_when_one_is_not_enough():
    broker = new_broker(balance=Decimal("1000"))
    tick(broker, "EURUSD", 1.10000, 1.10000)
    first = only(broker.place(order("EURUSD", Side.BUY, "0.4")), TradeOpened).trade
    second = only(broker.place(order("EURUSD", Side.BUY, "0.4")), TradeOpened).trade
    events = tick(broker, "EURUSD", 1.08900, 1.08900, minute=1)  # each −440: equity 120, margin 871
    stop = only(events, StopOutTriggered)
    assert {t.id for t in stop.closed} == {first.id, second.id}
    assert broker.account().balance == Decimal("120.00")


def test_partial_close_makes_new_closed_record_and_keeps_remainder_open():
    broker = new_broker(commission_per_lot_side=Decimal("3.5"))
    tick(broker, "EURUSD", 1.10000, 1.10000)
    trade = only(broker.place(order("EURUSD", Side.BUY, sl=1.09000)), TradeOpened).trade
    tick(broker, "EURUSD", 1.10100, 1.10100, minute=1)
    event = only(broker.close(trade.id, Decimal("0.4")), TradeClosed)
    part, remaining = event.trade, event.remaining
    assert part.id != trade.id and part.parent_id == trade.id
    assert part.status is TradeStatus.CLOSED and part.close_reason is CloseReason.PARTIAL
    assert part.lots == Decimal("0.4") and part.pnl == Decimal("40.00")
    assert part.commission == Decimal("2.80")  # 1.40 share of the open + 1.40 on close
    assert remaining.id == trade.id and remaining.status is TradeStatus.OPEN
    assert remaining.lots == Decimal("0.6") and remaining.commission == Decimal("2.10")
    assert broker.account().balance == Decimal("10037.20")
    closed = only(tick(broker, "EURUSD", 1.08900, 1.08900, minute=2), TradeClosed).trade
    assert closed.id == trade.id and closed.lots == Decimal("0.6") and closed.pnl == Decimal("-660.00")
    assert closed.commission == Decimal("4.20")
    assert broker.account().balance == Decimal("10037.20") - Decimal("660.00") - Decimal("4.20")


def test_partial_close_lots_rules():
    broker = new_broker()
    tick(broker, "EURUSD", 1.10000, 1.10000)
    trade = only(broker.place(order("EURUSD", Side.BUY)), TradeOpened).trade
    with rejected("invalid_lots", "lots"):
        broker.close(trade.id, Decimal("1"))
    with rejected("invalid_lots", "lots"):
        broker.close(trade.id, Decimal("1.5"))
    with rejected("invalid_lots", "lots"):
        broker.close(trade.id, Decimal("0.015"))
    assert broker.trade(trade.id).lots == Decimal("1")


def test_closed_trade_cannot_be_modified_or_closed_again():
    broker = new_broker()
    tick(broker, "EURUSD", 1.10000, 1.10000)
    trade = only(broker.place(order("EURUSD", Side.BUY)), TradeOpened).trade
    broker.close(trade.id)
    with rejected("invalid_state", "trade_id"):
        broker.close(trade.id)
    with rejected("invalid_state", "trade_id"):
        broker.modify(trade.id, sl=1.09)
    with pytest.raises(NotFound):
        broker.trade(trade.id)
    with pytest.raises(NotFound):
        broker.close(999)
    with pytest.raises(NotFound):
        broker.modify(999, tp=1.2)


def test_swap_rollover_once_per_day_settled_at_close():
    broker = new_broker(swap_enabled=True, swap_long_pips_per_night=-2.0, swap_short_pips_per_night=0.5)
    tick(broker, "EURUSD", 1.10000, 1.10000)
    buy = only(broker.place(order("EURUSD", Side.BUY)), TradeOpened).trade
    sell = only(broker.place(order("EURUSD", Side.SELL)), TradeOpened).trade
    events = broker.rollover(at(60 * 12))
    swaps = {e.trade.id: e.trade.swap for e in events if isinstance(e, TradeModified)}
    assert swaps == {buy.id: Decimal("-20.00"), sell.id: Decimal("5.00")}
    assert broker.rollover(at(60 * 12 + 5)) == []  # same UTC day
    assert broker.account().equity == Decimal("9985.00")
    broker.rollover(at(60 * 24 + 60 * 12))  # next day
    closed = only(broker.close(buy.id), TradeClosed).trade
    assert closed.swap == Decimal("-40.00")
    assert broker.account().balance == Decimal("9960.00")


def test_swap_off_by_default():
    broker = new_broker(swap_long_pips_per_night=-2.0)
    tick(broker, "EURUSD", 1.10000, 1.10000)
    broker.place(order("EURUSD", Side.BUY))
    assert broker.rollover(at(600)) == []


def test_restore_resumes_watching_open_trades_and_pending_orders():
    first = new_broker(commission_per_lot_side=Decimal("2"))
    tick(first, "EURUSD", 1.10000, 1.10010)
    trade = only(first.place(order("EURUSD", Side.BUY, sl=1.09900)), TradeOpened).trade
    limit = first.place(pending("EURUSD", Side.SELL, OrderType.LIMIT, 1.10500))[0].trade
    tick(first, "EURUSD", 1.10300, 1.10310, minute=1)
    tick(first, "EURUSD", 1.10100, 1.10110, minute=1.5)
    first.close(only(first.place(order("EURUSD", Side.BUY, "0.5")), TradeOpened).trade.id)
    again = new_broker(commission_per_lot_side=Decimal("2"))
    again.restore(first.account().balance, first.active_trades(), first.next_id, initial_balance=Decimal("10000"))
    assert again.next_id == first.next_id
    assert again.account().balance == first.account().balance
    tick(again, "EURUSD", 1.10100, 1.10110, minute=2)
    assert again.account().equity == first.account().equity
    assert again.trade(trade.id).mfe_pips == 29.0  # the stored excursion is kept
    opened = only(tick(again, "EURUSD", 1.10500, 1.10510, minute=3), TradeOpened).trade
    assert opened.id == limit.id
    closed = only(tick(again, "EURUSD", 1.09850, 1.09860, minute=4), TradeClosed).trade
    assert closed.id == trade.id and closed.commission == Decimal("4.00")
    assert closed.mfe_pips == 49.0 and closed.mae_pips == -16.0


def test_restored_cross_waits_for_its_conversion_rate_before_triggering():
    first = new_broker()
    tick(first, "GBPUSD", 1.25000, 1.25000)
    tick(first, "EURGBP", 0.85000, 0.85010)
    trade = only(first.place(order("EURGBP", Side.BUY, sl=0.84900)), TradeOpened).trade
    again = new_broker()
    again.restore(first.account().balance, first.active_trades(), first.next_id)
    assert tick(again, "EURGBP", 0.84800, 0.84810, minute=1) == []  # no GBPUSD yet: no rate
    with rejected("no_rate", "symbol"):
        again.close(trade.id)
    tick(again, "GBPUSD", 1.20000, 1.20000, minute=2)
    closed = only(tick(again, "EURGBP", 0.84790, 0.84800, minute=3), TradeClosed).trade
    assert closed.close_price == 0.84790 and closed.close_reason is CloseReason.SL
    assert closed.pnl == Decimal("-264.00")  # −22 pips × 10 GBP × 1.2


def test_pending_order_without_margin_at_trigger_is_cancelled():
    broker = new_broker(balance=Decimal("1500"))
    tick(broker, "EURUSD", 1.10000, 1.10000)
    placed = broker.place(pending("EURUSD", Side.BUY, OrderType.STOP, 1.10500))[0].trade  # needs 1105
    broker.place(order("EURUSD", Side.SELL, "0.5"))  # uses 550
    events = tick(broker, "EURUSD", 1.10500, 1.10500, minute=1)
    cancelled = only(events, OrderCancelled).trade
    assert cancelled.id == placed.id and cancelled.close_reason is CloseReason.CANCELLED
    assert [t.side for t in broker.active_trades()] == [Side.SELL]


def test_set_mirror_updates_active_record_and_refuses_unknown():
    broker = new_broker()
    tick(broker, "EURUSD", 1.10000, 1.10000)
    trade = broker.place(order("EURUSD", Side.BUY))[0].trade
    record = broker.set_mirror(trade.id, "12345", "mirrored")
    assert (record.mirror_ticket, record.mirror_state) == ("12345", "mirrored")
    assert broker.close(trade.id)[0].trade.mirror_ticket == "12345"
    with pytest.raises(NotFound):
        broker.set_mirror(trade.id, "1", "x")


def test_eur_account_margin_is_converted_from_usd():
    broker = new_broker(currency="EUR")
    tick(broker, "EURUSD", 1.10000, 1.10000)
    broker.place(order("EURUSD", Side.BUY))
    # 1 × 100,000 × 1.1 / 100 = 1,100 USD ÷ 1.1 = 1,000 EUR
    assert broker.account().margin == Decimal("1000.00")
    assert broker.account().currency == "EUR"


def test_close_uses_the_given_time():
    broker = new_broker()
    tick(broker, "EURUSD", 1.10000, 1.10000)
    trade = broker.place(order("EURUSD", Side.BUY), now=at(1))[0].trade
    assert trade.open_time == at(1)
    assert broker.close(trade.id, now=at(7))[0].trade.close_time == at(7)


def test_jpy_swap_is_converted_to_account_currency():
    broker = new_broker(swap_enabled=True, swap_short_pips_per_night=-3.0)
    tick(broker, "USDJPY", 125.000, 125.000)
    broker.place(order("USDJPY", Side.SELL, "2"))
    # 3 pips × 1,000 JPY per pip per lot × 2 lots = 6,000 JPY ÷ 125 = 48 USD charged
    assert broker.rollover(at(600))[0].trade.swap == Decimal("-48.00")
