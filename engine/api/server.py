"""``ApiServer``: uvicorn serving the API as an owned task on the running loop.

The server shares the engine's asyncio loop (the qasync loop in the window, a
plain loop in ``serve``): ``await start()`` binds the socket, starts
``uvicorn.Server.serve()`` as the named task ``api-server`` (signal capture
disabled: the owner handles SIGINT/SIGTERM) and returns once it listens;
``port`` is then the real port (useful with port 0). ``await stop()`` closes
the WebSocket clients, sets ``should_exit`` and waits for the task.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import socket
import sys
from collections.abc import Generator, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import uvicorn

from engine.api.app import create_app
from engine.api.tokens import ApiTokens
from engine.api.ws import WebSocketHub
from engine.api.ws_protocol import FrameWritingProtocol
from engine.errors import PermanentError

if TYPE_CHECKING:
    from engine.service import TradingEngine

log = logging.getLogger(__name__)

MAX_WS_MESSAGE_BYTES = 64 * 1024


class ServerStartError(PermanentError):
    """The server could not listen (address in use, no permission, unknown host)."""


class _EmbeddedServer(uvicorn.Server):
    """A uvicorn server that leaves signal handling to its owner."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


def reachable_urls(host: str, port: int) -> list[str]:
    """URLs other machines may use for a server bound to ``host``:``port``.

    A wildcard bind (``0.0.0.0``/``::``) lists this machine's non-loopback
    IPv4 addresses as its name resolves them, else the machine's name; any
    other host is its own URL. Name resolution only: nothing is sent.
    """
    bare = host.strip("[]")
    if bare not in ("0.0.0.0", "::", ""):  # noqa: S104  (naming the wildcard, not binding it)
        shown = f"[{bare}]" if ":" in bare else bare
        return [f"http://{shown}:{port}/"]
    name = socket.gethostname()
    try:
        infos = socket.getaddrinfo(name, None, family=socket.AF_INET)
    except OSError:
        infos = []
    addresses = sorted({str(info[4][0]) for info in infos if not is_loopback(str(info[4][0]))})
    return [f"http://{address}:{port}/" for address in addresses] or [f"http://{name}:{port}/"]


def exposure_warning(host: str, port: int, tokens_path: Path | None) -> str | None:
    """The warning ``serve`` and the window show when bound beyond loopback (None on loopback).

    It names the URL(s) to open and which token does what; never a token itself.
    """
    if is_loopback(host):
        return None
    where = f" (both in {tokens_path})" if tokens_path is not None else ""
    return (
        f"WARNING: the server is bound to {host} and reachable from other machines. "
        f"Open {' or '.join(reachable_urls(host, port))} and sign in with the VIEWER token to watch, "
        f"or the TRADING token to trade{where}. Anyone who can reach this port and holds the trading "
        "token can trade: bind 127.0.0.1 unless you mean it."
    )


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback IP literals."""
    host = host.strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class ApiServer:
    """The embedded REST + WebSocket server over a ``TradingEngine``."""

    def __init__(
        self,
        engine: TradingEngine,
        host: str = "127.0.0.1",
        port: int = 8765,
        tokens: ApiTokens | None = None,
        *,
        allowed_hosts: Iterable[str] = (),
        allowed_origins: Iterable[str] = (),
        stale_after: float | None = 15.0,
        send_timeout: float = 5.0,
        max_queue: int = 256,
        max_clients: int = 2000,
        message_rate: tuple[float, int] | None = None,
    ) -> None:
        if tokens is None:
            raise ValueError("ApiServer needs tokens (see engine.api.tokens.load_or_create_tokens)")
        if not 0 <= port <= 65535:
            raise ValueError(f"port must be 0..65535, got {port}")
        self.engine = engine
        self.host = host
        self.port = port
        self.tokens = tokens
        limits = {"message_rate": message_rate} if message_rate is not None else {}
        self.hub = WebSocketHub(
            engine, max_queue=max_queue, send_timeout=send_timeout, max_clients=max_clients, **limits
        )
        self.app = create_app(
            engine,
            tokens,
            host=host,
            allowed_hosts=allowed_hosts,
            allowed_origins=allowed_origins,
            stale_after=stale_after,
            hub=self.hub,
        )
        self._server: _EmbeddedServer | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        """``http://HOST:PORT`` with the real port once started."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def tokens_path(self) -> Path | None:
        """Where the tokens are stored (None when they were given, not stored)."""
        return self.tokens.path

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def start(self) -> None:
        """Bind, start serving on the running loop, and return once listening."""
        if self.running:
            return
        config = uvicorn.Config(
            self.app,
            host=self.host,
            port=self.port,
            log_config=None,
            log_level="warning",
            access_log=False,
            lifespan="off",
            ws=FrameWritingProtocol,
            ws_max_size=MAX_WS_MESSAGE_BYTES,
            ws_per_message_deflate=False,
            timeout_graceful_shutdown=3,
            server_header=False,
            proxy_headers=False,
        )
        sock = self._bind()
        self.port = sock.getsockname()[1]
        self._server = _EmbeddedServer(config)
        self.hub.start()
        self._task = asyncio.create_task(self._server.serve(sockets=[sock]), name="api-server")
        self._task.add_done_callback(self._on_done)
        while not self._server.started:
            if self._task.done():
                self.hub.stop()
                sock.close()
                self._task.result()  # re-raise why it failed
                raise RuntimeError("the API server stopped before it was listening")
            await asyncio.sleep(0.01)
        log.info("API server listening on %s", self.url)
        warning = self.exposure_warning
        if warning is not None:
            log.warning("%s", warning)
            print(warning, file=sys.stderr, flush=True)

    @property
    def exposure_warning(self) -> str | None:
        """What to tell the user when bound beyond loopback (``exposure_warning``), else None."""
        return exposure_warning(self.host, self.port, self.tokens.path)

    async def stop(self) -> None:
        """Close the WebSocket clients, stop uvicorn and wait for its task."""
        if self._task is None or self._server is None:
            return
        self.hub.stop()
        self._server.should_exit = True
        try:
            await asyncio.wait_for(asyncio.shield(self._task), timeout=8)
        except TimeoutError:
            self._server.force_exit = True
            await asyncio.gather(self._task, return_exceptions=True)
        self._task = None

    def _bind(self) -> socket.socket:
        """Bind the listening socket (a quick syscall); raise ``ServerStartError`` with the reason."""
        host = self.host.strip("[]")
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        try:
            sock = socket.create_server((host, self.port), family=family, backlog=2048)
        except OSError as exc:
            raise ServerStartError(f"cannot listen on {self.url}: {exc.strerror or exc}") from exc
        sock.set_inheritable(True)
        return sock

    @staticmethod
    def _on_done(task: asyncio.Task[None]) -> None:
        if not task.cancelled() and task.exception() is not None:
            log.error("the API server failed", exc_info=task.exception())
