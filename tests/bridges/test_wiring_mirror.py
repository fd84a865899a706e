"""terminal.wiring.attach_mirror with the real engine and the fake MT5 package: status, pause, stop."""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone
from decimal import Decimal
from types import SimpleNamespace

from engine.broker import OrderRequest
from engine.journal import SqlJournal
from engine.values import Quote, Side
from terminal.settings import Settings
from terminal.wiring import Runtime, attach_mirror, bridges_for
from tests.kit import make_engine


async def test_attach_mirror_exposes_service_status_and_pause(tmp_path, terminal, monkeypatch):
    monkeypatch.setattr("keyring.get_password", lambda service, user: None)
    terminal.set_price("EURUSD.m", 1.08500, 1.08510)
    journal = SqlJournal(f"sqlite:///{tmp_path / 'paper.db'}", durable=False)
    engine = make_engine(journal, flush_interval=3600)
    await engine.start()
    await engine.on_quote(Quote("EURUSD", 1.08500, 1.08510, datetime.now(timezone.utc), "test"))
    monkeypatch.setenv("PAPER_TERMINAL_MT5_PASSWORD", terminal.password)
    settings = Settings.load(
        {
            "mirror": "mt5",
            "feed": "sim",
            "mt5_login": str(terminal.login_id),
            "mt5_server": terminal.server,
            "mirror_symbol_suffix": ".m",
            "mirror_paused": True,
        }
    )
    runtime = Runtime(
        settings=settings,
        bus=engine.bus,
        journal=journal,
        engine=engine,
        feed=None,
        price_worker=None,
        bridges=bridges_for(settings),  # as build_runtime does: the mirror comes from make_bridges
    )
    stop = await attach_mirror(runtime)
    try:
        service = runtime.mirror
        assert engine.mirror is service and service.paused  # mirror_paused from the settings
        paused_trade = await engine.place_order(OrderRequest("EURUSD", Side.BUY, lots=Decimal("0.10")))
        await asyncio.wait_for(service.drain(), 5)
        assert (await engine.get_trade(paused_trade.id)).mirror_state == "not_mirrored"
        assert terminal.order_sends() == 0
        service.resume()
        trade = await engine.place_order(OrderRequest("EURUSD", Side.BUY, lots=Decimal("0.10")))
        await asyncio.wait_for(service.drain(), 5)
        stored = await engine.get_trade(trade.id)
        assert stored.mirror_state == "open" and stored.mirror_ticket == service.ticket_for(trade.id)
        (bridge,) = [s for s in engine.feeds_status() if s.name == "mirror:mt5"]
        assert bridge.details["connected"] and bridge.details["mirrored_positions"] == 1
        assert str(bridge.details["account"]) == str(terminal.login_id) and bridge.details["paused"] is False
    finally:
        await stop()
        await engine.stop()
    assert engine.mirror is None


async def test_attach_mirror_without_mirror_setting_does_nothing(tmp_path):
    journal = SqlJournal(f"sqlite:///{tmp_path / 'paper.db'}", durable=False)
    engine = make_engine(journal)
    runtime = Runtime(
        settings=SimpleNamespace(mirror=None),
        bus=engine.bus,
        journal=journal,
        engine=engine,
        feed=None,
        price_worker=None,
    )
    assert await attach_mirror(runtime) is None
    assert runtime.mirror is None and not engine.feeds_status()
    journal.close()
