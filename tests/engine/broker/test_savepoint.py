"""Savepoints: a command rolled back leaves the broker exactly as if it had never run."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.broker import BrokerConfig, FixedSlippage, OrderRequest, PaperBroker
from engine.errors import NotFound, OrderRejectedError
from engine.events import TradeClosed
from engine.instruments import SPECS
from engine.values import OrderType, Quote, Side, TradeStatus
from tests.engine.broker.factories import T0, at, new_broker, order, tick
from tests.engine.broker.test_properties import close_op, modify_op, place_op, quote_op

SYMBOLS = ("EURUSD", "USDJPY", "EURGBP", "GBPUSD")
START = {"EURUSD": 1.10000, "USDJPY": 150.000, "GBPUSD": 1.25000, "EURGBP": 0.85000}


def snapshot(broker: PaperBroker) -> tuple:
    account = broker.account()
    return account.balance, account.equity, account.margin, broker.next_id, broker.active_trades()


def test_rolled_back_partial_close_restores_trade_balance_ids_and_excursions():
    broker = new_broker(commission_per_lot_side=Decimal("3.5"))
    tick(broker, "EURUSD", 1.10000, 1.10010)
    keep = only_open(broker.place(order("EURUSD", Side.BUY, "1", sl=1.09, tp=1.12, trailing_pips=20)))
    touched = only_open(broker.place(order("EURUSD", Side.SELL, "2", sl=1.12)))
    tick(broker, "EURUSD", 1.10500, 1.10510, 1)  # excursions for both, trailing moved for the buy
    before = snapshot(broker)
    point = broker.savepoint([touched.id])
    events = broker.close(touched.id, Decimal("0.5"))
    assert isinstance(events[0], TradeClosed) and events[0].remaining is not None
    broker.rollback(point)
    assert snapshot(broker) == before
    assert broker.trade(keep.id).mfe_pips == before[4][0].mfe_pips > 0
    # the broker goes on as before: the same quote closes the same trades at the same prices
    twin = new_broker(commission_per_lot_side=Decimal("3.5"))
    tick(twin, "EURUSD", 1.10000, 1.10010)
    twin.place(order("EURUSD", Side.BUY, "1", sl=1.09, tp=1.12, trailing_pips=20))
    twin.place(order("EURUSD", Side.SELL, "2", sl=1.12))
    tick(twin, "EURUSD", 1.10500, 1.10510, 1)
    assert tick(broker, "EURUSD", 1.12100, 1.12110, 2) == tick(twin, "EURUSD", 1.12100, 1.12110, 2)
    assert snapshot(broker) == snapshot(twin)


def test_rolled_back_place_forgets_the_order_and_reuses_its_id():
    broker = new_broker()
    tick(broker, "EURUSD", 1.10000, 1.10010)
    point = broker.savepoint()
    placed = broker.place(
        OrderRequest("EURUSD", Side.BUY, OrderType.LIMIT, lots=Decimal("1"), price=1.09, expires_at=at(60))
    )
    broker.rollback(point)
    assert broker.active_trades() == [] and broker.next_id == placed[0].trade.id
    assert tick(broker, "EURUSD", 1.08900, 1.08910, 90) == []  # neither filled nor expired: it never existed
    assert broker.account().margin == 0


def test_rolled_back_full_close_reopens_the_trade_and_keeps_its_closed_state_unknown():
    broker = new_broker()
    tick(broker, "EURUSD", 1.10000, 1.10010)
    trade = only_open(broker.place(order("EURUSD", Side.BUY, "1")))
    before = snapshot(broker)
    point = broker.savepoint([trade.id])
    broker.close(trade.id)
    broker.rollback(point)
    assert snapshot(broker) == before
    broker.close(trade.id)  # closable again, once
    try:
        broker.close(trade.id)
    except OrderRejectedError as exc:
        assert exc.code == "invalid_state"  # "already closed", not "no such trade"
    else:  # pragma: no cover
        raise AssertionError("a closed trade closed twice")


def test_roll_back_keeps_a_manual_stop_beyond_entry_closing_as_sl_not_trailing():
    broker = new_broker()
    tick(broker, "EURUSD", 1.10000, 1.10010)
    trade = only_open(broker.place(order("EURUSD", Side.BUY, "1", trailing_pips=20)))
    tick(broker, "EURUSD", 1.10200, 1.10210, 1)
    broker.modify(trade.id, sl=1.10050)  # set by hand beyond the entry: a stop-loss close says "sl"
    point = broker.savepoint()
    broker.place(order("EURUSD", Side.SELL, "1"))
    broker.rollback(point)
    (closed,) = tick(broker, "EURUSD", 1.10040, 1.10050, 2)
    assert closed.trade.close_reason.value == "sl"


def only_open(events):
    (event,) = events
    return event.trade


# -- property: roll back + redo == run once -------------------------------------------------------

operations = st.lists(st.one_of(quote_op, quote_op, place_op, place_op, close_op, modify_op), min_size=10, max_size=60)


def _command(broker: PaperBroker, op: tuple, mids: dict[str, float], now) -> tuple[list, list[int]]:
    """(the command, the trade ids it touches) of a non-quote ``op``."""
    kind = op[0]
    if kind == "place":
        _, symbol, side, order_type, lots, sl, tp, trailing, offset = op
        spec = SPECS[symbol]
        price = spec.round_price(mids[symbol] + offset * spec.pip_size) if order_type is not OrderType.MARKET else None
        base = price or mids[symbol]
        request = OrderRequest(
            symbol,
            side,
            order_type,
            lots=Decimal(lots) / 100,
            price=price,
            sl=None if sl is None else base - side.sign * sl * spec.pip_size,
            tp=None if tp is None else base + side.sign * tp * spec.pip_size,
            trailing_pips=trailing,
            expires_at=now + timedelta(hours=5) if price else None,
        )
        return (lambda: broker.place(request)), []
    active = broker.active_trades()
    if not active:
        return (list), []
    trade = active[op[1] % len(active)]
    if kind == "close":
        lots = None if op[2] == 0 else (trade.lots * op[2] / 100).quantize(Decimal("0.01"))
        return (lambda: broker.close(trade.id, lots)), [trade.id]
    spec = SPECS[trade.symbol]
    ref = trade.entry_price or trade.requested_price
    sl = None if op[2] is None else ref - trade.side.sign * op[2] * spec.pip_size
    tp = None if op[3] is None else ref + trade.side.sign * op[3] * spec.pip_size
    return (lambda: broker.modify(trade.id, sl=sl, tp=tp)), [trade.id]


@settings(max_examples=40, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=operations)
def test_every_command_rolled_back_and_redone_gives_the_same_broker_as_running_it_once(ops):
    config = {
        "balance": Decimal("5000"),
        "leverage": 200,
        "commission_per_lot_side": Decimal("3.5"),
        "slippage": FixedSlippage(0.5),
    }
    once, twice = PaperBroker(BrokerConfig(**config)), PaperBroker(BrokerConfig(**config))
    mids, now = dict(START), T0
    for broker in (once, twice):
        for symbol in SYMBOLS:
            broker.on_quote(Quote(symbol, START[symbol], START[symbol], now))
    for op in ops:
        if op[0] == "quote":
            _, symbol, move, spread = op
            spec = SPECS[symbol]
            mids[symbol] = max(mids[symbol] + move * spec.point, 100 * spec.point)
            bid = spec.round_price(mids[symbol])
            now += timedelta(hours=1)
            quote = Quote(symbol, bid, spec.round_price(bid + spread * spec.point), now)
            assert once.on_quote(quote) == twice.on_quote(quote)
            continue
        before = snapshot(twice)
        results = []
        for broker in (once, twice):
            action, touches = _command(broker, op, mids, now)
            point = broker.savepoint(touches)
            if broker is twice:
                try:
                    action()
                except (OrderRejectedError, NotFound):
                    pass
                broker.rollback(point)
                assert snapshot(broker)[:1] + snapshot(broker)[3:] == before[:1] + before[3:]
            try:
                results.append(action())
            except (OrderRejectedError, NotFound) as exc:
                results.append(type(exc))
        assert results[0] == results[1]
        assert once.account().balance == twice.account().balance
        assert abs(once.account().equity - twice.account().equity) <= Decimal("0.01")
        assert once.active_trades() == twice.active_trades()
    assert all(t.status in (TradeStatus.OPEN, TradeStatus.PENDING) for t in twice.active_trades())
