"""``ApiServer`` lifecycle: port 0, url, the non-loopback warning, clean stop."""

from __future__ import annotations

import logging

import httpx
import pytest

from engine.api.server import ApiServer, ServerStartError, is_loopback
from tests.engine.api.conftest import TRADING


async def test_start_on_port_zero_exposes_the_real_port(engine, tokens):
    server = ApiServer(engine, "127.0.0.1", 0, tokens)
    await server.start()
    try:
        assert server.port > 0 and server.url == f"http://127.0.0.1:{server.port}"
        assert server.running
        async with httpx.AsyncClient() as c:
            assert (await c.get(server.url + "/api/health")).status_code == 200
    finally:
        await server.stop()
    assert not server.running
    async with httpx.AsyncClient() as c:
        try:
            await c.get(server.url + "/api/health", timeout=1)
            refused = False
        except httpx.ConnectError:
            refused = True
    assert refused


async def test_non_loopback_bind_warns_loudly(engine, tokens, caplog, capsys):
    server = ApiServer(engine, "0.0.0.0", 0, tokens)
    with caplog.at_level(logging.WARNING, logger="engine.api.server"):
        await server.start()
    try:
        assert any("0.0.0.0" in r.getMessage() and r.levelno == logging.WARNING for r in caplog.records)
        assert "0.0.0.0" in capsys.readouterr().err
        async with httpx.AsyncClient(headers={"Authorization": f"Bearer {TRADING}"}) as c:
            # bound to every interface: IP literals are accepted, names still are not
            ok = await c.get(f"http://127.0.0.1:{server.port}/api/paper-trading/account/")
            rebound = await c.get(
                f"http://127.0.0.1:{server.port}/api/paper-trading/account/", headers={"Host": "rebind.example"}
            )
        assert ok.status_code == 200 and rebound.status_code == 421
    finally:
        await server.stop()


async def test_loopback_bind_does_not_warn(engine, tokens, capsys):
    server = ApiServer(engine, "127.0.0.1", 0, tokens)
    await server.start()
    await server.stop()
    assert "WARNING" not in capsys.readouterr().err


async def test_stop_is_idempotent_and_start_twice_is_harmless(engine, tokens):
    server = ApiServer(engine, "127.0.0.1", 0, tokens)
    await server.stop()
    await server.start()
    port = server.port
    await server.start()
    assert server.port == port
    await server.stop()
    await server.stop()


def test_is_loopback_classifies_names_and_addresses():
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost") and is_loopback("[::1]")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.5") and not is_loopback("example.com")


async def test_port_in_use_raises_a_clear_error(engine, tokens):
    first = ApiServer(engine, "127.0.0.1", 0, tokens)
    await first.start()
    try:
        second = ApiServer(engine, "127.0.0.1", first.port, tokens)
        with pytest.raises(ServerStartError, match=f"cannot listen on http://127.0.0.1:{first.port}"):
            await second.start()
        assert not second.running
    finally:
        await first.stop()
