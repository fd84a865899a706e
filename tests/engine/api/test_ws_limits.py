"""WebSocket bounds per connection: known symbols only, a total cap, a message-rate limit, logged closes."""

from __future__ import annotations

import asyncio
import logging

import orjson
import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus

from engine.api import ws as ws_module
from engine.api.server import ApiServer
from engine.api.ws_limits import MessageRate
from tests.engine.api.conftest import TRADING
from tests.engine.api.helpers import next_message, of_type, ws_connect


def _subscribe(symbols: list[str]) -> str:
    return orjson.dumps({"action": "subscribe", "symbols": symbols}).decode()


async def _closed_code(ws, timeout: float = 10.0) -> int | None:
    """Read until the server closes the connection; its close code."""
    try:
        async with asyncio.timeout(timeout):
            while True:
                await ws.recv()
    except ConnectionClosed as closed:
        return closed.rcvd.code if closed.rcvd is not None else None


async def test_subscribing_unknown_symbols_is_refused_naming_them(server):
    async with ws_connect(server, "prices") as ws:
        await ws.send(_subscribe(["EURUSD", "MADEUP1", "zzzzzz"]))
        error = await next_message(ws, of_type("error"))
        assert (error["code"], error["field"]) == ("unknown_symbol", "symbols")
        assert "MADEUP1" in error["message"] and "ZZZZZZ" in error["message"]
        assert "EURUSD, GBPUSD, USDJPY" in error["message"]  # what can be subscribed
        await ws.send(_subscribe(["usdjpy"]))
        assert (await next_message(ws, of_type("subscribed")))["symbols"] == ["USDJPY"]  # nothing else was taken


async def test_many_made_up_symbols_never_grow_a_connection(server):
    """Today's attack: 2,000 messages of 200 made-up symbols each (400,000 names) from one viewer client."""
    hub = server.hub
    async with ws_connect(server, "prices") as ws:
        for batch in range(2_000):
            try:
                await ws.send(_subscribe([f"X{batch:04d}{i:03d}" for i in range(200)]))
            except ConnectionClosed:
                break
        code = await _closed_code(ws)
    assert code == 1008  # closed for its message rate long before 2,000 messages
    assert all(not c.symbols for c in hub.clients["prices"])


async def test_total_subscriptions_per_connection_are_capped(server, monkeypatch):
    monkeypatch.setattr(ws_module, "MAX_SUBSCRIBED_SYMBOLS", 2)
    async with ws_connect(server, "prices") as ws:
        await ws.send(_subscribe(["EURUSD", "GBPUSD"]))
        assert (await next_message(ws, of_type("subscribed")))["symbols"] == ["EURUSD", "GBPUSD"]
        await ws.send(_subscribe(["USDJPY"]))
        error = await next_message(ws, of_type("error"))
        assert (error["code"], error["field"]) == ("too_many_symbols", "symbols")
        await ws.send('{"action": "ping"}')
        await next_message(ws, of_type("pong"))


async def test_client_over_the_message_rate_is_closed_1008_and_logged(engine, tokens, caplog):
    server = ApiServer(engine, "127.0.0.1", 0, tokens, message_rate=(5.0, 10))
    await server.start()
    try:
        caplog.set_level(logging.INFO, logger="engine.api.ws")
        async with ws_connect(server, "prices") as polite:
            for _ in range(5):
                await polite.send('{"action": "ping"}')
                await next_message(polite, of_type("pong"))
            async with ws_connect(server, "trading") as flood:
                for _ in range(100):
                    try:
                        await flood.send('{"action": "ping"}')
                    except ConnectionClosed:
                        break
                assert await _closed_code(flood) == 1008
            await polite.send('{"action": "ping"}')  # the polite client is untouched
            await next_message(polite, of_type("pong"))
    finally:
        await server.stop()
    lines = [r.getMessage() for r in caplog.records if "closed (1008)" in r.getMessage()]
    assert len(lines) == 1 and "/ws/trading/" in lines[0] and "127.0.0.1:" in lines[0], lines
    assert "messages per second" in lines[0]
    assert all(TRADING not in r.getMessage() for r in caplog.records)


async def test_connection_beyond_max_clients_is_refused_and_logged(engine, tokens, caplog):
    server = ApiServer(engine, "127.0.0.1", 0, tokens, max_clients=1)
    await server.start()
    try:
        caplog.set_level(logging.INFO, logger="engine.api.ws")
        async with ws_connect(server, "prices") as first:
            await first.send('{"action": "ping"}')
            await next_message(first, of_type("pong"))
            with pytest.raises(InvalidStatus) as refused_status:  # closed before the handshake: HTTP 403
                async with ws_connect(server, "prices"):
                    pass
            assert refused_status.value.response.status_code == 403
    finally:
        await server.stop()
    refused = [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]
    assert len(refused) == 1 and "127.0.0.1:" in refused[0] and TRADING not in refused[0]


def test_message_rate_bucket_refills():
    rate = MessageRate(rate=10.0, burst=3)
    assert [rate.allow(0.0) for _ in range(4)] == [True, True, True, False]
    assert rate.allow(0.1)  # one token back after 0.1 s at 10/s
    assert not rate.allow(0.1)
    assert all(rate.allow(10.0 + i) for i in range(5))  # a steady slow client never runs out


@pytest.mark.parametrize("channel", ["prices", "trading"])
async def test_server_stop_logs_one_line_for_all_clients(engine, tokens, caplog, channel):
    server = ApiServer(engine, "127.0.0.1", 0, tokens)
    await server.start()
    caplog.set_level(logging.INFO, logger="engine.api.ws")
    async with ws_connect(server, channel) as a, ws_connect(server, channel) as b:
        for ws in (a, b):
            await ws.send('{"action": "ping"}')
            await next_message(ws, of_type("pong"))
        await server.stop()
    lines = [r.getMessage() for r in caplog.records if "server stopping" in r.getMessage()]
    assert lines == ["closing 2 websocket client(s): server stopping"]
