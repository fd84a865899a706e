"""The five ways the stock DWX EA (v2.0.1 RC8) made the mirror lose track of real positions.

Real TradingEngine (broker + SQLite journal) and MirrorService over the ZeroMQ
mirror, against the fake stock EA; each test reads what the terminal shows:
the trade's ``mirror_state``/``mirror_ticket`` and the bridge's status
(``GET feeds/``), and what MetaTrader holds.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from bridges.config import MirrorOptions
from bridges.sync import MirrorService
from bridges.zmq.client import ZmqClient
from bridges.zmq.mirror import ZmqMirror
from engine.broker import OrderRequest
from engine.service import TradingEngine
from engine.values import Quote, Side
from tests import kit
from tests.bridges.conftest import MAGIC
from tests.kit import mirrored_trade

BID, ASK = 1.10000, 1.10010


async def until(condition: Callable[[], bool], what: str, timeout: float = 15.0) -> None:
    try:
        async with asyncio.timeout(timeout):
            while not condition():
                await asyncio.sleep(0.02)
    except TimeoutError:
        raise AssertionError(f"timed out after {timeout} s waiting for {what}") from None


async def until_state(engine: TradingEngine, trade_id: int, state: str, timeout: float = 15.0) -> None:
    """Wait until the journal shows ``state`` as the trade's mirror state (recording is asynchronous)."""
    async with asyncio.timeout(timeout):
        while (await engine.get_trade(trade_id)).mirror_state != state:
            await asyncio.sleep(0.02)


def make_engine(path) -> TradingEngine:
    return kit.make_engine(path, flush_interval=3600)


async def started_engine(path) -> TradingEngine:
    """A started engine on the journal at ``path`` with a EURUSD price."""
    engine = make_engine(path)
    await engine.start()
    await engine.on_quote(Quote("EURUSD", BID, ASK, datetime.now(timezone.utc), "test"))
    return engine


def make_service(engine: TradingEngine, fake_ea, **options) -> MirrorService:
    mirror = ZmqMirror(ZmqClient(fake_ea.config()), MirrorOptions(magic=MAGIC, **options))
    service = MirrorService(
        engine.bus,
        mirror,
        record_state=engine.set_mirror_state,
        close_paper=engine.close_trade,
        active_trades=engine.active_trades,
        watch_interval=0.05,
        first_retry=0.2,
        closed_trades=lambda: _closed(engine),
    )
    engine.register_status_source(service.status)
    return service


async def _closed(engine: TradingEngine):
    return (await engine.list_trades(status="closed", limit=200))[0]


@pytest.fixture
async def wired(tmp_path, fake_ea):
    engine = await started_engine(tmp_path / "paper.db")
    service = make_service(engine, fake_ea)
    await service.start()
    yield engine, service
    await service.stop()
    await engine.stop()


async def buy(engine: TradingEngine, lots: str = "0.10"):
    return await engine.place_order(OrderRequest("EURUSD", Side.BUY, lots=Decimal(lots), sl=1.09500, tp=1.10500))


def bridge(engine: TradingEngine):
    return next(s for s in engine.feeds_status() if s.name == "mirror:zmq")


async def settle(service: MirrorService) -> None:
    await asyncio.wait_for(service.drain(), 10)


# -- 1. a failed close is not a close ----------------------------------------------------
async def test_failed_close_is_close_failed_with_the_venues_reason_then_retried_until_closed(wired, fake_ea):
    engine, service = wired
    trade = await buy(engine)
    await settle(service)
    ticket = service.ticket_for(trade.id)
    fake_ea.mt4.market_closed = True  # OrderClose fails its three attempts with 132; the EA still says SUCCESS
    await engine.close_trade(trade.id)
    await settle(service)
    stored = await engine.get_trade(trade.id)
    assert (stored.status.value, stored.mirror_state, stored.mirror_ticket) == ("closed", "close_failed", ticket)
    assert int(ticket) in fake_ea.trades  # still open in MetaTrader
    status = bridge(engine)
    (failing,) = status.details["close_failed"]
    assert (failing["trade_id"], failing["ticket"], failing["code"]) == (trade.id, ticket, "132")
    assert "market is closed" in failing["message"] and "still open" in failing["message"]
    assert not status.healthy and "132: market is closed" in status.last_error
    sent = len(fake_ea.trade_commands("CLOSE"))
    await until(lambda: len(fake_ea.trade_commands("CLOSE")) > sent, "a retry")
    fake_ea.mt4.market_closed = False  # the market reopens: the next retry closes it
    await until(lambda: not fake_ea.trades, "the MetaTrader position closed")
    await until_state(engine, trade.id, "closed")
    assert not service.unsettled() and bridge(engine).healthy


