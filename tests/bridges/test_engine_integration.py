"""MirrorService wired to the real TradingEngine (broker + SQLite journal) and the fake MT5 package."""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone
from decimal import Decimal

import pytest

from bridges.config import ExternalClose, MirrorOptions
from bridges.mt5.mirror import Mt5Mirror
from bridges.sync import MirrorService
from engine.broker import OrderRequest
from engine.events import MirrorStateChanged
from engine.values import Quote, Side, TradeStatus
from terminal.settings import Settings
from tests.bridges.conftest import MAGIC
from tests.bridges.fake_mt5 import constants as c
from tests.kit import make_engine


@pytest.fixture
async def wired(tmp_path, mt5_client, terminal):
    terminal.set_price("EURUSD.m", 1.08500, 1.08510)
    engine = make_engine(tmp_path / "paper.db", flush_interval=3600)
    await engine.start()
    await engine.on_quote(Quote("EURUSD", 1.08500, 1.08510, datetime.now(timezone.utc), "test"))
    service = MirrorService(
        engine.bus,
        Mt5Mirror(mt5_client, MirrorOptions(magic=MAGIC, symbol_suffix=".m")),
        record_state=engine.set_mirror_state,
        close_paper=engine.close_trade,
        on_external_close=ExternalClose.FOLLOW,
        active_trades=engine.active_trades,
        watch_interval=0.05,
    )
    engine.register_status_source(service.status)
    await service.start()
    yield engine, service
    await service.stop()
    await engine.stop()


async def settle(service: MirrorService) -> None:
    await asyncio.wait_for(service.drain(), 5)


async def test_paper_trade_lifecycle_is_mirrored_and_recorded(wired, terminal):
    engine, service = wired
    trade = await engine.place_order(OrderRequest("EURUSD", Side.BUY, lots=Decimal("0.30"), sl=1.08000, tp=1.09500))
    await settle(service)
    (position,) = terminal.positions.values()
    stored = await engine.get_trade(trade.id)
    assert (stored.mirror_ticket, stored.mirror_state) == (str(position.ticket), "open")
    assert position.comment == f"pt:{trade.id}" and position.volume == pytest.approx(0.30)

    await engine.modify_trade(trade.id, sl=1.08100)
    await engine.close_trade(trade.id, lots=Decimal("0.10"))
    await settle(service)
    assert terminal.positions[position.ticket].sl == 1.08100
    assert terminal.positions[position.ticket].volume == pytest.approx(0.20)

    closed = await engine.close_trade(trade.id)
    await settle(service)
    assert not terminal.positions
    assert (await engine.get_trade(closed.id)).mirror_state == "closed"
    mirror_status = [s for s in engine.feeds_status() if s.name == "mirror:mt5"]
    assert mirror_status and mirror_status[0].healthy


async def test_refused_mirror_keeps_the_paper_trade_open_and_marked(wired, terminal):
    engine, service = wired
    terminal.inject_refusal(c.TRADE_RETCODE_NO_MONEY, "No money")
    changes = []
    engine.bus.subscribe(MirrorStateChanged, changes.append)
    trade = await engine.place_order(OrderRequest("EURUSD", Side.BUY, lots=Decimal("0.10")))
    await settle(service)
    stored = await engine.get_trade(trade.id)
    assert stored.status is TradeStatus.OPEN and stored.mirror_state == "refused" and stored.mirror_ticket is None
    assert not terminal.positions
    refused = [e for e in changes if e.state == "refused"]
    assert refused and refused[0].detail["code"] == str(c.TRADE_RETCODE_NO_MONEY)  # the reason reaches the window


async def test_position_closed_in_metatrader_closes_the_paper_trade(wired, terminal):
    engine, service = wired
    trade = await engine.place_order(OrderRequest("EURUSD", Side.SELL, lots=Decimal("0.10")))
    await settle(service)
    terminal.close_by_hand(int(service.ticket_for(trade.id)))
    for _ in range(100):
        if not engine.active_trades():
            break
        await asyncio.sleep(0.02)
    assert not engine.active_trades()
    await settle(service)
    assert terminal.order_sends() == 1  # the paper close did not send a second close


async def test_start_mirror_service_from_settings_shares_the_feed_client(tmp_path, terminal, monkeypatch):
    from bridges.factory import make_bridges, start_mirror_service

    monkeypatch.setenv("PAPER_TERMINAL_MT5_PASSWORD", terminal.password)
    monkeypatch.setattr("keyring.get_password", lambda service, user: None)
    terminal.set_price("EURUSD.m", 1.08500, 1.08510)
    settings = Settings.load(
        {
            "mirror": "mt5",
            "feed": "mt5",
            "mt5_login": str(terminal.login_id),
            "mt5_server": terminal.server,
            "mirror_symbol_suffix": ".m",
        }
    )
    bridges = make_bridges(settings)
    feed = bridges.feed
    await feed.start(["EURUSD"])
    engine = make_engine(tmp_path / "paper.db", flush_interval=3600)
    await engine.start()
    await engine.on_quote(Quote("EURUSD", 1.08500, 1.08510, datetime.now(timezone.utc), "test"))
    service = await start_mirror_service(settings, engine, bridges.mirror)
    assert service.mirror.client is feed.client
    trade = await engine.place_order(OrderRequest("EURUSD", Side.BUY, lots=Decimal("0.10")))
    await settle(service)
    assert (await engine.get_trade(trade.id)).mirror_state == "open"
    assert any(s.name == "mirror:mt5" and s.healthy for s in engine.feeds_status())
    await service.stop()
    assert feed.client.connected  # the feed still holds the shared link
    await feed.stop()
    await engine.stop()
    assert terminal.init_kwargs["password_given"] and not feed.client.connected
