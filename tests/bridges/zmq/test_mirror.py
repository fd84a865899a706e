"""ZmqMirror against the fake stock DWX EA (v2.0.1 RC8, MQL4) on loopback."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from bridges.config import MirrorOptions
from bridges.errors import BridgeTimeout
from bridges.zmq.client import ZmqClient
from bridges.zmq.mirror import ZmqMirror
from engine.values import OrderType, Side, TradeStatus
from tests.bridges.conftest import MAGIC
from tests.kit import mirrored_trade


async def test_open_sends_dwx_command_with_points_and_tag(zmq_mirror, fake_ea):
    result = await zmq_mirror.open(mirrored_trade(7, entry=1.10010, sl=1.09510, tp=1.10510))
    assert result.ok, result
    assert fake_ea.trade_commands("OPEN") == [f"TRADE;OPEN;0;EURUSD;0.0;500;500;pt:7;0.1;{MAGIC};0"]
    trade = fake_ea.trades[int(result.ticket)]
    assert (trade["_SL"], trade["_TP"], trade["_comment"]) == (1.0951, 1.1051, "pt:7")
    assert not fake_ea.trade_commands("MODIFY")  # filled at the paper price: nothing to pin


async def test_open_filled_elsewhere_pins_absolute_stops(zmq_mirror, fake_ea):
    fake_ea.mt4.fill_slippage_points = 7  # the EA sets SL/TP from its own fill price
    result = await zmq_mirror.open(mirrored_trade(8, entry=1.10010, sl=1.09510, tp=1.10510))
    assert result.ok, result
    trade = fake_ea.trades[int(result.ticket)]
    assert trade["_open_price"] == pytest.approx(1.10017)
    assert (trade["_SL"], trade["_TP"]) == (1.0951, 1.1051)  # 507 / 493 points from the real fill
    assert fake_ea.trade_commands("MODIFY")[0].split(";")[5:7] == ["507", "493"]


async def test_open_sell_jpy_uses_three_digit_points(zmq_mirror, fake_ea):
    trade = mirrored_trade(9, symbol="USDJPY", side=Side.SELL, entry=151.200, sl=151.700, tp=150.200)
    assert (await zmq_mirror.open(trade)).ok
    assert fake_ea.trade_commands("OPEN")[0].split(";")[2:7] == ["1", "USDJPY", "0.0", "500", "1000"]


async def test_open_with_stop_on_wrong_side_is_refused_locally(zmq_mirror, fake_ea):
    result = await zmq_mirror.open(mirrored_trade(1, entry=1.1001, sl=1.1100))
    assert not result.ok and result.code == "invalid_stops" and "sl" in result.message
    assert not fake_ea.trade_commands("OPEN")


async def test_pending_open_modify_and_cancel(zmq_mirror, fake_ea):
    pending = mirrored_trade(
        3, order_type=OrderType.LIMIT, status=TradeStatus.PENDING, entry=None, requested=1.09000, sl=1.08500, tp=1.10000
    )
    opened = await zmq_mirror.open(pending)
    assert opened.ok, opened
    assert fake_ea.trades[int(opened.ticket)]["_type"] == 2
    moved = mirrored_trade(
        3, order_type=OrderType.LIMIT, status=TradeStatus.PENDING, entry=None, requested=1.08800, sl=1.08300, tp=1.09800
    )
    assert (await zmq_mirror.modify(moved, opened.ticket)).ok
    state = fake_ea.trades[int(opened.ticket)]
    assert (state["_open_price"], state["_SL"], state["_TP"]) == (1.088, 1.083, 1.098)
    cancelled = await zmq_mirror.close(moved, opened.ticket)
    assert cancelled.ok and cancelled.code == "confirmed_by_absence"  # the EA ignores OrderDelete's result
    assert not fake_ea.trades


async def test_modify_close_partial_and_full(zmq_mirror, fake_ea):
    ticket = (await zmq_mirror.open(mirrored_trade(4, lots="0.30"))).ticket
    assert (await zmq_mirror.modify(mirrored_trade(4, lots="0.30", sl=1.0900, tp=1.1100), ticket)).ok
    assert (fake_ea.trades[int(ticket)]["_SL"], fake_ea.trades[int(ticket)]["_TP"]) == (1.09, 1.11)
    partial = await zmq_mirror.close(mirrored_trade(4, lots="0.30"), ticket, Decimal("0.10"))
    assert partial.ok and partial.ticket != ticket  # MT4 re-opens the rest under a new ticket
    heir = fake_ea.trades[int(partial.ticket)]
    assert heir["_lots"] == pytest.approx(0.20) and heir["_comment"] == f"from #{ticket}"
    assert fake_ea.trade_commands("CLOSE_PARTIAL")[0].split(";")[8] == "0.1"
    full = await zmq_mirror.close(mirrored_trade(4, lots="0.20"), partial.ticket)
    assert full.ok and full.code == "CLOSE_MARKET" and not fake_ea.trades


async def test_close_unknown_ticket_reports_not_found(zmq_mirror):
    result = await zmq_mirror.close(mirrored_trade(1), "123")
    assert not result.ok and result.code == "NOT_FOUND"


async def test_not_enough_money_is_reported_with_code(zmq_mirror, fake_ea):
    fake_ea.mt4.send_errors.append(134)
    result = await zmq_mirror.open(mirrored_trade(1))
    assert not result.ok and result.code == "134" and "not enough money" in result.message
    assert not fake_ea.trades
    assert "134" in zmq_mirror.status().last_error


async def test_busy_trade_context_is_retried_then_succeeds(zmq_mirror, fake_ea):
    fake_ea.server.context_busy = 2  # MQL4's IsTradeAllowed() is false: TRADING_IS_NOT_ALLOWED__ABORTED_COMMAND
    result = await zmq_mirror.open(mirrored_trade(1))
    assert result.ok, result
    assert len(fake_ea.trade_commands("OPEN")) == 3 and len(fake_ea.trades) == 1


async def test_trading_not_allowed_for_good_is_refused_with_both_causes(zmq_mirror, fake_ea):
    fake_ea.server.algo_trading = False
    result = await zmq_mirror.open(mirrored_trade(1))
    assert not result.ok and result.code == "TRADING_IS_NOT_ALLOWED"
    assert "Algo Trading" in result.message and "busy" in result.message


async def test_stock_ea_limits_are_refused_with_how_to_raise_them(fake_ea):
    fake_ea.server.maximum_orders, fake_ea.server.maximum_lot_size = 1, 0.01  # the stock defaults
    mirror = ZmqMirror(ZmqClient(fake_ea.config()), MirrorOptions(magic=MAGIC))
    await mirror.connect()
    too_big = await mirror.open(mirrored_trade(1, lots="0.10"))
    assert not too_big.ok and too_big.code == "LOT_SIZE_ERROR" and "MaximumLotSize" in too_big.message
    assert (await mirror.open(mirrored_trade(2, lots="0.01"))).ok
    second = await mirror.open(mirrored_trade(3, lots="0.01"))
    assert not second.ok and second.code == "NUM_ORDERS_ERROR" and "MaximumOrders" in second.message
    await mirror.disconnect()


async def test_requote_138_is_retried(zmq_mirror, fake_ea):
    fake_ea.mt4.send_errors.append(138)
    assert (await zmq_mirror.open(mirrored_trade(1))).ok
    assert len(fake_ea.trades) == 1


async def test_ea_stops_answering_raises_timeout(zmq_mirror, fake_ea):
    fake_ea.silent = True
    with pytest.raises(BridgeTimeout) as err:
        await zmq_mirror.positions()
    assert "did not answer" in err.value.message and "GET_OPEN_TRADES" in err.value.message
    assert not zmq_mirror.status().healthy


async def test_lost_reply_mid_open_reconciles_without_duplicate(zmq_mirror, fake_ea):
    fake_ea.drop_reply_to.append("TRADE;OPEN")  # executes the OPEN, the answer never arrives
    result = await zmq_mirror.open(mirrored_trade(11))
    assert result.ok and result.code == "reconciled"
    assert len(fake_ea.trade_commands("OPEN")) == 1 and len(fake_ea.trades) == 1
    assert fake_ea.trades[int(result.ticket)]["_comment"] == "pt:11"


async def test_restarted_ea_reconnects_and_does_not_double(zmq_mirror, fake_ea):
    first = await zmq_mirror.open(mirrored_trade(12))
    fake_ea.restart()
    again = await zmq_mirror.open(mirrored_trade(12))  # e.g. the service replays after reconnect
    assert again.ok and again.ticket == first.ticket
    assert len(fake_ea.trade_commands("OPEN")) == 1 and len(fake_ea.trades) == 1
    other = await zmq_mirror.open(mirrored_trade(13))
    assert other.ok and len(fake_ea.trades) == 2


async def test_garbage_reply_is_a_clear_error_and_the_link_survives(zmq_mirror, fake_ea):
    from engine.errors import BadPayload

    fake_ea.garbage_for.append("TRADE;GET_OPEN_TRADES")
    with pytest.raises(BadPayload, match="malformed reply"):
        await zmq_mirror.positions()
    assert await zmq_mirror.positions() == []


async def test_reconcile_filters_by_magic(zmq_mirror, fake_ea):
    await zmq_mirror.open(mirrored_trade(21))
    fake_ea.add_order(ticket=1, magic=1, symbol="GBPUSD", lots=1.0, op=1, open_price=1.25, comment="manual")
    found = await zmq_mirror.reconcile()
    assert [(p.paper_trade_id, p.symbol, p.side) for p in found] == [(21, "EURUSD", Side.BUY)]


async def test_position_of_an_earlier_journal_is_not_taken_for_a_new_trade(zmq_mirror, fake_ea):
    fake_ea.add_order(ticket=5, magic=MAGIC, lots=0.1, age=timedelta(days=1), comment="pt:1")
    await zmq_mirror.reconcile()
    result = await zmq_mirror.open(mirrored_trade(1))
    assert result.ok and result.ticket != "5" and len(fake_ea.trades) == 2


async def test_lost_reply_mid_partial_close_is_not_closed_twice(zmq_mirror, fake_ea):
    ticket = (await zmq_mirror.open(mirrored_trade(30, lots="0.30"))).ticket
    fake_ea.drop_reply_to.append("TRADE;CLOSE_PARTIAL")
    result = await zmq_mirror.close(mirrored_trade(30, lots="0.30"), ticket, Decimal("0.10"))
    assert result.ok and result.ticket != ticket and result.code == "reconciled"
    assert fake_ea.trades[int(result.ticket)]["_lots"] == pytest.approx(0.20)
    assert len(fake_ea.trade_commands("CLOSE_PARTIAL")) == 1


async def test_lost_reply_mid_close_is_not_closed_twice(zmq_mirror, fake_ea):
    ticket = (await zmq_mirror.open(mirrored_trade(31))).ticket
    fake_ea.drop_reply_to.append("TRADE;CLOSE;")
    result = await zmq_mirror.close(mirrored_trade(31), ticket)
    assert result.ok and result.code == "reconciled" and not fake_ea.trades
    assert len(fake_ea.trade_commands("CLOSE")) == 1