async def test_failed_close_then_closed_by_hand_is_confirmed_by_absence(wired, fake_ea):
    engine, service = wired
    trade = await buy(engine)
    await settle(service)
    ticket = service.ticket_for(trade.id)
    fake_ea.mt4.close_errors.extend([136, 136, 136])  # off quotes, each attempt
    await engine.close_trade(trade.id)
    await settle(service)
    assert (await engine.get_trade(trade.id)).mirror_state == "close_failed"
    fake_ea.mt4.close_errors.extend([136] * 50)  # the retries fail too…
    fake_ea.mt4.close_by_hand(int(ticket))  # …until the trader closes it in MetaTrader
    await until_state(engine, trade.id, "closed")
    assert not service.unsettled()


async def test_close_failed_position_is_retried_after_a_restart(tmp_path, fake_ea):
    engine = await started_engine(tmp_path / "paper.db")
    service = make_service(engine, fake_ea)
    await service.start()
    trade = await buy(engine)
    await settle(service)
    fake_ea.mt4.market_closed = True
    await engine.close_trade(trade.id)
    await settle(service)
    await service.stop()
    await engine.stop()
    fake_ea.mt4.market_closed = False
    engine = make_engine(tmp_path / "paper.db")  # the terminal starts again on the same journal
    await engine.start()
    service = make_service(engine, fake_ea)
    await service.start()
    try:
        await until(lambda: not fake_ea.trades, "closed after the restart")
        await until_state(engine, trade.id, "closed")
    finally:
        await service.stop()
        await engine.stop()


# -- 2. a stale position is not adopted --------------------------------------------------
async def test_day_old_position_tagged_pt1_is_an_orphan_not_paper_trade_1(wired, fake_ea):
    engine, service = wired
    fake_ea.add_order(ticket=900, magic=MAGIC, lots=0.01, age=timedelta(days=1), comment="pt:1")
    await service.drain()
    assert bridge(engine).details["server_clock"] == "unknown"  # the stock EA sends no clock
    trade = await buy(engine)  # a fresh journal's trade #1
    await settle(service)
    stored = await engine.get_trade(trade.id)
    assert trade.id == 1 and stored.mirror_state == "open" and stored.mirror_ticket != "900"
    assert len(fake_ea.trades) == 2 and fake_ea.trades[int(stored.mirror_ticket)]["_lots"] == 0.1
    details = bridge(engine).details
    assert (details["server_clock"], details["server_utc_offset_hours"]) == ("detected", 2.0)
    assert details["server_clock_from"] == "the _open_time of an EXECUTION reply"


async def test_stale_position_is_not_adopted_at_start_up_either(tmp_path, fake_ea):
    engine = await started_engine(tmp_path / "paper.db")
    trade = await buy(engine)  # a paper trade the mirror has not recorded (the terminal was stopped)
    fake_ea.add_order(ticket=900, magic=MAGIC, lots=0.1, age=timedelta(days=1), comment=f"pt:{trade.id}")
    service = make_service(engine, fake_ea)
    await service.start()
    try:
        await until(lambda: bridge(engine).details["connected"], "connected")
        assert bridge(engine).details["orphan_positions"] == 1
        assert service.ticket_for(trade.id) is None
        assert (await engine.get_trade(trade.id)).mirror_ticket is None
    finally:
        await service.stop()
        await engine.stop()


async def test_configured_offset_says_so_in_feeds(tmp_path, fake_ea):
    engine = make_engine(tmp_path / "paper.db")
    await engine.start()
    service = make_service(engine, fake_ea, server_utc_offset_hours=2)
    await service.start()
    try:
        await until(lambda: bridge(engine).details["connected"], "connected")
        details = bridge(engine).details
        assert (details["server_clock"], details["server_utc_offset_hours"]) == ("configured", 2.0)
    finally:
        await service.stop()
        await engine.stop()


