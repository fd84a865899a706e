"""MFE/MAE since each trade's own open."""

from __future__ import annotations

from engine.broker.excursions import Excursions
from engine.events import TradeClosed, TradeOpened
from engine.values import Side
from tests.engine.broker.factories import new_broker, only, order, tick


def test_buy_excursions_on_bid():
    broker = new_broker()
    tick(broker, "EURUSD", 1.10000, 1.10010)
    trade = only(broker.place(order("EURUSD", Side.BUY)), TradeOpened).trade
    for i, bid in enumerate((1.10050, 1.09950, 1.10100, 1.10020)):
        tick(broker, "EURUSD", bid, bid + 0.0001, minute=i + 1)
    closed = only(broker.close(trade.id), TradeClosed).trade
    assert closed.mfe_pips == 9.0 and closed.mae_pips == -6.0


def test_sell_excursions_on_ask_and_each_trade_from_its_own_open():
    broker = new_broker()
    tick(broker, "EURUSD", 1.10000, 1.10010)
    early = only(broker.place(order("EURUSD", Side.SELL)), TradeOpened).trade  # at 1.10000
    tick(broker, "EURUSD", 1.09790, 1.09800, minute=1)  # ask 20 pips better for the early sell
    tick(broker, "EURUSD", 1.10090, 1.10100, minute=2)  # ask 10 pips worse
    late = only(broker.place(order("EURUSD", Side.SELL)), TradeOpened).trade  # at 1.10090
    tick(broker, "EURUSD", 1.10040, 1.10050, minute=3)
    early_rec, late_rec = broker.trade(early.id), broker.trade(late.id)
    assert (early_rec.mfe_pips, early_rec.mae_pips) == (20.0, -10.0)
    assert (late_rec.mfe_pips, late_rec.mae_pips) == (4.0, -1.0)


def test_excursions_structure_matches_brute_force():
    import random

    rng = random.Random(5)
    ex = Excursions()
    ticks, opens = [], []
    for _i in range(400):
        bid = 1.0 + rng.random() / 100
        ask = bid + 0.0001
        if rng.random() < 0.1:
            opens.append((ex.start_segment(bid, ask), len(ticks)))
            ticks.append((bid, ask))
        else:
            ticks.append((bid, ask))
            ex.observe(bid, ask)
        for segment, start in opens[-5:]:
            seen = ticks[start:]
            assert ex.since(segment) == (
                max(b for b, _ in seen),
                min(b for b, _ in seen),
                max(a for _, a in seen),
                min(a for _, a in seen),
            )
