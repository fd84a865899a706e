"""SL/TP on the right price, gaps, trailing stops, pending orders, expiry, trigger bounds."""

from __future__ import annotations

from decimal import Decimal

from engine.events import OrderCancelled, OrderPlaced, TradeClosed, TradeModified, TradeOpened
from engine.values import CloseReason, OrderType, Quote, Side, TradeStatus
from tests.engine.broker.factories import at, new_broker, only, order, pending, tick


def _buy(broker, **fields):
    tick(broker, "EURUSD", 1.10000, 1.10010)
    return only(broker.place(order("EURUSD", Side.BUY, **fields)), TradeOpened).trade


def test_buy_sl_gapped_through_fills_at_gap_price_not_level():
    broker = new_broker()
    trade = _buy(broker, sl=1.09900)
    assert tick(broker, "EURUSD", 1.09950, 1.09960, minute=1) == []
    closed = only(tick(broker, "EURUSD", 1.09800, 1.09810, minute=2), TradeClosed).trade
    assert closed.id == trade.id and closed.close_reason is CloseReason.SL
    assert closed.close_price == 1.09800 and closed.close_time == at(2)
    assert closed.pips == -21.0


def test_buy_sl_hit_exactly_fills_at_level():
    broker = new_broker()
    _buy(broker, sl=1.09900)
    closed = only(tick(broker, "EURUSD", 1.09900, 1.09910, minute=1), TradeClosed).trade
    assert closed.close_price == 1.09900


def test_buy_tp_gapped_through_fills_at_better_seen_price():
    broker = new_broker()
    _buy(broker, tp=1.10200)
    closed = only(tick(broker, "EURUSD", 1.10300, 1.10310, minute=1), TradeClosed).trade
    assert closed.close_reason is CloseReason.TP and closed.close_price == 1.10300


def test_buy_sl_triggers_on_bid_not_ask():
    broker = new_broker()
    _buy(broker, sl=1.09900)
    # the ask touches the stop but the bid does not: nothing happens
    assert tick(broker, "EURUSD", 1.09905, 1.09900 + 0.00010, minute=1) == []
    assert len(broker.active_trades()) == 1


def test_sell_sl_triggers_on_ask_even_when_bid_is_below():
    broker = new_broker()
    tick(broker, "EURUSD", 1.10000, 1.10010)
    trade = only(broker.place(order("EURUSD", Side.SELL, sl=1.10100, tp=1.09800)), TradeOpened).trade
    closed = only(tick(broker, "EURUSD", 1.10080, 1.10100, minute=1), TradeClosed).trade
    assert closed.id == trade.id and closed.close_reason is CloseReason.SL
    assert closed.close_price == 1.10100 and closed.pips == -10.0


def test_sell_tp_triggers_on_ask():
    broker = new_broker()
    tick(broker, "EURUSD", 1.10000, 1.10010)
    broker.place(order("EURUSD", Side.SELL, tp=1.09800))
    assert tick(broker, "EURUSD", 1.09795, 1.09805, minute=1) == []  # bid past, ask not
    closed = only(tick(broker, "EURUSD", 1.09780, 1.09790, minute=2), TradeClosed).trade
    assert closed.close_reason is CloseReason.TP and closed.close_price == 1.09790


def test_stale_quote_never_triggers():
    broker = new_broker()
    _buy(broker, sl=1.09900)
    assert broker.on_quote(Quote("EURUSD", 1.09000, 1.09010, at(1), stale=True)) == []
    assert len(broker.active_trades()) == 1


def test_trailing_stop_moves_only_in_favour_and_closes_as_trailing():
    broker = new_broker()
    trade = _buy(broker, trailing_pips=10)
    # 9 pips in profit: not yet more than the trailing distance
    assert tick(broker, "EURUSD", 1.10100, 1.10110, minute=1) == []
    moved = only(tick(broker, "EURUSD", 1.10150, 1.10160, minute=2), TradeModified).trade
    assert moved.sl == 1.10050
    assert tick(broker, "EURUSD", 1.10120, 1.10130, minute=3) == []  # pull-back: no move
    assert broker.trade(trade.id).sl == 1.10050
    assert only(tick(broker, "EURUSD", 1.10200, 1.10210, minute=4), TradeModified).trade.sl == 1.10100
    closed = only(tick(broker, "EURUSD", 1.10090, 1.10100, minute=5), TradeClosed).trade
    assert closed.close_reason is CloseReason.TRAILING
    assert closed.close_price == 1.10090 and closed.pips == 8.0


