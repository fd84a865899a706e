"""Properties over random sequences of operations (hypothesis, modest example counts)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.broker import BrokerConfig, FixedSlippage, OrderRequest, PaperBroker
from engine.errors import NotFound, OrderRejectedError
from engine.events import OrderCancelled, StopOutTriggered, TradeClosed, TradeModified, TradeOpened
from engine.instruments import SPECS
from engine.values import OrderType, Quote, Side, TradeStatus
from tests.engine.broker.factories import T0

SYMBOLS = ("EURUSD", "USDJPY", "GBPUSD", "EURGBP")
START = {"EURUSD": 1.10000, "USDJPY": 150.000, "GBPUSD": 1.25000, "EURGBP": 0.85000}

quote_op = st.tuples(st.just("quote"), st.sampled_from(SYMBOLS), st.integers(-300, 300), st.integers(0, 30))
place_op = st.tuples(
    st.just("place"),
    st.sampled_from(SYMBOLS),
    st.sampled_from(list(Side)),
    st.sampled_from(list(OrderType)),
    st.integers(1, 60),
    st.one_of(st.none(), st.integers(5, 200)),
    st.one_of(st.none(), st.integers(5, 200)),
    st.one_of(st.none(), st.integers(5, 50)),
    st.integers(-100, 100),
)
close_op = st.tuples(st.just("close"), st.integers(0, 20), st.integers(0, 100))
modify_op = st.tuples(
    st.just("modify"),
    st.integers(0, 20),
    st.one_of(st.none(), st.integers(5, 200)),
    st.one_of(st.none(), st.integers(5, 200)),
)
other_op = st.sampled_from([("rollover",), ("expire",)])
operations = st.lists(
    st.one_of(quote_op, quote_op, place_op, place_op, close_op, modify_op, other_op), min_size=20, max_size=80
)


def _run(ops, slippage_pips, commission):
    broker = PaperBroker(
        BrokerConfig(
            balance=Decimal("5000"),
            leverage=200,
            commission_per_lot_side=commission,
            slippage=FixedSlippage(slippage_pips),
            swap_enabled=True,
            swap_long_pips_per_night=-1.3,
            swap_short_pips_per_night=0.4,
        )
    )
    mids = dict(START)
    seen = {s: set() for s in SYMBOLS}
    events, now = [], T0
    for symbol in SYMBOLS:  # every symbol starts with a price
        seen[symbol].update((START[symbol], START[symbol]))
        events += broker.on_quote(Quote(symbol, START[symbol], START[symbol], now))
    for op in ops:
        kind = op[0]
        try:
            if kind == "quote":
                _, symbol, move, spread = op
                spec = SPECS[symbol]
                mids[symbol] = max(mids[symbol] + move * spec.point, 100 * spec.point)
                bid = spec.round_price(mids[symbol])
                ask = spec.round_price(bid + spread * spec.point)
                now += timedelta(hours=3)
                seen[symbol].update((bid, ask))
                events += broker.on_quote(Quote(symbol, bid, ask, now))
            elif kind == "place":
                _, symbol, side, order_type, lots, sl, tp, trailing, offset = op
                spec = SPECS[symbol]
                ref = mids[symbol]
                price = spec.round_price(ref + offset * spec.pip_size) if order_type is not OrderType.MARKET else None
                base = price or ref
                sl_price = None if sl is None else base - side.sign * sl * spec.pip_size
                tp_price = None if tp is None else base + side.sign * tp * spec.pip_size
                events += broker.place(
                    OrderRequest(
                        symbol,
                        side,
                        order_type,
                        lots=Decimal(lots) / 100,
                        price=price,
                        sl=sl_price,
                        tp=tp_price,
                        trailing_pips=trailing,
                        expires_at=now + timedelta(hours=5) if price else None,
                    )
                )
            elif kind == "close":
                _, index, part = op
                active = broker.active_trades()
                if active:
                    trade = active[index % len(active)]
                    lots = None if part == 0 else (trade.lots * part / 100).quantize(Decimal("0.01"))
                    events += broker.close(trade.id, lots)
            elif kind == "modify":
                _, index, sl, tp = op
                active = broker.active_trades()
                if active:
                    trade = active[index % len(active)]
                    spec = SPECS[trade.symbol]
                    ref = trade.entry_price or trade.requested_price
                    events += broker.modify(
                        trade.id,
                        sl=None if sl is None else ref - trade.side.sign * sl * spec.pip_size,
                        tp=None if tp is None else ref + trade.side.sign * tp * spec.pip_size,
                    )
            elif kind == "rollover":
                events += broker.rollover(now)
            else:
                events += broker.expire(now)
        except (OrderRejectedError, NotFound):
            pass
    return broker, events, seen


@settings(max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=operations, slippage=st.sampled_from([0.0, 0.5]), commission=st.sampled_from([Decimal("0"), Decimal("3.5")]))
def test_balance_is_initial_plus_net_of_closed_records_and_prices_were_seen(ops, slippage, commission):
    broker, events, seen = _run(ops, slippage, commission)
    closed = [e.trade for e in events if isinstance(e, TradeClosed)]
    expected = Decimal("5000.00") + sum((t.pnl - t.commission + t.swap for t in closed), Decimal("0"))
    assert broker.account().balance == expected
    for event in events:
        if isinstance(event, (TradeOpened, TradeClosed, TradeModified)):
            trade = event.trade
            spec = SPECS[trade.symbol]
            allowed = {
                spec.round_price(p + k * slippage * spec.pip_size) for p in seen[trade.symbol] for k in (-1, 0, 1)
            }
            if trade.status is not TradeStatus.PENDING:
                assert trade.entry_price in allowed
            if trade.close_price is not None:
                assert trade.close_price in allowed
            assert trade.mfe_pips >= 0 >= trade.mae_pips
        if isinstance(event, OrderCancelled):
            assert event.trade.status is TradeStatus.CANCELLED
        if isinstance(event, StopOutTriggered):
            assert event.margin_level < 50.0
    if not any(t.status is TradeStatus.OPEN for t in broker.active_trades()):
        assert broker.account().equity == broker.account().balance
    ids = [t.id for t in closed] + [t.id for t in broker.active_trades()]
    assert len(ids) == len(set(ids))


@settings(max_examples=30, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=operations)
def test_restore_after_random_operations_gives_same_account_and_trades(ops):
    broker, _, _ = _run(ops, 0.0, Decimal("3.5"))
    again = PaperBroker(BrokerConfig(balance=Decimal("5000"), leverage=200, commission_per_lot_side=Decimal("3.5")))
    for symbol in SYMBOLS:  # the last prices first (as the engine reloads them), then the journal
        again.on_quote(broker.last_quote(symbol))
    again.restore(broker.account().balance, broker.active_trades(), broker.next_id, initial_balance=Decimal("5000"))
    before, after = broker.account(), again.account()
    assert after.balance == before.balance
    assert abs(after.equity - before.equity) <= Decimal("0.01")
    assert abs(after.margin - before.margin) <= Decimal("0.01")
    assert [(t.id, t.lots, t.sl, t.tp, t.commission, t.swap) for t in again.active_trades()] == [
        (t.id, t.lots, t.sl, t.tp, t.commission, t.swap) for t in broker.active_trades()
    ]
    assert again.next_id == broker.next_id
