"""WebSocket channels: events from REST trades, subscriptions, bad messages, slow clients."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import os
import socket
from decimal import Decimal

import orjson
import pytest

from engine.api.server import ApiServer
from engine.events import TradeModified
from engine.orders import OrderRequest
from engine.values import Side, iso
from tests.engine.api.conftest import TRADING, quote
from tests.engine.api.helpers import next_message, of_type, ws_connect

ORDER = {"symbol": "EURUSD", "side": "buy", "lots": 0.1, "sl": 1.08, "tp": 1.09}


async def test_rest_trade_reaches_both_channels(server, client, engine):
    async with ws_connect(server, "trading") as trading, ws_connect(server, "prices") as prices:
        await next_message(trading, of_type("account_update"))
        trade = (await client.post("/trades/execute/", json=ORDER)).json()
        execution = await next_message(trading, of_type("trade_execution"))
        assert execution["data"] == trade  # the trade exactly as REST shows it
        assert execution["ts"].endswith("Z")
        await engine.on_quote(quote("EURUSD", 1.0862, 1.0863))
        tick = await next_message(prices, lambda m: m.get("type") == "tick" and m["bid"] == 1.0862)
        assert tick == {
            "type": "tick",
            "symbol": "EURUSD",
            "bid": 1.0862,
            "ask": 1.0863,
            "time": tick["time"],
            "seq": tick["seq"],
        }
        update = await next_message(trading, lambda m: m["type"] == "price_update" and m["data"]["bid"] == 1.0862)
        assert update["data"]["symbol"] == "EURUSD" and update["data"]["spread_pips"] == 1.0
        await client.patch(f"/trades/{trade['id']}/", json={"sl": 1.085})
        modified = await next_message(trading, of_type("trade_modified"))
        assert modified["data"]["sl"] == 1.085
        await client.post(f"/trades/{trade['id']}/close/")
        closed = await next_message(trading, of_type("trade_closed"))
        assert closed["data"]["id"] == trade["id"] and closed["data"]["close_reason"] == "manual"


async def test_every_message_on_both_channels_carries_seq_and_the_event_stamps(server, client, engine):
    from engine.events import Event

    published: list[Event] = []
    engine.bus.subscribe(Event, published.append)
    async with ws_connect(server, "trading") as trading, ws_connect(server, "prices") as prices:
        greeting = await next_message(trading, of_type("account_update"))
        first_tick = await next_message(prices, of_type("tick"))
        assert greeting["seq"] == first_tick["seq"] == engine.bus.last_seq  # the state as of the latest event
        trade = (await client.post("/trades/execute/", json=ORDER)).json()
        execution = await next_message(trading, of_type("trade_execution"))
        opened = next(e for e in published if type(e).__name__ == "TradeOpened")
        assert execution["seq"] == opened.seq and execution["ts"] == iso(opened.ts)
        moved = quote("EURUSD", 1.0871, 1.0872)
        await engine.on_quote(moved)
        update = await next_message(trading, lambda m: m["type"] == "price_update" and m["data"]["bid"] == 1.0871)
        tick = await next_message(prices, lambda m: m.get("type") == "tick" and m["bid"] == 1.0871)
        priced = next(e for e in published if type(e).__name__ == "PriceUpdated" and e.quote.bid == 1.0871)
        assert update["seq"] == tick["seq"] == priced.seq > execution["seq"]  # one event, one number
        assert update["ts"] == iso(engine.clock.now())  # the engine's market clock: the quote's time
        await client.post(f"/trades/{trade['id']}/close/", json={"lots": 0.05})  # partial: closed + modified
        closed = await next_message(trading, of_type("trade_closed"))
        remaining = await next_message(trading, of_type("trade_modified"))
        assert closed["seq"] == remaining["seq"] > update["seq"] and remaining["data"]["id"] == trade["id"]
        await prices.send('{"action": "ping"}')
        await trading.send('{"action": "ping"}')
        assert (await next_message(prices, of_type("pong")))["seq"] == engine.bus.last_seq
        assert (await next_message(trading, of_type("pong")))["seq"] == engine.bus.last_seq


async def test_sl_closed_by_price_is_broadcast(server, client, engine):
    trade = (await client.post("/trades/execute/", json=ORDER)).json()
    async with ws_connect(server, "trading") as trading:
        await engine.on_quote(quote("EURUSD", 1.0790, 1.0791))
        closed = await next_message(trading, of_type("trade_closed"))
        assert closed["data"]["id"] == trade["id"] and closed["data"]["close_reason"] == "sl"


async def test_prices_subscription_filters_symbols(server, engine):
    async with ws_connect(server, "prices") as ws:
        await ws.send(orjson.dumps({"action": "unsubscribe", "symbols": ["EURUSD", "GBPUSD", "USDJPY"]}).decode())
        assert (await next_message(ws, of_type("subscribed")))["symbols"] == []
        await ws.send(orjson.dumps({"action": "subscribe", "symbols": ["gbpusd"]}).decode())
        assert (await next_message(ws, of_type("subscribed")))["symbols"] == ["GBPUSD"]
        await engine.on_quote(quote("EURUSD", 1.0870, 1.0871))
        await engine.on_quote(quote("GBPUSD", 1.2700, 1.2701))
        tick = await next_message(ws, lambda m: m.get("type") == "tick" and m["bid"] == 1.27)
        assert tick["symbol"] == "GBPUSD"
        await ws.send(orjson.dumps({"action": "ping"}).decode())
        pong_seen_after = []
        while True:  # everything between the last tick and the pong: no EURUSD tick may appear
            message = orjson.loads(await asyncio.wait_for(ws.recv(), 5))
            if message["type"] == "pong":
                break
            pong_seen_after.append(message)
        assert all(m.get("symbol") != "EURUSD" for m in pong_seen_after)


BAD_MESSAGES = [
    ("not json", None),
    ("[1, 2]", None),
    ('{"action": "dance"}', "action"),
    ('{"action": "subscribe", "symbols": "EURUSD"}', "symbols"),
    ('{"action": "subscribe", "symbols": [1, 2]}', "symbols"),
]


async def test_prices_bad_message_gets_error_and_connection_survives(server):
    async with ws_connect(server, "prices") as ws:
        for payload, field in BAD_MESSAGES:
            await ws.send(payload)
            error = await next_message(ws, of_type("error"))
            assert error["field"] == field and error["message"], payload
            await ws.send('{"action": "ping"}')
            await next_message(ws, of_type("pong"))


async def test_trading_bad_message_gets_error_in_envelope(server):
    async with ws_connect(server, "trading") as ws:
        await ws.send(b"\x00\x01")
        error = await next_message(ws, of_type("error"))
        assert error["data"]["code"] == "invalid_message" and "ts" in error


async def _stalled_client(server: ApiServer) -> socket.socket:
    """A raw WebSocket client that completes the handshake and then never reads."""
    host, port = "127.0.0.1", server.port
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.setblocking(False)
    loop = asyncio.get_running_loop()
    await loop.sock_connect(sock, (host, port))
    key = base64.b64encode(os.urandom(16)).decode()
    request = (
        f"GET /ws/trading/?token={TRADING} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
    )
    await loop.sock_sendall(sock, request.encode())
    head = b""
    while b"\r\n\r\n" not in head:
        head += await loop.sock_recv(sock, 1)
    assert head.startswith(b"HTTP/1.1 101")
    return sock


@pytest.mark.parametrize("max_queue", [50, 100_000], ids=["dropped-on-queue-overflow", "dropped-on-send-timeout"])
async def test_stalled_client_is_dropped_and_does_not_delay_others(engine, tokens, max_queue):
    server = ApiServer(engine, "127.0.0.1", 0, tokens, send_timeout=0.5, max_queue=max_queue)
    await server.start()
    stalled = await _stalled_client(server)
    try:
        async with ws_connect(server, "trading") as fast:
            await next_message(fast, of_type("account_update"))
            while server.hub.client_count < 2:
                await asyncio.sleep(0.01)
            trade = await engine.place_order(OrderRequest("EURUSD", Side.BUY, lots=Decimal("0.1")))
            received = 0
            bulk = "x" * 8000
            for round_ in range(50):
                for i in range(40):  # 2,000 messages of ~8 KB (16 MB) in bursts below max_queue
                    engine.bus.publish(TradeModified(dataclasses.replace(trade, comment=f"{round_}-{i}{bulk}")))
                while received < (round_ + 1) * 40:
                    message = await next_message(fast, of_type("trade_modified"))
                    received += 1
                    assert message["data"]["id"] == trade.id
            assert received == 2000  # the fast client got every message, in spite of the stalled one
            for _ in range(300):
                if server.hub.dropped >= 1:
                    break
                await asyncio.sleep(0.01)
            assert server.hub.dropped == 1  # the stalled one was dropped, not buffered without bound
            assert server.hub.client_count == 1
    finally:
        stalled.close()
        await server.stop()


async def test_slow_client_prices_are_coalesced_per_symbol(server, engine):
    # A client that stops reading: its library stops after one queued message and its socket buffer
    # is small, so the server's socket, then the transport's buffer, fill and the hub must hold back.
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", server.port))
    sock.setblocking(False)
    async with ws_connect(server, "prices", max_queue=1, sock=sock) as ws:
        await next_message(ws, of_type("tick"))
        client = server.hub.clients["prices"][0]
        sent = 0

        async def tick() -> float:
            nonlocal sent
            sent += 1
            bid = round(1.0 + sent * 0.00001, 5)
            await engine.on_quote(quote("EURUSD", bid, round(bid + 0.0001, 5)))
            await asyncio.sleep(0)
            return bid

        while not client.busy:  # until a send had to wait for the peer
            await tick()
            assert sent < 100_000, "the server never had to wait for a client that reads nothing"
        for _ in range(500):
            last = await tick()
            assert client.pending <= 1  # at most the latest EURUSD price waits, however many arrive
        bids: list[float] = []
        async with asyncio.timeout(10):
            while not bids or bids[-1] != last:
                message = orjson.loads(await ws.recv())
                if message.get("type") == "tick" and message["symbol"] == "EURUSD":
                    bids.append(message["bid"])
        assert len(bids) < sent  # the 500 ticks sent while it was stalled were coalesced, not queued
        assert bids == sorted(set(bids))  # in order, none twice, across the switch to waiting sends and back


async def test_server_stop_closes_websocket_clients(engine, tokens):
    server = ApiServer(engine, "127.0.0.1", 0, tokens)
    await server.start()
    async with ws_connect(server, "trading") as ws:
        await next_message(ws, of_type("account_update"))
        await server.stop()
        async with asyncio.timeout(5):
            await ws.wait_closed()
        assert ws.close_code in (1001, 1012)
