"""Small helpers for the API tests: WebSocket connections and message waits."""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
from websockets.asyncio.client import ClientConnection, connect

from tests.engine.api.conftest import TRADING


def ws_url(server: Any, channel: str, token: str | None = TRADING) -> str:
    url = server.url.replace("http://", "ws://") + f"/ws/{channel}/"
    return url + (f"?token={token}" if token else "")


def ws_connect(server: Any, channel: str, token: str | None = TRADING, **kw: Any):
    return connect(ws_url(server, channel, token), open_timeout=5, **kw)


async def next_message(ws: ClientConnection, predicate=lambda m: True, timeout: float = 5.0) -> dict[str, Any]:
    """Receive until a message satisfies ``predicate``; fail after ``timeout`` seconds."""
    async with asyncio.timeout(timeout):
        while True:
            message = orjson.loads(await ws.recv())
            if predicate(message):
                return message


def of_type(kind: str):
    return lambda m: m.get("type") == kind
