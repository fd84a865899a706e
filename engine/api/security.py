"""The ASGI guard in front of every route: Host, Origin, size bounds, tokens.

Checks, in order, for HTTP requests and WebSocket handshakes alike:

1. ``Host`` must name the bound host, a loopback name (``localhost``,
   ``127.0.0.1``, ``[::1]``), an extra allowed host or the host of an
   allowed origin (``--allow-origin``); when bound to a wildcard address
   (``0.0.0.0``/``::``) IP literals and this machine's name are allowed too.
   Anything else is refused with 421 (DNS rebinding).
2. ``Origin``, when a browser sends one, must be this very server — scheme
   ``http`` (the server speaks plain HTTP), and the host and port of the
   ``Host`` header — or one of the allowed origins (a reverse proxy's
   ``https://terminal.example``). Anything else, ``https://127.0.0.1:PORT``
   included, is cross-origin and refused with 403, for HTTP requests and
   WebSocket handshakes alike. No CORS.
3. The query string is at most 4 KiB (414) and a body at most 64 KiB (413).
4. Under ``/api/paper-trading/`` and ``/ws/``: a token (``Authorization:
   Bearer T``, the web page's WebSocket subprotocol, or ``?token=T``) is required (401); a viewer token may only
   read (403 for POST/PATCH/PUT/DELETE). The role is left in
   ``scope["state"]["api_role"]`` for the routes.
"""

from __future__ import annotations

import base64
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Iterable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import orjson

from engine.api.tokens import ApiTokens, Role

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

MAX_BODY_BYTES = 64 * 1024
MAX_QUERY_BYTES = 4 * 1024
PROTECTED_PREFIXES = ("/api/paper-trading/", "/ws/")
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
WILDCARD_HOSTS = frozenset({"0.0.0.0", "::", ""})  # noqa: S104  (recognised here, to warn about them)

# The page's policy: scripts, styles, fetches and sockets from this server only; no inline
# script or style element, no eval, no plugins, no framing. ``img-src data:`` is for the
# favicon placeholder; style attributes set from script (the chart library sizes its
# canvases that way) are CSSOM changes, which ``style-src 'self'`` does not forbid.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; "
    "font-src 'self'; manifest-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; "
    "form-action 'none'"
)

SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
)


class Refused(Exception):
    """A request the guard turns away; rendered in DESIGN's error shape."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.field = status, code, message, field


def error_body(code: str, message: str, field: str | None = None) -> bytes:
    """DESIGN's error shape as JSON bytes."""
    return orjson.dumps({"error": {"code": code, "message": message, "field": field}})


def split_host(value: str) -> tuple[str, int | None]:
    """Split ``host[:port]`` (IPv6 in brackets) into a lower-case host and a port."""
    parts = urlsplit("//" + value.strip())
    try:
        port = parts.port
    except ValueError as exc:
        raise Refused(400, "bad_host", "the Host header has an invalid port", "host") from exc
    return (parts.hostname or "").lower(), port


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def normalise_origin(value: str) -> str:
    """Return ``scheme://host[:port]`` in lower case, the default port left out.

    Raise ``ValueError`` naming the problem when ``value`` is not an http(s)
    origin (a path, query, user name or another scheme is not an origin).
    """
    text = value.strip()
    parts = urlsplit(text)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{text!r} is not an origin like https://terminal.example or http://192.168.1.5:8765")
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username or parts.password:
        raise ValueError(f"{text!r} is not an origin: give scheme://host[:port] only, no path")
    try:
        port = parts.port
    except ValueError:
        raise ValueError(f"{text!r} has an invalid port") from None
    scheme = parts.scheme.lower()
    host = parts.hostname.lower()
    shown = f"[{host}]" if ":" in host else host
    default = 443 if scheme == "https" else 80
    return f"{scheme}://{shown}" if port in (None, default) else f"{scheme}://{shown}:{port}"


class HostPolicy:
    """Which ``Host`` header values and browser ``Origin`` values this server answers to."""

    def __init__(self, bound_host: str, extra: Iterable[str] = (), origins: Iterable[str] = ()) -> None:
        bound = bound_host.strip("[]").lower()
        self.wildcard = bound in WILDCARD_HOSTS
        self.origins = frozenset(normalise_origin(o) for o in origins)
        self.allowed = set(LOOPBACK_NAMES) | {h.strip("[]").lower() for h in extra}
        self.allowed |= {(urlsplit(o).hostname or "").lower() for o in self.origins}
        if not self.wildcard:
            self.allowed.add(bound)
        else:
            self.allowed.add(socket.gethostname().lower())

    def allows(self, host: str) -> bool:
        return host in self.allowed or (self.wildcard and _is_ip(host))

    def allows_origin(self, origin: str, host: str, port: int | None) -> bool:
        """True for this very server (``http``, the Host's name and port) or an allowed origin."""
        try:
            normal = normalise_origin(origin)
        except ValueError:
            return False
        return normal in self.origins or _same_origin(normal, host, port)


def _headers(scope: Scope) -> dict[str, str]:
    return {key.decode("latin-1").lower(): value.decode("latin-1") for key, value in scope.get("headers", ())}


WS_PROTOCOL = "paper-terminal"
WS_TOKEN_PREFIX = "paper-terminal.token."