# -- 4. a lost reply does not leave the stops off -----------------------------------------
async def test_lost_open_reply_is_found_and_its_stops_pinned_from_the_eas_own_fill(zmq_mirror, fake_ea):
    fake_ea.mt4.fill_slippage_points = 3  # the EA fills 3 points away and sets SL/TP from there
    fake_ea.drop_reply_to.append("TRADE;OPEN")
    result = await zmq_mirror.open(mirrored_trade(11, entry=1.10010, sl=1.09510, tp=1.10510))
    assert result.ok and result.code == "reconciled"
    position = fake_ea.trades[int(result.ticket)]
    assert position["_open_price"] == pytest.approx(1.10013)
    assert (position["_SL"], position["_TP"]) == (1.0951, 1.1051)  # the paper trade's levels, not 1.09513
    assert fake_ea.trade_commands("MODIFY")[-1].split(";")[5:7] == ["503", "497"]
    assert len(fake_ea.trade_commands("OPEN")) == 1 and len(fake_ea.trades) == 1
    assert zmq_mirror.clock.source == "detected"  # the found fill teaches the offset too


async def test_open_whose_answer_was_lost_while_the_ea_went_silent_is_not_sent_twice(zmq_mirror, fake_ea):
    from bridges.errors import BridgeTimeout

    fake_ea.drop_reply_to.append("TRADE;OPEN")
    fake_ea.silence_after.append("TRADE;OPEN")  # …and the EA hangs before the bridge can look
    with pytest.raises(BridgeTimeout):
        await zmq_mirror.open(mirrored_trade(12))
    fake_ea.silent = False
    again = await zmq_mirror.open(mirrored_trade(12))  # the service runs the job again once the link is back
    assert again.ok and again.code == "reconciled"
    assert len(fake_ea.trade_commands("OPEN")) == 1 and len(fake_ea.trades) == 1


# -- 5. a garbled reply does not hide the mirror -----------------------------------------
async def test_garbled_open_reply_is_written_back_with_ticket_and_state(wired, fake_ea):
    engine, service = wired
    fake_ea.garbage_for.append("TRADE;OPEN")
    trade = await buy(engine)
    await settle(service)
    (ticket,) = fake_ea.trades
    stored = await engine.get_trade(trade.id)
    assert (stored.mirror_state, stored.mirror_ticket) == ("open", str(ticket))
    await engine.close_trade(trade.id)
    await settle(service)
    assert not fake_ea.trades and (await engine.get_trade(trade.id)).mirror_state == "closed"


async def test_reconciliation_at_start_writes_back_a_ticket_the_journal_missed(tmp_path, fake_ea):
    engine = await started_engine(tmp_path / "paper.db")
    trade = await buy(engine)  # filled at the venue, but the terminal stopped before recording it
    fake_ea.add_order(ticket=901, magic=MAGIC, lots=0.1, comment=f"pt:{trade.id}", open_price=ASK)
    service = make_service(engine, fake_ea, server_utc_offset_hours=2)
    await service.start()
    try:
        await until(lambda: service.ticket_for(trade.id) == "901", "adopted")
        await until(lambda: engine.broker.trade(trade.id).mirror_state == "open", "written back")
        assert (await engine.get_trade(trade.id)).mirror_ticket == "901"
    finally:
        await service.stop()
        await engine.stop()


# -- the EA's silence ----------------------------------------------------------------------
async def test_position_closed_on_paper_while_the_ea_was_silent_is_closed_when_it_answers(wired, fake_ea):
    engine, service = wired
    trade = await buy(engine)
    await settle(service)
    fake_ea.silent = True
    await engine.close_trade(trade.id)
    await asyncio.sleep(4)  # the close times out (1 s), the link is rebuilt, the close waits for it
    assert fake_ea.trades
    fake_ea.silent = False
    await until(lambda: not fake_ea.trades, "closed once the EA answers", timeout=40)
    await until_state(engine, trade.id, "closed")  # its own close ran when the EA woke: not closed_externally


async def test_position_closed_on_paper_while_the_ea_was_restarting_is_closed_when_it_is_back(wired, fake_ea):
    engine, service = wired
    trade = await buy(engine)
    await settle(service)
    fake_ea.stop()  # the terminal restarts: a command sent meanwhile is lost with its sockets
    await engine.close_trade(trade.id)
    await asyncio.sleep(2)
    fake_ea.start()
    await until(lambda: not fake_ea.trades, "closed once the EA is back", timeout=40)
    await until_state(engine, trade.id, "closed")
