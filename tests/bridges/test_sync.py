"""MirrorService with the real EventBus, driving the MT5 mirror on the fake package."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from decimal import Decimal

import pytest

from bridges.config import ExternalClose, MirrorOptions
from bridges.mt5.mirror import Mt5Mirror
from bridges.sync import MirrorService
from engine.bus import EventBus
from engine.events import MirrorStateChanged, OrderCancelled, OrderPlaced, TradeClosed, TradeModified, TradeOpened
from engine.values import CloseReason, OrderType, Side, TradeStatus
from tests.bridges.conftest import MAGIC
from tests.bridges.fake_mt5 import constants as c
from tests.kit import mirrored_trade


@pytest.fixture
async def service(mt5_client):
    bus = EventBus()
    states: list[MirrorStateChanged] = []
    bus.subscribe(MirrorStateChanged, states.append)
    mirror = Mt5Mirror(mt5_client, MirrorOptions(magic=MAGIC, symbol_suffix=".m"))
    svc = MirrorService(bus, mirror, watch_interval=0.05)
    svc.states = states
    await svc.start()
    yield svc
    await svc.stop()


async def settle(svc: MirrorService) -> None:
    await asyncio.wait_for(svc.drain(), 5)


def closed_part(trade, lots: str, new_id: int):
    return replace(
        trade,
        id=new_id,
        lots=Decimal(lots),
        status=TradeStatus.CLOSED,
        close_reason=CloseReason.PARTIAL,
        parent_id=trade.id,
    )


async def test_trade_opened_results_in_one_mirror_open_and_state(service, terminal):
    trade = mirrored_trade(1)
    service.bus.publish(TradeOpened(trade))
    await settle(service)
    assert terminal.order_sends() == 1 and len(terminal.positions) == 1
    (state,) = service.states
    assert (state.trade_id, state.state) == (1, "open")
    assert state.ticket == service.ticket_for(1) == str(next(iter(terminal.positions)))
    status = service.status()
    assert status.healthy and status.details["mirrored_positions"] == 1 and status.details["account"]


async def test_refusal_marks_trade_and_keeps_it(service, terminal):
    terminal.inject_refusal(c.TRADE_RETCODE_NO_MONEY, "No money")
    service.bus.publish(TradeOpened(mirrored_trade(2)))
    await settle(service)
    (state,) = service.states
    assert (state.trade_id, state.state, state.ticket) == (2, "refused", None)
    assert state.detail["code"] == "10019" and "not enough money" in state.detail["message"]
    assert service.ticket_for(2) is None and "10019" in service.status().last_error


async def test_modify_partial_and_full_close_follow_the_paper_trade(service, terminal):
    trade = mirrored_trade(3, lots="0.30")
    service.bus.publish(TradeOpened(trade))
    service.bus.publish(TradeModified(replace(trade, sl=1.0900)))
    remaining = replace(trade, lots=Decimal("0.20"))
    service.bus.publish(TradeClosed(closed_part(trade, "0.10", 4), remaining=remaining))
    await settle(service)
    ticket = int(service.ticket_for(3))
    assert terminal.positions[ticket].sl == 1.0900 and terminal.positions[ticket].volume == pytest.approx(0.2)
    service.bus.publish(TradeClosed(replace(remaining, status=TradeStatus.CLOSED, close_reason=CloseReason.TP)))
    await settle(service)
    assert not terminal.positions and service.ticket_for(3) is None
    assert [(s.trade_id, s.state) for s in service.states] == [(3, "open"), (4, "closed"), (3, "closed")]


async def test_pending_order_then_cancel(service, terminal):
    pending = mirrored_trade(
        5, order_type=OrderType.LIMIT, status=TradeStatus.PENDING, entry=None, requested=1.0900, sl=1.0850, tp=1.1000
    )
    service.bus.publish(OrderPlaced(pending))
    await settle(service)
    assert len(terminal.orders) == 1
    service.bus.publish(OrderCancelled(replace(pending, status=TradeStatus.CANCELLED)))
    await settle(service)
    assert not terminal.orders
    assert [s.state for s in service.states] == ["pending", "cancelled"]


async def test_filled_pending_order_is_not_opened_twice(service, terminal):
    pending = mirrored_trade(
        6, order_type=OrderType.STOP, status=TradeStatus.PENDING, entry=None, requested=1.1050, sl=1.1000, tp=1.1100
    )
    service.bus.publish(OrderPlaced(pending))
    await settle(service)
    terminal.trigger_pending(int(service.ticket_for(6)))
    service.bus.publish(TradeOpened(replace(pending, status=TradeStatus.OPEN, entry_price=1.1050)))
    await settle(service)
    assert terminal.order_sends() == 1 and len(terminal.positions) == 1
    assert [s.state for s in service.states] == ["pending", "open"]


async def test_paused_service_does_not_mirror_new_trades(service, terminal):
    service.pause()
    service.bus.publish(TradeOpened(mirrored_trade(7)))
    await settle(service)
    assert terminal.order_sends() == 0 and service.states[0].state == "not_mirrored"
    assert service.status().details["paused"] is True


async def test_link_lost_commands_wait_and_reconcile_without_duplicate(service, terminal):
    service.bus.publish(TradeOpened(mirrored_trade(8)))
    await settle(service)
    terminal.disconnect()
    terminal.drop_after_send = False
    service.bus.publish(TradeOpened(mirrored_trade(9)))
    await settle(service)  # the client notices, reconnects (initialize), reconciles, then sends
    assert sorted(p.comment for p in terminal.positions.values()) == ["pt:8", "pt:9"]
    assert terminal.order_sends() == 2


async def test_user_close_in_metatrader_is_flagged(service, terminal):
    service.bus.publish(TradeOpened(mirrored_trade(10)))
    await settle(service)
    terminal.close_by_hand(int(service.ticket_for(10)))
    for _ in range(100):
        if service.states[-1].state == "closed_externally":
            break
        await asyncio.sleep(0.02)
    assert service.states[-1].state == "closed_externally" and service.ticket_for(10) is None


async def test_user_close_in_metatrader_is_followed(mt5_client, terminal):
    bus = EventBus()
    closed: list[int] = []

    async def close_paper(trade_id: int) -> None:
        closed.append(trade_id)

    mirror = Mt5Mirror(mt5_client, MirrorOptions(magic=MAGIC, symbol_suffix=".m"))
    svc = MirrorService(
        bus, mirror, close_paper=close_paper, on_external_close=ExternalClose.FOLLOW, watch_interval=0.05
    )
    await svc.start()
    bus.publish(TradeOpened(mirrored_trade(11)))
    await settle(svc)
    terminal.close_by_hand(int(svc.ticket_for(11)))
    for _ in range(100):
        if closed:
            break
        await asyncio.sleep(0.02)
    await svc.stop()
    assert closed == [11]


async def test_restart_adopts_positions_and_settles_missing_ones(mt5_client, terminal):
    mirror = Mt5Mirror(mt5_client, MirrorOptions(magic=MAGIC, symbol_suffix=".m"))
    await mirror.connect()
    ticket = (await mirror.open(mirrored_trade(12))).ticket
    await mirror.disconnect()
    bus = EventBus()
    states: list[MirrorStateChanged] = []
    bus.subscribe(MirrorStateChanged, states.append)
    active = [mirrored_trade(12, mirror_ticket=ticket), mirrored_trade(13, mirror_ticket="999")]
    active = [replace(t, mirror_state="open") for t in active]
    svc = MirrorService(
        bus,
        Mt5Mirror(mt5_client, MirrorOptions(magic=MAGIC, symbol_suffix=".m")),
        active_trades=lambda: active,
        watch_interval=10,
    )
    await svc.start()
    for _ in range(100):
        if states:
            break
        await asyncio.sleep(0.02)
    bus.publish(TradeOpened(mirrored_trade(12)))  # a replayed event must not open it again
    await settle(svc)
    await svc.stop()
    assert svc.ticket_for(12) == ticket and terminal.order_sends() == 1
    assert [(s.trade_id, s.state) for s in states] == [(13, "closed_externally")]


async def test_record_state_callback_replaces_direct_publish(mt5_client, terminal):
    bus = EventBus()
    recorded: list[tuple[int, str | None, str]] = []

    async def record(trade_id, ticket, state, detail=None):
        recorded.append((trade_id, ticket, state))

    svc = MirrorService(
        bus,
        Mt5Mirror(mt5_client, MirrorOptions(magic=MAGIC, symbol_suffix=".m")),
        record_state=record,
        watch_interval=10,
    )
    await svc.start()
    bus.publish(TradeOpened(mirrored_trade(14)))
    await settle(svc)
    await svc.stop()
    assert recorded == [(14, svc.ticket_for(14), "open")]


async def test_queued_modifications_collapse_to_the_newest(service, terminal):
    trade = mirrored_trade(15)
    service.bus.publish(TradeOpened(trade))
    for step in range(1, 6):  # a trailing stop moving five times before the mirror catches up
        service.bus.publish(TradeModified(replace(trade, sl=round(1.0950 + step * 0.0005, 5))))
    await settle(service)
    assert terminal.positions[int(service.ticket_for(15))].sl == 1.0975
    assert terminal.order_sends() == 2  # the open and one modification


async def test_positions_of_no_active_trade_are_orphans_not_adopted(mt5_client, terminal):
    terminal._open_position("EURUSD.m", 0, 0.1, 1.09, 0.0, 0.0, MAGIC, "pt:31", 931)
    bus = EventBus()
    svc = MirrorService(
        bus,
        Mt5Mirror(mt5_client, MirrorOptions(magic=MAGIC, symbol_suffix=".m")),
        active_trades=list,
        watch_interval=10,
    )
    await svc.start()
    for _ in range(100):
        if svc.status().healthy:
            break
        await asyncio.sleep(0.02)
    status = svc.status()
    await svc.stop()
    assert status.details["orphan_positions"] == 1 and svc.ticket_for(31) is None
    assert 931 in terminal.positions  # left alone


async def test_failing_state_recorder_does_not_stop_mirroring(mt5_client, terminal):
    calls: list[int] = []

    async def record(trade_id, ticket, state, detail=None):
        calls.append(trade_id)
        raise RuntimeError("journal is locked")

    bus = EventBus()
    svc = MirrorService(
        bus,
        Mt5Mirror(mt5_client, MirrorOptions(magic=MAGIC, symbol_suffix=".m")),
        record_state=record,
        watch_interval=10,
    )
    await svc.start()
    bus.publish(TradeOpened(mirrored_trade(41)))
    bus.publish(TradeOpened(mirrored_trade(42)))
    await settle(svc)
    await svc.stop()
    assert calls == [41, 42] and len(terminal.positions) == 2


async def test_account_reset_forgets_tickets_so_new_trade_ids_are_mirrored(service, terminal):
    from engine.events import AccountReset

    service.bus.publish(TradeOpened(mirrored_trade(1)))
    await settle(service)
    service.bus.publish(AccountReset(account=None))
    service.bus.publish(TradeOpened(mirrored_trade(1, side=Side.SELL, sl=1.1050, tp=1.0950)))  # new account
    await settle(service)
    assert len(terminal.positions) == 2 and terminal.order_sends() == 2
    assert service.ticket_for(1) != str(min(terminal.positions))