def test_trailing_sell_follows_ask_down():
    broker = new_broker()
    tick(broker, "EURUSD", 1.10000, 1.10010)
    trade = only(broker.place(order("EURUSD", Side.SELL, sl=1.10500, trailing_pips=20)), TradeOpened).trade
    moved = only(tick(broker, "EURUSD", 1.09740, 1.09750, minute=1), TradeModified).trade
    assert moved.sl == 1.09950  # ask 1.09750 + 20 pips
    closed = only(tick(broker, "EURUSD", 1.09960, 1.09970, minute=2), TradeClosed).trade
    assert closed.id == trade.id and closed.close_reason is CloseReason.TRAILING
    assert closed.close_price == 1.09970


def test_trailing_trade_stopped_before_trailing_moved_closes_as_sl():
    broker = new_broker()
    _buy(broker, sl=1.09900, trailing_pips=10)
    closed = only(tick(broker, "EURUSD", 1.09890, 1.09900, minute=1), TradeClosed).trade
    assert closed.close_reason is CloseReason.SL


def test_buy_limit_gapping_down_fills_at_seen_ask():
    broker = new_broker()
    tick(broker, "EURUSD", 1.10000, 1.10010)
    placed = only(broker.place(pending("EURUSD", Side.BUY, OrderType.LIMIT, 1.09500, tp=1.10000)), OrderPlaced).trade
    assert placed.status is TradeStatus.PENDING and placed.entry_price is None
    assert tick(broker, "EURUSD", 1.09590, 1.09600, minute=1) == []
    opened = only(tick(broker, "EURUSD", 1.09480, 1.09490, minute=2), TradeOpened).trade
    assert opened.id == placed.id and opened.status is TradeStatus.OPEN
    assert opened.requested_price == 1.09500 and opened.entry_price == 1.09490
    assert opened.open_time == at(2)


def test_stop_orders_fill_at_first_price_beyond_level():
    broker = new_broker()
    tick(broker, "EURUSD", 1.10000, 1.10010)
    buy_stop = only(broker.place(pending("EURUSD", Side.BUY, OrderType.STOP, 1.10500)), OrderPlaced).trade
    sell_stop = only(broker.place(pending("EURUSD", Side.SELL, OrderType.STOP, 1.09500)), OrderPlaced).trade
    sell_limit = only(broker.place(pending("EURUSD", Side.SELL, OrderType.LIMIT, 1.10300)), OrderPlaced).trade
    events = tick(broker, "EURUSD", 1.10590, 1.10600, minute=1)
    fills = {e.trade.id: e.trade.entry_price for e in events if isinstance(e, TradeOpened)}
    assert fills == {buy_stop.id: 1.10600, sell_limit.id: 1.10590}
    opened = only(tick(broker, "EURUSD", 1.09400, 1.09410, minute=2), TradeOpened).trade
    assert opened.id == sell_stop.id and opened.entry_price == 1.09400


def test_pending_order_filled_on_a_gap_can_stop_out_on_the_same_tick():
    broker = new_broker()
    tick(broker, "EURUSD", 1.10000, 1.10010)
    broker.place(pending("EURUSD", Side.SELL, OrderType.STOP, 1.09500, sl=1.09600))
    events = tick(broker, "EURUSD", 1.09390, 1.09650, minute=1)  # wide spread: ask above SL
    assert [type(e) for e in events] == [TradeOpened, TradeClosed]
    assert events[1].trade.close_reason is CloseReason.SL


def test_pending_order_expires_with_reason_expired():
    broker = new_broker()
    tick(broker, "EURUSD", 1.10000, 1.10010)
    placed = only(
        broker.place(pending("EURUSD", Side.BUY, OrderType.LIMIT, 1.09500, expires_at=at(30))), OrderPlaced
    ).trade
    assert broker.expire(at(29)) == []
    cancelled = only(broker.expire(at(30)), OrderCancelled).trade
    assert cancelled.id == placed.id and cancelled.status is TradeStatus.CANCELLED
    assert cancelled.close_reason is CloseReason.EXPIRED and cancelled.close_time == at(30)
    assert broker.active_trades() == []
    # and it no longer fills
    assert tick(broker, "EURUSD", 1.09000, 1.09010, minute=31) == []


def test_quote_after_expiry_expires_before_filling():
    broker = new_broker()
    tick(broker, "EURUSD", 1.10000, 1.10010)
    broker.place(pending("EURUSD", Side.BUY, OrderType.LIMIT, 1.09500, expires_at=at(30)))
    events = tick(broker, "EURUSD", 1.09000, 1.09010, minute=31)
    assert only(events, OrderCancelled).trade.close_reason is CloseReason.EXPIRED
    assert not [e for e in events if isinstance(e, TradeOpened)]


