"""The MetaTrader mirror in the API: trade fields, GET feeds/ and WebSocket messages.

A real ``MirrorService`` over an in-memory ``TradeMirror`` records states
through the real engine's ``set_mirror_state``, as ``bridges.factory`` wires it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from bridges.sync import MirrorService
from engine.service import TradingEngine
from tests.bridges.fake_mirror import FakeMirror
from tests.engine.api.helpers import next_message, of_type, ws_connect

ORDER = {"symbol": "EURUSD", "side": "buy", "lots": 0.1, "sl": 1.08, "tp": 1.09}


@pytest.fixture
async def mirror(engine: TradingEngine) -> AsyncIterator[tuple[MirrorService, FakeMirror]]:
    fake = FakeMirror()
    service = MirrorService(
        engine.bus, fake, record_state=engine.set_mirror_state, active_trades=engine.active_trades, watch_interval=60
    )
    engine.register_status_source(service.status)
    await service.start()
    yield service, fake
    await service.stop()


async def test_trade_mirror_fields_after_set_mirror_state_are_served(server, client, engine):
    trade = (await client.post("/trades/execute/", json=ORDER)).json()
    assert trade["mirror_ticket"] is None and trade["mirror_state"] is None
    await engine.set_mirror_state(trade["id"], "123456", "open")
    shown = (await client.get(f"/trades/{trade['id']}/")).json()
    assert (shown["mirror_ticket"], shown["mirror_state"]) == ("123456", "open")
    await client.post(f"/trades/{trade['id']}/close/")
    await engine.set_mirror_state(trade["id"], "123456", "closed_externally")  # a finished trade: journal only
    stored = (await client.get(f"/trades/{trade['id']}/")).json()
    assert stored["status"] == "closed" and stored["mirror_state"] == "closed_externally"
    listed = (await client.get("/trades/", params={"status": "closed"})).json()["items"]
    assert [(t["id"], t["mirror_ticket"]) for t in listed] == [(trade["id"], "123456")]


async def test_mirrored_trade_carries_ticket_and_feeds_show_bridge(server, client, mirror):
    service, _fake = mirror
    trade = (await client.post("/trades/execute/", json=ORDER)).json()
    await asyncio.wait_for(service.drain(), 5)
    shown = (await client.get(f"/trades/{trade['id']}/")).json()
    assert (shown["mirror_ticket"], shown["mirror_state"]) == ("500001", "open")
    feeds = {f["name"]: f for f in (await client.get("/feeds/")).json()["items"]}
    bridge = feeds["mirror:fake"]
    assert bridge["healthy"] is True and bridge["last_error"] is None
    assert bridge["details"]["connected"] is True and bridge["details"]["account"] == "5012345"
    assert bridge["details"]["mirrored_positions"] == 1 and bridge["details"]["paused"] is False


async def test_refused_mirror_state_is_served_and_bridge_shows_last_error(server, client, mirror):
    service, fake = mirror
    fake.refuse_next("10019", "not enough money")
    trade = (await client.post("/trades/execute/", json=ORDER)).json()
    await asyncio.wait_for(service.drain(), 5)
    shown = (await client.get(f"/trades/{trade['id']}/")).json()
    assert (shown["mirror_ticket"], shown["mirror_state"], shown["status"]) == (None, "refused", "open")
    bridge = next(f for f in (await client.get("/feeds/")).json()["items"] if f["name"] == "mirror:fake")
    assert "10019" in bridge["last_error"] and "not enough money" in bridge["last_error"]


async def test_close_failed_is_served_with_the_venues_reason(server, client, mirror):
    service, fake = mirror
    trade = (await client.post("/trades/execute/", json=ORDER)).json()
    await asyncio.wait_for(service.drain(), 5)
    fake.refuse_closes = ("132", "market is closed; ticket 500001 still open")
    closed = (await client.post(f"/trades/{trade['id']}/close/")).json()
    await asyncio.wait_for(service.drain(), 5)
    shown = (await client.get(f"/trades/{trade['id']}/")).json()
    assert (shown["status"], shown["mirror_ticket"], shown["mirror_state"]) == ("closed", "500001", "close_failed")
    assert closed["status"] == "closed"
    bridge = next(f for f in (await client.get("/feeds/")).json()["items"] if f["name"] == "mirror:fake")
    (failing,) = bridge["details"]["close_failed"]
    assert (failing["trade_id"], failing["ticket"], failing["code"]) == (trade["id"], "500001", "132")
    assert failing["message"].startswith("market is closed") and failing["attempts"] == 1
    assert bridge["healthy"] is False and "132" in bridge["last_error"]


async def test_mirror_state_change_reaches_websocket_as_trade_modified(server, client, mirror):
    _service, _fake = mirror
    async with ws_connect(server, "trading") as ws:
        await next_message(ws, of_type("account_update"))
        trade = (await client.post("/trades/execute/", json=ORDER)).json()
        modified = await next_message(
            ws, lambda m: m["type"] == "trade_modified" and m["data"]["mirror_state"] == "open"
        )
        assert modified["data"]["id"] == trade["id"] and modified["data"]["mirror_ticket"] == "500001"
        rest = (await client.get(f"/trades/{trade['id']}/")).json()
        assert {k: modified["data"][k] for k in ("id", "status", "lots", "mirror_ticket", "mirror_state")} == {
            k: rest[k] for k in ("id", "status", "lots", "mirror_ticket", "mirror_state")
        }
        status = await next_message(ws, of_type("feed_status"))
        bridge = next(f for f in status["data"]["feeds"] if f["name"] == "mirror:fake")
        assert bridge["details"]["mirrored_positions"] == 1


async def test_mirror_state_of_closed_trade_reaches_websocket_from_journal(server, client, engine):
    trade = (await client.post("/trades/execute/", json=ORDER)).json()
    await client.post(f"/trades/{trade['id']}/close/")
    async with ws_connect(server, "trading") as ws:
        await next_message(ws, of_type("account_update"))
        await engine.set_mirror_state(trade["id"], "777", "closed")
        modified = await next_message(ws, of_type("trade_modified"))
        assert modified["data"]["id"] == trade["id"] and modified["data"]["status"] == "closed"
        assert (modified["data"]["mirror_ticket"], modified["data"]["mirror_state"]) == ("777", "closed")
