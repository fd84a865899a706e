"""``account/``, ``price/…``, ``feeds/`` and ``/api/health`` over real HTTP."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import httpx
import pytest

from engine.values import FeedStatus, Timeframe, iso
from tests.engine.api.conftest import quote


async def test_account_reports_balance_equity_margin(client):
    account = (await client.get("/account/")).json()
    assert account == {
        "balance": 10000.0,
        "equity": 10000.0,
        "margin": 0.0,
        "free_margin": 10000.0,
        "margin_level": None,
        "currency": "USD",
        "leverage": 100,
        "initial_balance": 10000.0,
    }
    await client.post("/trades/execute/", json={"symbol": "EURUSD", "side": "buy", "lots": 1})
    after = (await client.get("/account/")).json()
    assert after["margin"] > 0 and after["margin_level"] is not None
    assert after["equity"] == pytest.approx(10000.0 - 10.0, abs=0.01)  # 1 pip spread on 1 lot


async def test_account_reset_starts_fresh_and_validates(client, viewer):
    await client.post("/trades/execute/", json={"symbol": "EURUSD", "side": "buy", "lots": 1})
    forbidden = await viewer.post("/account/reset/", json={"balance": 500})
    assert forbidden.status_code == 403
    bad = await client.post("/account/reset/", json={"balance": -5})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "balance"
    bad_currency = await client.post("/account/reset/", json={"currency": "dollars"})
    assert bad_currency.json()["error"]["field"] == "currency"
    unknown_currency = await client.post("/account/reset/", json={"currency": "XYZ"})
    assert unknown_currency.status_code == 400 and unknown_currency.json()["error"]["field"] == "currency"
    response = await client.post("/account/reset/", json={"balance": 5000, "leverage": 50})
    assert response.status_code == 200, response.text
    assert response.json()["balance"] == 5000.0 and response.json()["leverage"] == 50
    assert (await client.get("/trades/", params={"status": "open"})).json()["total"] == 0
    assert (await client.post("/account/reset/")).status_code == 200  # no body: same settings


async def test_realtime_price_has_mid_spread_and_staleness(client, engine):
    price = (await client.get("/price/realtime/", params={"symbol": "eurusd"})).json()
    assert price["symbol"] == "EURUSD" and price["bid"] == 1.085 and price["ask"] == 1.0851
    assert price["mid"] == 1.08505 and price["spread_pips"] == 1.0
    assert price["source"] == "test" and price["stale"] is False
    await engine.on_quote(quote("GBPUSD", 1.265, 1.2651, datetime.now(timezone.utc) - timedelta(minutes=5)))
    assert (await client.get("/price/realtime/", params={"symbol": "GBPUSD"})).json()["stale"] is True


REALTIME_BAD = [
    ({}, 422, "symbol"),
    ({"symbol": ""}, 422, "symbol"),
    ({"symbol": "X" * 50}, 422, "symbol"),
    ({"symbol": "ABCDEF"}, 404, "symbol"),
    ({"symbol": "AUDUSD"}, 404, "symbol"),  # known symbol, no price yet
]


async def test_realtime_price_bad_symbol_names_the_field(client):
    for params, status, field in REALTIME_BAD:
        response = await client.get("/price/realtime/", params=params)
        assert (response.status_code, response.json()["error"]["field"]) == (status, field), params


async def test_ohlc_returns_bars_from_quotes(client, engine):
    start = Timeframe.M1.floor(datetime.now(timezone.utc)) + timedelta(minutes=1)
    second = iso(start + timedelta(minutes=1))
    for minute, bid in enumerate((1.1000, 1.1010, 1.0990, 1.1005)):
        await engine.on_quote(quote("EURUSD", bid, bid + 0.0001, start + timedelta(minutes=minute, seconds=5)))
    body = (await client.get("/price/ohlc/", params={"symbol": "EURUSD", "timeframe": "M1", "limit": 10})).json()
    assert body["symbol"] == "EURUSD" and body["timeframe"] == "M1"
    times = [bar["time"] for bar in body["bars"]]
    assert second in times
    bar = body["bars"][times.index(second)]
    assert bar["open"] == bar["close"] == bar["high"] == bar["low"] == 1.101
    assert set(bar) == {"time", "open", "high", "low", "close", "volume"}


OHLC_BAD = [
    ({"symbol": "EURUSD", "timeframe": "M2"}, "timeframe"),
    ({"symbol": "EURUSD", "limit": 0}, "limit"),
    ({"symbol": "EURUSD", "limit": 5000}, "limit"),
    ({"timeframe": "H1"}, "symbol"),
]


async def test_ohlc_bad_query_names_the_field(client):
    for params, field in OHLC_BAD:
        response = await client.get("/price/ohlc/", params=params)
        assert (response.status_code, response.json()["error"]["field"]) == (422, field), params


async def test_feeds_lists_registered_sources(client, engine):
    assert (await client.get("/feeds/")).json()["items"] == []
    engine.register_status_source(lambda: [FeedStatus("twelvedata", True, False, "HTTP 429", 790, 10, True)])
    items = (await client.get("/feeds/")).json()["items"]
    assert items == [
        {
            "name": "twelvedata",
            "enabled": True,
            "healthy": False,
            "last_error": "HTTP 429",
            "calls_used_today": 790,
            "calls_left_today": 10,
            "in_use": True,
            "details": {},
        }
    ]


async def test_health_needs_no_token(server):
    async with httpx.AsyncClient(base_url=server.url) as anonymous:
        response = await anonymous.get("/api/health")
    assert response.status_code == 200 and response.json()["status"] == "ok"


async def test_unknown_route_is_404_in_error_shape(client):
    response = await client.get("/nothing-here/")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


async def test_wrong_method_is_405_in_error_shape(client):
    response = await client.delete("/account/")
    assert response.status_code == 405 and "error" in response.json()
