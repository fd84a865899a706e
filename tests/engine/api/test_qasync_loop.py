"""The server on the window's loop: qasync's QEventLoop (offscreen Qt), not a plain asyncio loop."""

from __future__ import annotations

import asyncio
from pathlib import Path

import PySide6  # noqa: F401 - import PySide6 before qasync (STYLE.md)

import httpx
import orjson
import qasync

from engine.api.server import ApiServer
from engine.api.tokens import ApiTokens
from tests.engine.api.conftest import TRADING, VIEWER, feed_start_prices, make_broker, quote
from tests.engine.api.helpers import next_message, ws_connect
from tests.kit import make_engine


def test_server_serves_rest_and_websocket_on_the_qasync_loop(qapp, tmp_path: Path):
    loop = qasync.QEventLoop(qapp)
    asyncio.set_event_loop(loop)

    async def scenario() -> tuple[int, dict, dict]:
        engine = make_engine(tmp_path / "j.db", broker=make_broker())
        await engine.start()
        await feed_start_prices(engine)
        server = ApiServer(engine, "127.0.0.1", 0, ApiTokens(TRADING, VIEWER))
        await server.start()
        try:
            async with ws_connect(server, "prices") as ws:
                async with httpx.AsyncClient(
                    base_url=server.url + "/api/paper-trading", headers={"Authorization": f"Bearer {TRADING}"}
                ) as client:
                    opened = await client.post(
                        "/trades/execute/", json={"symbol": "EURUSD", "side": "buy", "lots": 0.1}
                    )
                await engine.on_quote(quote("EURUSD", 1.0871, 1.0872))
                tick = await next_message(ws, lambda m: m.get("type") == "tick" and m["bid"] == 1.0871)
            return opened.status_code, opened.json(), tick
        finally:
            await server.stop()
            await engine.stop()

    try:
        status, trade, tick = loop.run_until_complete(asyncio.wait_for(scenario(), 30))
    finally:
        loop.close()
        asyncio.set_event_loop(None)
    assert status == 201 and trade["status"] == "open"
    assert tick["symbol"] == "EURUSD" and orjson.dumps(tick)
