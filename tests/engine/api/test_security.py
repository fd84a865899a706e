"""The guard: the token matrix, Host (DNS rebinding) and Origin checks, size bounds."""

from __future__ import annotations

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from tests.engine.api.conftest import TRADING, VIEWER
from tests.engine.api.helpers import next_message, of_type, ws_connect

API = "/api/paper-trading"
ORDER = {"symbol": "EURUSD", "side": "buy", "lots": 0.1}


def _auth(token: str | None, where: str) -> tuple[dict[str, str], dict[str, str]]:
    if token is None:
        return {}, {}
    return ({"Authorization": f"Bearer {token}"}, {}) if where == "header" else ({}, {"token": token})


TOKEN_MATRIX = [
    (None, 401, 401),
    ("wrong-token-0123456789abcdef", 401, 401),
    (VIEWER, 200, 403),
    (TRADING, 200, 201),
]


@pytest.mark.parametrize("where", ["header", "query"])
async def test_guard_token_matrix_grants_read_and_write_by_role(server, where):
    async with httpx.AsyncClient(base_url=server.url) as c:
        for token, read, write in TOKEN_MATRIX:
            headers, params = _auth(token, where)
            got_read = await c.get(f"{API}/account/", headers=headers, params=params)
            got_write = await c.post(f"{API}/trades/execute/", json=ORDER, headers=headers, params=params)
            assert (got_read.status_code, got_write.status_code) == (read, write), token
            for response in (got_read, got_write):
                if response.status_code >= 400:
                    error = response.json()["error"]
                    assert error["field"] == "token"
                    assert TRADING not in response.text and VIEWER not in response.text


async def test_refused_write_changes_nothing(server, client):
    async with httpx.AsyncClient(base_url=server.url, headers={"Authorization": f"Bearer {VIEWER}"}) as c:
        assert (await c.post(f"{API}/trades/execute/", json=ORDER)).status_code == 403
        assert (await c.post(f"{API}/account/reset/")).status_code == 403
    assert (await client.get("/trades/")).json()["total"] == 0


async def test_non_bearer_scheme_is_401(server):
    async with httpx.AsyncClient(base_url=server.url) as c:
        response = await c.get(f"{API}/account/", headers={"Authorization": f"Basic {TRADING}"})
    assert response.status_code == 401


HOSTS = [
    ("evil.example.com", 421),
    ("attacker.test:8765", 421),
    ("localhost", 200),
    ("127.0.0.1", 200),
    ("[::1]", 200),
]


async def test_guard_foreign_host_header_is_refused_with_421(server):
    async with httpx.AsyncClient(base_url=server.url, headers={"Authorization": f"Bearer {TRADING}"}) as c:
        for host, status in HOSTS:
            response = await c.get(f"{API}/account/", headers={"Host": host})
            assert response.status_code == status, host
            if status == 421:
                assert response.json()["error"]["code"] == "bad_host"


async def test_host_check_also_guards_the_viewer_page_and_health(server):
    async with httpx.AsyncClient(base_url=server.url) as c:
        assert (await c.get("/", headers={"Host": "rebind.example"})).status_code == 421
        assert (await c.get("/api/health", headers={"Host": "rebind.example"})).status_code == 421


ORIGINS = [
    ("http://evil.example.com", 403),
    ("null", 403),
    ("http://127.0.0.1:1", 403),
    ("SAME", 200),
]


async def test_guard_cross_origin_is_refused_same_origin_allowed(server):
    async with httpx.AsyncClient(base_url=server.url, headers={"Authorization": f"Bearer {TRADING}"}) as c:
        for origin, status in ORIGINS:
            origin = server.url if origin == "SAME" else origin
            response = await c.get(f"{API}/account/", headers={"Origin": origin})
            assert response.status_code == status, origin
            assert "access-control-allow-origin" not in response.headers


async def test_cors_preflight_is_not_granted(server):
    async with httpx.AsyncClient(base_url=server.url) as c:
        response = await c.options(
            f"{API}/trades/execute/",
            headers={"Origin": "http://evil.example.com", "Access-Control-Request-Method": "POST"},
        )
    assert response.status_code == 403
    assert "access-control-allow-origin" not in response.headers


async def test_long_query_string_is_414(client):
    response = await client.get("/trades/", params={"symbol": "A" * 5000})
    assert response.status_code == 414


async def test_responses_carry_security_headers(client):
    response = await client.get("/account/")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["cache-control"] == "no-store"


async def test_websocket_without_valid_token_is_refused(server):
    for token in (None, "nope-nope-nope-nope-nope"):
        for channel in ("trading", "prices"):
            with pytest.raises(InvalidStatus) as refused:
                async with ws_connect(server, channel, token):
                    pass
            assert refused.value.response.status_code == 401


async def test_websocket_accepts_viewer_token_and_header_token(server):
    async with ws_connect(server, "trading", VIEWER) as ws:
        assert (await next_message(ws, of_type("account_update")))["data"]["balance"] == 10000.0
    url = server.url.replace("http://", "ws://") + "/ws/prices/"
    async with connect(url, additional_headers={"Authorization": f"Bearer {TRADING}"}) as ws:
        assert (await next_message(ws, of_type("tick")))["symbol"] in ("EURUSD", "GBPUSD", "USDJPY")


async def test_websocket_cross_origin_is_refused(server):
    with pytest.raises(InvalidStatus) as refused:
        async with ws_connect(server, "trading", TRADING, origin="http://evil.example.com"):
            pass
    assert refused.value.response.status_code == 403