def test_cancel_pending_order_with_close():
    broker = new_broker()
    tick(broker, "EURUSD", 1.10000, 1.10010)
    placed = only(broker.place(pending("EURUSD", Side.BUY, OrderType.STOP, 1.10500)), OrderPlaced).trade
    cancelled = only(broker.close(placed.id), OrderCancelled).trade
    assert cancelled.status is TradeStatus.CANCELLED and cancelled.close_reason is CloseReason.CANCELLED
    assert tick(broker, "EURUSD", 1.10600, 1.10610, minute=1) == []
    assert broker.account().balance == broker.account().initial_balance


def test_modified_pending_price_fills_at_new_level_only():
    broker = new_broker()
    tick(broker, "EURUSD", 1.10000, 1.10010)
    placed = only(broker.place(pending("EURUSD", Side.BUY, OrderType.LIMIT, 1.09500)), OrderPlaced).trade
    only(broker.modify(placed.id, price=1.09800), TradeModified)
    opened = only(tick(broker, "EURUSD", 1.09790, 1.09800, minute=1), TradeOpened).trade
    assert opened.requested_price == 1.09800 and opened.entry_price == 1.09800


def test_modify_sl_replaces_old_level():
    broker = new_broker()
    trade = _buy(broker, sl=1.09900)
    broker.modify(trade.id, sl=1.09500)
    assert tick(broker, "EURUSD", 1.09800, 1.09810, minute=1) == []
    broker.modify(trade.id, sl=None)
    assert tick(broker, "EURUSD", 1.09400, 1.09410, minute=2) == []
    assert broker.trade(trade.id).sl is None


def test_trigger_bounds_report_nearest_levels():
    broker = new_broker()
    assert broker.trigger_bounds("EURUSD") == (None, None, None, None)
    tick(broker, "EURUSD", 1.10000, 1.10010)
    broker.place(order("EURUSD", Side.BUY, sl=1.09900, tp=1.10500))
    broker.place(order("EURUSD", Side.BUY, sl=1.09950, tp=1.10300))
    broker.place(order("EURUSD", Side.SELL, sl=1.10400, tp=1.09700))
    broker.place(pending("EURUSD", Side.BUY, OrderType.LIMIT, 1.09800))
    broker.place(pending("EURUSD", Side.SELL, OrderType.LIMIT, 1.10200))
    assert broker.trigger_bounds("EURUSD") == (1.09950, 1.10200, 1.09800, 1.10400)


def test_many_modifications_keep_heaps_bounded():
    broker = new_broker()
    trade = _buy(broker, sl=1.09000)
    for i in range(1000):
        broker.modify(trade.id, sl=1.09000 + (i % 50) * 0.00001)
    heaps = broker._books["EURUSD"].levels.heaps
    assert len(heaps["buy_sl"]) <= 2 * 1 + 64 + 1
    assert only(tick(broker, "EURUSD", 1.08900, 1.08910, minute=1), TradeClosed).trade.id == trade.id


def test_trailing_over_many_ticks_keeps_heaps_bounded_and_follows_the_high():
    broker = new_broker()
    trade = _buy(broker, trailing_pips=5)
    bid = 1.10000
    for i in range(2000):
        bid = round(bid + 0.00001, 5)
        tick(broker, "EURUSD", bid, round(bid + 0.0001, 5), minute=i / 100)
    levels = broker._books["EURUSD"].levels.heaps
    assert max(len(h) for h in levels.values()) <= 2 * 1 + 64 + 1
    assert broker.trade(trade.id).sl == round(bid - 0.0005, 5)


def test_on_price_floats_and_last_quote():
    broker = new_broker()
    assert broker.last_quote("EURUSD") is None
    assert broker.on_price("EURUSD", 1.1, 1.1001, at(1)) == []
    quote = broker.last_quote("EURUSD")
    assert (quote.symbol, quote.bid, quote.ask, quote.time) == ("EURUSD", 1.1, 1.1001, at(1))
    assert broker.on_price("NOTASYMBOL", 1.0, 1.0, at(1)) == []


def test_ticks_between_levels_take_the_fast_path_whatever_the_number_of_trades():
    broker = new_broker(balance=Decimal("10000000"))
    tick(broker, "EURUSD", 1.10000, 1.10010)
    for i in range(500):
        broker.place(
            order(
                "EURUSD",
                Side.BUY if i % 2 else Side.SELL,
                "0.01",
                sl=1.09000 if i % 2 else 1.11000,
                tp=1.11000 if i % 2 else 1.09000,
            )
        )
    slow_calls = []
    original = broker._on_levels
    broker._on_levels = lambda *args: slow_calls.append(args) or original(*args)
    for i in range(200):
        bid = 1.09500 + (i % 100) * 0.0001
        assert tick(broker, "EURUSD", bid, round(bid + 0.0001, 5), minute=i) == []
    assert slow_calls == []
    assert tick(broker, "EURUSD", 1.11000, 1.11010, minute=300) != []
    assert len(slow_calls) == 1
