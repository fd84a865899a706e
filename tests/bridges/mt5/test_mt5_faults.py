"""The MT5 mirror against the five classes of fault found with the stock DWX EA.

Refused close, stale adoption by magic + comment, server time on
``positions_get``/``copy_rates_*``, a lost or garbled ``order_send`` result.
The fake terminal ages its ticks (a closed market's last tick is hours old)
and refuses, loses and garbles as a real one does.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from decimal import Decimal

import pytest

from bridges.clock import ServerClock
from bridges.config import MirrorOptions, Mt5Config
from bridges.mt5.client import Mt5Client
from bridges.mt5.feed import Mt5Feed
from bridges.mt5.mirror import Mt5Mirror
from bridges.sync import MirrorService
from engine.bus import EventBus
from engine.errors import ProviderUnavailable
from engine.events import MirrorStateChanged, TradeClosed, TradeOpened
from engine.values import CloseReason, Timeframe, TradeStatus
from tests.bridges.conftest import MAGIC
from tests.bridges.fake_mt5 import constants as c
from tests.kit import mirrored_trade


def weekend_client(terminal) -> Mt5Client:
    """A client on a closed market: no tick is fresh enough to tell the server's offset."""
    client = Mt5Client(
        Mt5Config(login=terminal.login_id, server=terminal.server), password_lookup=lambda login: terminal.password
    )
    client.clock = ServerClock(market_open=lambda now: False)
    return client


async def connected(client: Mt5Client) -> Mt5Mirror:
    mirror = Mt5Mirror(client, MirrorOptions(magic=MAGIC, symbol_suffix=".m"))
    await mirror.connect()
    await mirror.reconcile()
    return mirror


# -- refused close ----------------------------------------------------------------------
async def test_refused_close_is_close_failed_then_retried(mt5_client, terminal):
    bus = EventBus()
    states: list[MirrorStateChanged] = []
    bus.subscribe(MirrorStateChanged, states.append)
    service = MirrorService(
        bus, Mt5Mirror(mt5_client, MirrorOptions(magic=MAGIC, symbol_suffix=".m")), watch_interval=0.05, first_retry=0.1
    )
    await service.start()
    trade = mirrored_trade(1)
    bus.publish(TradeOpened(trade))
    await asyncio.wait_for(service.drain(), 5)
    terminal.close_refusals.append((c.TRADE_RETCODE_MARKET_CLOSED, "Market closed"))
    bus.publish(TradeClosed(replace(trade, status=TradeStatus.CLOSED, close_reason=CloseReason.MANUAL)))
    await asyncio.wait_for(service.drain(), 5)
    failed = [s for s in states if s.state == "close_failed"]
    assert failed and failed[0].detail["code"] == "10018" and "market is closed" in failed[0].detail["message"]
    async with asyncio.timeout(10):
        while states[-1].state != "closed":
            await asyncio.sleep(0.02)
    await service.stop()
    assert not terminal.positions


async def test_close_that_fills_only_part_is_not_a_close(mt5_mirror, terminal):
    ticket = (await mt5_mirror.open(mirrored_trade(2, lots="0.40"))).ticket
    terminal.partial_fill_next = 0.5  # IOC: DONE_PARTIAL, half the volume
    result = await mt5_mirror.close(mirrored_trade(2, lots="0.40"), ticket)
    assert not result.ok and result.code == str(c.TRADE_RETCODE_DONE_PARTIAL)
    assert "0.2 lots" in result.message and terminal.positions[int(ticket)].volume == pytest.approx(0.2)


# -- stale adoption -----------------------------------------------------------------------
async def test_weekend_tick_gives_no_offset_and_an_eight_hour_old_position_is_not_adopted(terminal):
    terminal.close_market(since_seconds=12 * 3600)  # Saturday morning: the last tick is Friday night's
    terminal._open_position("EURUSD.m", 0, 0.1, 1.09, 0.0, 0.0, MAGIC, "pt:1", 900)
    terminal.positions[900] = terminal.positions[900]._replace(time=terminal.server_now() - 8 * 3600)
    mirror = await connected(weekend_client(terminal))
    assert mirror.status().details["server_clock"] == "unknown"  # not a wrong UTC-10 from the old tick
    (tagged,) = await mirror.positions()
    assert tagged.open_time is None  # no UTC time made up from server time
    terminal.market_closed = False
    result = await mirror.open(mirrored_trade(1))
    assert result.ok and result.ticket != "900" and len(terminal.positions) == 2
    details = mirror.status().details
    assert (details["server_clock"], details["server_utc_offset_hours"]) == ("detected", 2.0)
    assert details["server_clock_from"] == "the deal of a mirrored fill"
    await mirror.disconnect()


# -- server time on positions and rates ----------------------------------------------------
async def test_history_on_a_closed_market_is_refused_rather_than_shifted(terminal):
    terminal.close_market(since_seconds=12 * 3600)
    terminal.set_rates(
        "EURUSD.m", 16385, [(terminal.server_now() - 3600 * h, 1.1, 1.1, 1.1, 1.1, 1, 0, 0) for h in range(5, 0, -1)]
    )
    feed = Mt5Feed(weekend_client(terminal), MirrorOptions(symbol_suffix=".m"), poll_interval=0.01)
    await feed.start(["EURUSD"])
    with pytest.raises(ProviderUnavailable, match="server_utc_offset_hours"):
        await feed.history("EURUSD", Timeframe.H1, 3)
    await feed.stop()


async def test_positions_carry_utc_times_once_the_offset_is_known(mt5_mirror, terminal):
    result = await mt5_mirror.open(mirrored_trade(3))
    (position,) = [p for p in await mt5_mirror.positions() if p.ticket == result.ticket]
    server = terminal.positions[int(result.ticket)].time
    assert position.open_time is not None and position.open_time.timestamp() == server - 7200


# -- lost or garbled order_send result ---------------------------------------------------
async def test_done_without_a_ticket_is_reconciled_to_the_real_ticket(mt5_mirror, terminal):
    terminal.garble_next_send = {"order": 0, "deal": 0}
    result = await mt5_mirror.open(mirrored_trade(4))
    (ticket,) = terminal.positions
    assert result.ok and result.ticket == str(ticket) and result.code == "reconciled"
    assert terminal.order_sends() == 1


async def test_timeout_retcode_after_execution_is_not_sent_twice(mt5_mirror, terminal):
    terminal.garble_next_send = {"retcode": c.TRADE_RETCODE_TIMEOUT}
    result = await mt5_mirror.open(mirrored_trade(5))
    assert result.ok and result.code == "reconciled" and len(terminal.positions) == 1
    assert terminal.order_sends() == 1


async def test_partial_close_whose_result_was_lost_is_not_repeated(mt5_mirror, terminal):
    ticket = (await mt5_mirror.open(mirrored_trade(6, lots="0.30"))).ticket
    terminal.drop_after_send = True
    result = await mt5_mirror.close(mirrored_trade(6, lots="0.30"), ticket, Decimal("0.10"))
    assert result.ok and terminal.positions[int(ticket)].volume == pytest.approx(0.20)
    assert terminal.order_sends() == 2
