"""The FastAPI application factory: REST routes, WebSockets and the web viewer.

``create_app(engine, tokens)`` returns an ASGI app serving DESIGN's contract
over a ``TradingEngine``. It holds no globals: the engine, the WebSocket hub
and the settings live on ``app.state``. The guard middleware
(``engine.api.security``) checks Host, Origin, sizes and tokens first.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, FastAPI, WebSocket
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles
from starlette.middleware.gzip import GZipMiddleware

from engine.api import error_handlers, routes_market, routes_signals, routes_trades
from engine.api.schemas import HealthOut
from engine.api.security import GuardMiddleware, HostPolicy
from engine.api.tokens import ApiTokens
from engine.api.ws import PRICES, TRADING, WebSocketHub
from engine.values import iso
from resources import path as resource_path

if TYPE_CHECKING:
    from engine.service import TradingEngine

API_PREFIX = "/api/paper-trading"
WEB_DIR = resource_path("web")


def _version() -> str:
    try:
        return metadata.version("paper-terminal")
    except metadata.PackageNotFoundError:
        return "0.0.0"


def _revalidated(inner: Any) -> Any:
    """Wrap an ASGI app so its responses carry ``cache-control: no-cache`` (use, but revalidate)."""

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        async def with_header(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", ()), (b"cache-control", b"no-cache")]}
            await send(message)

        await inner(scope, receive, with_header)

    return app


def create_app(
    engine: TradingEngine,
    tokens: ApiTokens,
    *,
    host: str = "127.0.0.1",
    allowed_hosts: Iterable[str] = (),
    allowed_origins: Iterable[str] = (),
    stale_after: float | None = 15.0,
    hub: WebSocketHub | None = None,
    web_dir: Path = WEB_DIR,
) -> FastAPI:
    """Build the app for ``engine``.

    ``host`` is the address the server binds (it is an allowed ``Host``);
    ``allowed_origins`` (``--allow-origin``) are browser origins accepted
    besides this server's own, e.g. a reverse proxy's ``https://…``;
    ``stale_after`` (seconds, 3 × the poll interval) marks older quotes stale in
    ``price/realtime/`` (None: trust ``quote.stale`` only); ``hub`` lets the
    caller own the WebSocket hub (default: a new one, started by ``ApiServer``).
    """
    app = FastAPI(
        title="Paper Terminal API",
        version=_version(),
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
        description="Paper trading over REST and WebSocket. Send the token as "
        "`Authorization: Bearer T` or `?token=T`; the viewer token reads only.",
    )
    app.state.engine = engine
    app.state.tokens = tokens
    app.state.stale_after = stale_after
    app.state.hub = hub if hub is not None else WebSocketHub(engine)
    error_handlers.install(app)

    api = APIRouter(prefix=API_PREFIX)
    api.include_router(routes_trades.router)
    api.include_router(routes_market.router)
    api.include_router(routes_signals.router)
    app.include_router(api)

    @app.get("/api/health", response_model=HealthOut, tags=["health"], summary="Liveness; no token needed")
    async def health() -> dict[str, Any]:
        return {"status": "ok", "time": iso(datetime.now(timezone.utc)), "version": app.version}

    async def trading_ws(websocket: WebSocket) -> None:
        await app.state.hub.serve(websocket, TRADING)

    async def prices_ws(websocket: WebSocket) -> None:
        await app.state.hub.serve(websocket, PRICES)

    for path in ("/ws/trading/", "/ws/trading"):
        app.add_api_websocket_route(path, trading_ws)
    for path in ("/ws/prices/", "/ws/prices"):
        app.add_api_websocket_route(path, prices_ws)

    index = web_dir / "index.html"

    @app.get("/", include_in_schema=False)
    async def viewer() -> FileResponse:
        return FileResponse(index, media_type="text/html", headers={"cache-control": "no-cache"})

    # The page's files are sent gzipped to browsers that accept it (the chart library shrinks from
    # 198 to about 63 KB); ``no-cache`` revalidates them (ETag) so an upgrade is picked up at once.
    static = StaticFiles(directory=web_dir, check_dir=False)
    app.mount("/static", GZipMiddleware(_revalidated(static), minimum_size=1024), name="static")

    app.add_middleware(GuardMiddleware, tokens=tokens, hosts=HostPolicy(host, allowed_hosts, allowed_origins))
    return app