def protocol_token(headers: dict[str, str]) -> str | None:
    """The token a browser's WebSocket sends as a subprotocol (it cannot send a header).

    ``new WebSocket(url, ["paper-terminal", "paper-terminal.token." + base64url(token)])``
    keeps the token out of the socket's URL, which browsers print in their console when a
    connection fails. Base64url (no padding) because a subprotocol allows few characters.
    """
    for item in headers.get("sec-websocket-protocol", "").split(","):
        item = item.strip()
        if item.startswith(WS_TOKEN_PREFIX):
            encoded = item.removeprefix(WS_TOKEN_PREFIX)
            try:
                return base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode("utf-8")
            except (ValueError, UnicodeDecodeError):
                return None
    return None


def bearer_or_query_token(headers: dict[str, str], query: dict[str, list[str]]) -> str | None:
    """Return the token from ``Authorization: Bearer T``, a WebSocket subprotocol, or else ``?token=T``."""
    auth = headers.get("authorization", "")
    scheme, _, value = auth.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    from_protocol = protocol_token(headers)
    if from_protocol is not None:
        return from_protocol
    values = query.get("token")
    return values[0] if values else None


class GuardMiddleware:
    """Pure ASGI middleware applying the checks of this module's docstring."""

    def __init__(self, app: ASGIApp, *, tokens: ApiTokens, hosts: HostPolicy, max_body: int = MAX_BODY_BYTES) -> None:
        self.app, self.tokens, self.hosts, self.max_body = app, tokens, hosts, max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        try:
            role = self._check(scope)
            if scope["type"] == "http":
                receive = await self._buffer_body(scope, receive)
        except Refused as refused:
            await self._refuse(scope, send, refused)
            return
        scope.setdefault("state", {})["api_role"] = role
        if scope["type"] == "http":
            send = _with_security_headers(send, api=scope["path"].startswith("/api/"))
        await self.app(scope, receive, send)

    def _check(self, scope: Scope) -> Role | None:
        headers = _headers(scope)
        host_header = headers.get("host")
        if not host_header:
            raise Refused(400, "bad_host", "the Host header is missing", "host")
        host, port = split_host(host_header)
        if not self.hosts.allows(host):
            raise Refused(421, "bad_host", "this server does not answer to that Host name", "host")
        origin = headers.get("origin")
        if origin is not None and not self.hosts.allows_origin(origin, host, port):
            raise Refused(403, "bad_origin", "cross-origin requests are not allowed", "origin")
        query_string: bytes = scope.get("query_string", b"")
        if len(query_string) > MAX_QUERY_BYTES:
            raise Refused(414, "query_too_long", f"the query string exceeds {MAX_QUERY_BYTES} bytes", "query")
        path: str = scope["path"]
        if not path.startswith(PROTECTED_PREFIXES):
            return None
        query = parse_qs(query_string.decode("latin-1"), keep_blank_values=True)
        role = self.tokens.role_of(bearer_or_query_token(headers, query))
        if role is None:
            raise Refused(401, "unauthorized", "a valid token is required (Authorization: Bearer or ?token=)", "token")
        if scope["type"] == "http" and scope["method"] not in READ_METHODS and role is not Role.TRADING:
            raise Refused(403, "forbidden", "the viewer token is read-only; use the trading token", "token")
        return role

    async def _buffer_body(self, scope: Scope, receive: Receive) -> Receive:
        """Read the whole body (at most ``max_body`` bytes), then replay it to the app."""
        length = _headers(scope).get("content-length")
        if length is not None:
            if not length.isdigit():
                raise Refused(400, "bad_request", "invalid Content-Length", "body")
            if int(length) > self.max_body:
                raise Refused(413, "body_too_large", f"the request body exceeds {self.max_body} bytes", "body")
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return _replay([message])
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                raise Refused(413, "body_too_large", f"the request body exceeds {self.max_body} bytes", "body")
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return _replay([{"type": "http.request", "body": b"".join(chunks), "more_body": False}], receive)

    async def _refuse(self, scope: Scope, send: Send, refused: Refused) -> None:
        body = error_body(refused.code, refused.message, refused.field)
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            *SECURITY_HEADERS,
        ]
        if refused.status == 401:
            headers.append((b"www-authenticate", b'Bearer realm="paper-terminal"'))
        if scope["type"] == "http":
            await send({"type": "http.response.start", "status": refused.status, "headers": headers})
            await send({"type": "http.response.body", "body": body})
        elif "websocket.http.response" in scope.get("extensions", {}):
            await send({"type": "websocket.http.response.start", "status": refused.status, "headers": headers})
            await send({"type": "websocket.http.response.body", "body": body})
        else:
            await send({"type": "websocket.close", "code": 1008, "reason": refused.code})


def _same_origin(origin: str, host: str, port: int | None) -> bool:
    """True when the normalised ``origin`` is ``http://host:port`` of this very server.

    The server speaks plain HTTP, so a page of this server has an ``http``
    origin; ``https://`` with the same host and port is another origin (a
    proxy in front must be listed with ``--allow-origin``).
    """
    parts = urlsplit(origin)
    return parts.scheme == "http" and (parts.hostname or "") == host and (parts.port or 80) == (port or 80)


def _replay(messages: list[Message], receive: Receive | None = None) -> Receive:
    """Return a receive callable yielding ``messages``, then delegating (disconnects)."""
    pending = list(messages)

    async def replayed() -> Message:
        if pending:
            return pending.pop(0)
        if receive is not None:
            return await receive()
        return {"type": "http.disconnect"}

    return replayed


def _with_security_headers(send: Send, *, api: bool) -> Send:
    extra = list(SECURITY_HEADERS)
    if api:
        extra.append((b"cache-control", b"no-store"))

    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": [*message.get("headers", ()), *extra]}
        await send(message)

    return wrapped
