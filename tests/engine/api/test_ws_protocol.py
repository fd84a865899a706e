"""Pre-built frames: the hub writes one frame per message to every client, and falls back when it must."""

from __future__ import annotations

import asyncio

import orjson
import pytest

from engine.api.ws_client import Outgoing
from engine.api.ws_protocol import text_frame
from tests.engine.api.conftest import quote
from tests.engine.api.helpers import next_message, of_type, ws_connect


@pytest.mark.parametrize(
    "size", [10, 125, 126, 65_535, 65_536, 200_000], ids=lambda n: f"{n}-bytes"
)  # each WebSocket length encoding and its edges
async def test_prebuilt_frames_of_every_length_arrive_intact(server, size):
    async with ws_connect(server, "prices") as ws:
        await next_message(ws, of_type("tick"))
        client = server.hub.clients["prices"][0]
        text = orjson.dumps({"type": "probe", "pad": "é" * ((size - 30) // 2)}).decode()
        before = client.frames_written
        client.offer(Outgoing(text))
        async with asyncio.timeout(5):
            while (received := await ws.recv()) != text:
                assert '"probe"' not in received, "the probe arrived altered"
        assert client.frames_written == before + 1  # it went out as a pre-built frame


async def test_price_fanout_uses_prebuilt_frames(server, engine):
    async with ws_connect(server, "prices") as first, ws_connect(server, "trading") as second:
        await next_message(first, of_type("tick"))
        await next_message(second, of_type("price_update"))
        await engine.on_quote(quote("EURUSD", 1.0901, 1.0902))
        assert (await next_message(first, lambda m: m.get("bid") == 1.0901))["symbol"] == "EURUSD"
        assert (await next_message(second, lambda m: m["data"].get("bid") == 1.0901))["type"] == "price_update"
        clients = server.hub.clients["prices"] + server.hub.clients["trading"]
        assert all(c.frames_written == c.sent and c.sent > 0 for c in clients)


async def test_frame_writer_declines_once_the_connection_is_closing(server):
    async with ws_connect(server, "prices") as ws:
        await next_message(ws, of_type("tick"))
        client = server.hub.clients["prices"][0]
        write_frame = client._write_frame
        assert write_frame is not None
        assert write_frame(text_frame('{"type":"probe"}')) is True
        assert await next_message(ws, of_type("probe")) == {"type": "probe"}
        await client.websocket.close(code=1000)
        assert write_frame(text_frame('{"type":"late"}')) is False  # never a data frame after the close frame
        async with asyncio.timeout(5):
            await ws.wait_closed()
        assert ws.close_code == 1000


def test_text_frame_is_an_unmasked_final_text_frame():
    frame = text_frame("hi")
    assert frame == b"\x81\x02hi"  # FIN + text opcode, no mask bit, length 2 (RFC 6455 section 5.2)
    assert text_frame("x" * 126)[:4] == b"\x81\x7e\x00\x7e"  # 16-bit extended length
