"""Mt5Mirror against the fake MetaTrader5 package."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bridges.config import MirrorOptions
from bridges.errors import BridgeUnavailable
from bridges.mt5.mirror import Mt5Mirror
from engine.values import OrderType, Side, TradeStatus
from tests.bridges.conftest import MAGIC
from tests.bridges.fake_mt5 import constants as c
from tests.kit import mirrored_trade


async def test_open_market_buy_creates_tagged_position(mt5_mirror, terminal):
    result = await mt5_mirror.open(mirrored_trade(7))
    assert result.ok, result
    position = terminal.positions[int(result.ticket)]
    assert position.symbol == "EURUSD.m"
    assert position.magic == MAGIC
    assert position.comment == "pt:7"
    assert position.type == c.POSITION_TYPE_BUY
    assert position.volume == pytest.approx(0.10)
    assert (position.sl, position.tp) == (1.0950, 1.1050)
    assert result.price == pytest.approx(terminal.symbols["EURUSD.m"].ask)
    assert terminal.calls.index("order_check") < terminal.calls.index("order_send")


async def test_open_runs_every_call_on_one_thread(mt5_mirror, terminal):
    for trade_id in range(1, 4):
        assert (await mt5_mirror.open(mirrored_trade(trade_id))).ok
    assert len(terminal.call_threads) == 1


async def test_open_pending_sell_limit_places_order(mt5_mirror, terminal):
    trade = mirrored_trade(
        3,
        side=Side.SELL,
        order_type=OrderType.LIMIT,
        status=TradeStatus.PENDING,
        entry=None,
        requested=1.1050,
        sl=1.1100,
        tp=1.1000,
    )
    result = await mt5_mirror.open(trade)
    assert result.ok, result
    order = terminal.orders[int(result.ticket)]
    assert order.type == c.ORDER_TYPE_SELL_LIMIT
    assert order.price_open == 1.1050
    assert not terminal.positions
    positions = await mt5_mirror.positions()
    assert positions[0].extra["pending"] is True and positions[0].paper_trade_id == 3


async def test_modify_open_position_uses_sltp(mt5_mirror, terminal):
    ticket = (await mt5_mirror.open(mirrored_trade(1))).ticket
    result = await mt5_mirror.modify(mirrored_trade(1, sl=1.0900, tp=1.1100), ticket)
    assert result.ok, result
    position = terminal.positions[int(ticket)]
    assert (position.sl, position.tp) == (1.0900, 1.1100)


async def test_modify_pending_order_moves_price(mt5_mirror, terminal):
    pending = mirrored_trade(
        2, order_type=OrderType.STOP, status=TradeStatus.PENDING, entry=None, requested=1.1100, sl=1.1000, tp=1.1200
    )
    ticket = (await mt5_mirror.open(pending)).ticket
    moved = mirrored_trade(
        2, order_type=OrderType.STOP, status=TradeStatus.PENDING, entry=None, requested=1.1120, sl=1.1020, tp=1.1220
    )
    assert (await mt5_mirror.modify(moved, ticket)).ok
    order = terminal.orders[int(ticket)]
    assert (order.price_open, order.sl, order.tp) == (1.1120, 1.1020, 1.1220)


async def test_close_partial_then_full_removes_volume(mt5_mirror, terminal):
    ticket = (await mt5_mirror.open(mirrored_trade(1, lots="0.30"))).ticket
    partial = await mt5_mirror.close(mirrored_trade(1, lots="0.30"), ticket, Decimal("0.10"))
    assert partial.ok, partial
    assert terminal.positions[int(ticket)].volume == pytest.approx(0.20)
    full = await mt5_mirror.close(mirrored_trade(1, lots="0.20"), ticket)
    assert full.ok, full
    assert int(ticket) not in terminal.positions


async def test_close_pending_removes_order(mt5_mirror, terminal):
    pending = mirrored_trade(
        2, order_type=OrderType.LIMIT, status=TradeStatus.PENDING, entry=None, requested=1.0900, sl=1.0850, tp=1.1000
    )
    ticket = (await mt5_mirror.open(pending)).ticket
    assert (await mt5_mirror.close(pending, ticket)).ok
    assert not terminal.orders


async def test_close_unknown_ticket_reports_not_found(mt5_mirror):
    result = await mt5_mirror.close(mirrored_trade(1), "123")
    assert not result.ok and result.code == "not_found"


async def test_requote_is_retried_at_new_price(mt5_mirror, terminal):
    terminal.inject_requotes(2, move_points=3)
    result = await mt5_mirror.open(mirrored_trade(1))
    assert result.ok, result
    assert terminal.order_sends() == 3
    assert len(terminal.positions) == 1
    assert result.price == pytest.approx(1.10016)


async def test_requote_beyond_deviation_is_refused(mt5_client, terminal):
    mirror = Mt5Mirror(mt5_client, MirrorOptions(magic=MAGIC, symbol_suffix=".m", deviation_points=5))
    await mirror.connect()
    await mirror.reconcile()
    terminal.inject_requotes(3, move_points=4)
    result = await mirror.open(mirrored_trade(1))
    assert not result.ok
    assert result.code == str(c.TRADE_RETCODE_REQUOTE)
    assert "deviation" in result.message
    assert not terminal.positions


async def test_refusal_is_reported_with_code_and_message(mt5_mirror, terminal):
    terminal.inject_refusal(c.TRADE_RETCODE_NO_MONEY, "No money")
    result = await mt5_mirror.open(mirrored_trade(1))
    assert not result.ok
    assert result.code == "10019"
    assert "no_money" in result.message and "not enough money" in result.message
    assert not terminal.positions
    assert mt5_mirror.status().last_error == result.message


async def test_order_check_refusal_stops_before_send(mt5_mirror, terminal):
    result = await mt5_mirror.open(mirrored_trade(1, sl=1.2000))  # SL above the ask of a buy
    assert not result.ok and result.code == str(c.TRADE_RETCODE_INVALID_STOPS)
    assert terminal.order_sends() == 0


async def test_disconnect_mid_send_reconciles_without_duplicate(mt5_mirror, terminal):
    terminal.drop_after_send = True  # executes the order, then the reply is lost
    result = await mt5_mirror.open(mirrored_trade(9))
    assert result.ok, result
    assert len(terminal.positions) == 1
    assert terminal.order_sends() == 1
    assert terminal.positions[int(result.ticket)].comment == "pt:9"


async def test_reconnect_then_same_open_is_not_sent_twice(mt5_mirror, terminal):
    first = await mt5_mirror.open(mirrored_trade(4))
    terminal.disconnect()
    with pytest.raises(BridgeUnavailable):
        await mt5_mirror.positions()
    again = await mt5_mirror.open(mirrored_trade(4))
    assert again.ok and again.ticket == first.ticket and again.code == "already_mirrored"
    assert terminal.order_sends() == 1


async def test_reconcile_finds_positions_by_magic_only(mt5_mirror, terminal):
    await mt5_mirror.open(mirrored_trade(5))
    terminal.add_symbol("GBPUSD", bid=1.25)
    terminal.symbols["GBPUSD"].visible = True
    terminal._open_position("GBPUSD", 0, 0.5, 1.25, 0.0, 0.0, 999, "manual", 1)  # someone else's
    found = await mt5_mirror.reconcile()
    assert [(p.paper_trade_id, p.symbol, p.side) for p in found] == [(5, "EURUSD", Side.BUY)]
    assert found[0].open_time is not None and found[0].sl == 1.0950


async def test_disconnect_mid_close_is_not_sent_twice(mt5_mirror, terminal):
    ticket = (await mt5_mirror.open(mirrored_trade(3))).ticket
    terminal.drop_after_send = True
    result = await mt5_mirror.close(mirrored_trade(3), ticket)
    assert result.ok and int(ticket) not in terminal.positions
    assert terminal.order_sends() == 2  # one open, one close


async def test_unknown_symbol_open_is_reported(mt5_mirror, terminal):
    result = await mt5_mirror.open(mirrored_trade(1, symbol="AUDNZD"))
    assert not result.ok and result.code == "unknown_symbol" and "AUDNZD" in result.message
    assert terminal.order_sends() == 0


async def test_position_of_an_earlier_journal_is_not_taken_for_a_new_trade(mt5_client, terminal):
    day_ago = terminal.server_now() - 86_400
    terminal._open_position("EURUSD.m", 0, 0.1, 1.09, 0.0, 0.0, MAGIC, "pt:1", 900)
    terminal.positions[900] = terminal.positions[900]._replace(time=day_ago)
    mirror = Mt5Mirror(mt5_client, MirrorOptions(magic=MAGIC, symbol_suffix=".m"))
    await mirror.connect()
    await mirror.reconcile()
    assert mirror.clock.offset_seconds == 7200
    result = await mirror.open(mirrored_trade(1))  # a fresh journal's trade 1
    assert result.ok and result.ticket != "900" and len(terminal.positions) == 2
    await mirror.disconnect()


async def test_position_with_same_tag_but_other_side_is_not_adopted(mt5_mirror, terminal):
    terminal._open_position("EURUSD.m", 1, 0.1, 1.09, 0.0, 0.0, MAGIC, "pt:2", 901)  # a sell
    await mt5_mirror.reconcile()
    result = await mt5_mirror.open(mirrored_trade(2))  # a buy
    assert result.ok and result.ticket != "901" and terminal.order_sends() == 1
