"""ZmqMirror against the fake DWX expert advisor on loopback."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bridges.config import MirrorOptions
from bridges.errors import BridgeTimeout
from bridges.zmq.client import ZmqClient
from bridges.zmq.mirror import ZmqMirror
from engine.values import OrderType, Side, TradeStatus
from tests.bridges.conftest import MAGIC, make_trade


async def test_open_sends_dwx_command_with_points_and_tag(zmq_mirror, fake_ea):
    result = await zmq_mirror.open(make_trade(7, entry=1.10010, sl=1.09510, tp=1.10510))
    assert result.ok, result
    assert fake_ea.trade_commands("OPEN") == [f"TRADE;OPEN;0;EURUSD;0.0;500;500;pt:7;0.1;{MAGIC};0"]
    trade = fake_ea.trades[int(result.ticket)]
    assert (trade["_SL"], trade["_TP"], trade["_comment"]) == (1.0951, 1.1051, "pt:7")
    assert not fake_ea.trade_commands("MODIFY")  # filled at the paper price: nothing to pin


async def test_open_filled_elsewhere_pins_absolute_stops(zmq_mirror, fake_ea):
    fake_ea.fill_slippage_points = 7
    result = await zmq_mirror.open(make_trade(8, entry=1.10010, sl=1.09510, tp=1.10510))
    assert result.ok, result
    trade = fake_ea.trades[int(result.ticket)]
    assert trade["_open_price"] == pytest.approx(1.10017)
    assert (trade["_SL"], trade["_TP"]) == (1.0951, 1.1051)  # 507 / 493 points from the real fill
    assert fake_ea.trade_commands("MODIFY")[0].split(";")[5:7] == ["507", "493"]


async def test_open_sell_jpy_uses_three_digit_points(zmq_mirror, fake_ea):
    trade = make_trade(9, symbol="USDJPY", side=Side.SELL, entry=151.200, sl=151.700, tp=150.200)
    assert (await zmq_mirror.open(trade)).ok
    assert fake_ea.trade_commands("OPEN")[0].split(";")[2:7] == ["1", "USDJPY", "0.0", "500", "1000"]


async def test_open_with_stop_on_wrong_side_is_refused_locally(zmq_mirror, fake_ea):
    result = await zmq_mirror.open(make_trade(1, entry=1.1001, sl=1.1100))
    assert not result.ok and result.code == "invalid_stops" and "sl" in result.message
    assert not fake_ea.trade_commands("OPEN")


async def test_pending_open_modify_and_cancel(zmq_mirror, fake_ea):
    pending = make_trade(3, order_type=OrderType.LIMIT, status=TradeStatus.PENDING, entry=None,
                         requested=1.09000, sl=1.08500, tp=1.10000)
    opened = await zmq_mirror.open(pending)
    assert opened.ok, opened
    assert fake_ea.trades[int(opened.ticket)]["_type"] == 2
    moved = make_trade(3, order_type=OrderType.LIMIT, status=TradeStatus.PENDING, entry=None,
                       requested=1.08800, sl=1.08300, tp=1.09800)
    assert (await zmq_mirror.modify(moved, opened.ticket)).ok
    state = fake_ea.trades[int(opened.ticket)]
    assert (state["_open_price"], state["_SL"], state["_TP"]) == (1.088, 1.083, 1.098)
    cancelled = await zmq_mirror.close(moved, opened.ticket)
    assert cancelled.ok and cancelled.code == "CLOSE_PENDING"
    assert not fake_ea.trades


async def test_modify_close_partial_and_full(zmq_mirror, fake_ea):
    ticket = (await zmq_mirror.open(make_trade(4, lots="0.30"))).ticket
    assert (await zmq_mirror.modify(make_trade(4, lots="0.30", sl=1.0900, tp=1.1100), ticket)).ok
    assert (fake_ea.trades[int(ticket)]["_SL"], fake_ea.trades[int(ticket)]["_TP"]) == (1.09, 1.11)
    partial = await zmq_mirror.close(make_trade(4, lots="0.30"), ticket, Decimal("0.10"))
    assert partial.ok and partial.ticket == ticket
    assert fake_ea.trades[int(ticket)]["_lots"] == pytest.approx(0.20)
    assert fake_ea.trade_commands("CLOSE_PARTIAL")[0].split(";")[8] == "0.1"
    full = await zmq_mirror.close(make_trade(4, lots="0.20"), ticket)
    assert full.ok and full.code == "CLOSE_MARKET" and not fake_ea.trades


async def test_partial_close_on_mt4_follows_new_ticket(fake_ea):
    fake_ea.mt4_partial_tickets = True
    mirror = ZmqMirror(ZmqClient(fake_ea.config()), MirrorOptions(magic=MAGIC))
    await mirror.connect()
    ticket = (await mirror.open(make_trade(5, lots="0.20"))).ticket
    partial = await mirror.close(make_trade(5, lots="0.20"), ticket, Decimal("0.05"))
    assert partial.ok and partial.ticket != ticket
    assert fake_ea.trades[int(partial.ticket)]["_lots"] == pytest.approx(0.15)
    await mirror.disconnect()


async def test_close_unknown_ticket_reports_not_found(zmq_mirror):
    result = await zmq_mirror.close(make_trade(1), "123")
    assert not result.ok and result.code == "NOT_FOUND"


async def test_not_enough_money_is_reported_with_code(zmq_mirror, fake_ea):
    fake_ea.refusals.append({"_action": "EXECUTION", "_response": "134", "response_value": "not enough money"})
    result = await zmq_mirror.open(make_trade(1))
    assert not result.ok and result.code == "134" and "not enough money" in result.message
    assert not fake_ea.trades
    assert "134" in zmq_mirror.status().last_error


async def test_trade_context_busy_is_retried_then_succeeds(zmq_mirror, fake_ea):
    fake_ea.busy = 2
    result = await zmq_mirror.open(make_trade(1))
    assert result.ok, result
    assert len(fake_ea.trade_commands("OPEN")) == 3 and len(fake_ea.trades) == 1


async def test_trade_context_busy_for_good_is_refused(zmq_mirror, fake_ea):
    fake_ea.busy = 10
    result = await zmq_mirror.open(make_trade(1))
    assert not result.ok and result.code == "TRADE_CONTEXT_BUSY" and "busy" in result.message


async def test_requote_138_is_retried(zmq_mirror, fake_ea):
    fake_ea.refusals.append({"_action": "EXECUTION", "_response": "138", "response_value": "requote"})
    assert (await zmq_mirror.open(make_trade(1))).ok
    assert len(fake_ea.trades) == 1


async def test_ea_stops_answering_raises_timeout(zmq_mirror, fake_ea):
    fake_ea.silent = True
    with pytest.raises(BridgeTimeout) as err:
        await zmq_mirror.positions()
    assert "did not answer" in err.value.message and "GET_OPEN_TRADES" in err.value.message
    assert not zmq_mirror.status().healthy


async def test_lost_reply_mid_open_reconciles_without_duplicate(zmq_mirror, fake_ea):
    fake_ea.drop_reply_to.append("TRADE;OPEN")  # executes the OPEN, the answer never arrives
    result = await zmq_mirror.open(make_trade(11))
    assert result.ok and result.code == "reconciled"
    assert len(fake_ea.trade_commands("OPEN")) == 1 and len(fake_ea.trades) == 1
    assert fake_ea.trades[int(result.ticket)]["_comment"] == "pt:11"


async def test_restarted_ea_reconnects_and_does_not_double(zmq_mirror, fake_ea):
    first = await zmq_mirror.open(make_trade(12))
    fake_ea.restart()
    again = await zmq_mirror.open(make_trade(12))  # e.g. the service replays after reconnect
    assert again.ok and again.ticket == first.ticket
    assert len(fake_ea.trade_commands("OPEN")) == 1 and len(fake_ea.trades) == 1
    other = await zmq_mirror.open(make_trade(13))
    assert other.ok and len(fake_ea.trades) == 2


async def test_garbage_reply_is_a_clear_error_and_the_link_survives(zmq_mirror, fake_ea):
    from engine.errors import BadPayload

    fake_ea.garbage_for.append("TRADE;GET_OPEN_TRADES")
    with pytest.raises(BadPayload, match="malformed reply"):
        await zmq_mirror.positions()
    assert await zmq_mirror.positions() == []


async def test_reconcile_filters_by_magic(zmq_mirror, fake_ea):
    await zmq_mirror.open(make_trade(21))
    fake_ea.trades[1] = {"_magic": 1, "_symbol": "GBPUSD", "_lots": 1.0, "_type": 1, "_open_price": 1.25,
                         "_open_time": "2026.11.24 14:00:00", "_SL": 0.0, "_TP": 0.0, "_pnl": 0.0,
                         "_comment": "manual"}
    found = await zmq_mirror.reconcile()
    assert [(p.paper_trade_id, p.symbol, p.side) for p in found] == [(21, "EURUSD", Side.BUY)]


async def test_position_of_an_earlier_journal_is_not_taken_for_a_new_trade(zmq_mirror, fake_ea):
    fake_ea.trades[5] = {"_magic": MAGIC, "_symbol": "EURUSD", "_lots": 0.1, "_type": 0, "_open_price": 1.09,
                         "_open_time": "2026.01.02 10:00:00", "_SL": 0.0, "_TP": 0.0, "_pnl": 0.0, "_comment": "pt:1"}
    await zmq_mirror.reconcile()
    result = await zmq_mirror.open(make_trade(1))
    assert result.ok and result.ticket != "5" and len(fake_ea.trades) == 2


async def test_lost_reply_mid_partial_close_is_not_closed_twice(zmq_mirror, fake_ea):
    ticket = (await zmq_mirror.open(make_trade(30, lots="0.30"))).ticket
    fake_ea.drop_reply_to.append("TRADE;CLOSE_PARTIAL")
    result = await zmq_mirror.close(make_trade(30, lots="0.30"), ticket, Decimal("0.10"))
    assert result.ok and result.ticket == ticket
    assert fake_ea.trades[int(ticket)]["_lots"] == pytest.approx(0.20)
    assert len(fake_ea.trade_commands("CLOSE_PARTIAL")) == 1


async def test_lost_reply_mid_close_is_not_closed_twice(zmq_mirror, fake_ea):
    ticket = (await zmq_mirror.open(make_trade(31))).ticket
    fake_ea.drop_reply_to.append("TRADE;CLOSE;")
    result = await zmq_mirror.close(make_trade(31), ticket)
    assert result.ok and result.code == "reconciled" and not fake_ea.trades
    assert len(fake_ea.trade_commands("CLOSE")) == 1
