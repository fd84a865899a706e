"""A generator of hostile requests across every write route (and the query parameters of the reads).

Each case takes a valid request and breaks it: one field, or several at once,
replaced by a hostile value (huge, negative, NaN/Infinity, booleans, wrong
types, out-of-range dates, very long text, nesting), an unknown field, a body
that is not JSON, not UTF-8 or a fake gzip, or a hostile path id. The oracle
(``problems``): never a 5xx; every 4xx in DESIGN's error shape naming a field;
no error body carrying SQL, parameters or a file path.

``run_hostile`` sends ``count`` cases (seeded, reproducible) to a running
server; the test suite sends a few hundred. Run the big one against a real
``paper-terminal serve --feed sim``::

    python -m tests.engine.api.hostile --count 6000 [--seed 1]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

P = "/api/paper-trading"
RAW = object()  # marks a value that is sent as raw JSON text (NaN, 1e400…)

HOSTILE_NUMBERS: list[Any] = [
    0,
    -1,
    -0.0,
    1e308,
    -1e308,
    1e-320,
    5e-324,
    10**40,
    -(10**40),
    2**63,
    2**64 + 1,
    0.1 + 0.2,
    (RAW, "NaN"),
    (RAW, "Infinity"),
    (RAW, "-Infinity"),
    (RAW, "1e400"),
    (RAW, "-1e400"),
    (RAW, "1" + "0" * 400),
    True,
    False,
    None,
    "1.1",
    "abc",
    "",
    [],
    {},
    [1.1],
    {"value": 1.1},
]
HOSTILE_TEXT: list[Any] = [
    "",
    " ",
    "x" * 10_000,
    "\x00",
    "\u202e\u0000\ud7ff",
    "EUR/USD;DROP TABLE paper_trades",
    "../../etc/passwd",
    "%s%s%n",
    12,
    1.5,
    True,
    None,
    [],
    {},
    ["EURUSD"],
    "buy\n",
    "BUY",
    "market' OR '1'='1",
]
HOSTILE_TIMES: list[Any] = [
    "9999-12-31T23:59:59-12:00",
    "0001-01-01T00:00:00+14:00",
    "2300-01-01T00:00:00Z",
    "1800-01-01T00:00:00Z",
    "10000-01-01T00:00:00Z",
    "2026-13-45T25:61:61Z",
    "2026-11-24T17:00:00",
    "2026-11-24",
    "yesterday",
    "",
    1e20,
    -1e20,
    0,
    253402300800,
    True,
    None,
    [],
    {},
    (RAW, "NaN"),
]
ODD_KEYS: list[str] = ["surprise", "", " ", "x" * 300, "\ud800", "a\x00b", "__proto__", "lots\n"]
HOSTILE_IDS: list[str] = ["0", "-1", "9" * 30, str(2**63), "abc", "1.5", "%00", "1e3", "NaN", " 1"]
BAD_BODIES: list[tuple[bytes, dict[str, str]]] = [
    (b"", {}),
    (b"null", {}),
    (b"[]", {}),
    (b"123", {}),
    (b'"text"', {}),
    (b"{", {}),
    (b'{"a": 1', {}),
    (b"\xff\xfe{\x00}\x00", {}),
    (b'{"symbol": "EUR\xffUSD"}', {}),
    (b"\x1f\x8b\x08\x00garbage", {"content-encoding": "gzip"}),
    (b"[" * 30_000 + b"]" * 30_000, {}),
    (b'{"a": ' * 5_000 + b"1" + b"}" * 5_000, {}),
    (b'{"symbol": "EURUSD", "symbol": 5}', {}),
    (b"symbol=EURUSD&side=buy", {"content-type": "application/x-www-form-urlencoded"}),
    (b'{"symbol": "EURUSD"}', {"content-type": "text/plain"}),
    (b"\xef\xbb\xbf{}", {}),
]
_LEAKS = re.compile(
    r"\[SQL|\[parameters|INSERT INTO|SELECT .+ FROM|sqlite3|sqlalchemy|Traceback"
    r"|(?<![\w.])/(?:home|tmp|etc|usr|var|root|work)/"
)


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # {id} is replaced by a live id of ``needs``
    base: dict[str, Any]
    fields: dict[str, list[Any]]
    needs: str | None = None  # "open", "pending" or "signal"
    query: bool = False  # the fields go in the query string


def _routes() -> list[Route]:
    numbers, texts, times = HOSTILE_NUMBERS, HOSTILE_TEXT, HOSTILE_TIMES
    trade = {"symbol": "EURUSD", "side": "buy", "lots": 0.01, "sl": 1.07, "tp": 1.10}
    signal = {
        "symbol": "EURUSD",
        "side": "buy",
        "entry": 1.0851,
        "sl": 1.08,
        "tp": 1.095,
        "confidence": 0.6,
        "source": "hostile",
        "timeframe": "H1",
        "pattern": {"name": "gartley", "points": [{"label": "X", "time": "2026-11-24T10:00:00Z", "price": 1.08}]},
    }
    pattern_values = [
        *texts,
        {"name": "x", "points": [{"label": "X", "time": t, "price": 1.1} for t in times[:6]]},
        {"name": "x", "points": [{"label": "X", "time": "2026-11-24T10:00:00Z", "price": v} for v in (1e308, -1, 0)]},
        {"name": "x", "points": [{}] * 60},
        {"name": "x" * 100, "points": []},
    ]
    return [
        Route(
            "POST",
            f"{P}/trades/execute/",
            trade,
            {
                "symbol": texts,
                "side": texts,
                "order_type": [*texts, "limit", "stop"],
                "lots": numbers,
                "risk_percent": numbers,
                "price": numbers,
                "sl": numbers,
                "tp": numbers,
                "trailing_pips": numbers,
                "expires_at": times,
                "signal_id": numbers,
                "comment": texts,
            },
        ),
        Route(
            "POST",
            f"{P}/trades/execute/",
            {
                "symbol": "EURUSD",
                "side": "sell",
                "order_type": "limit",
                "price": 1.0900,
                "lots": 0.01,
                "expires_at": "2100-01-01T00:00:00Z",
            },
            {"price": numbers, "expires_at": times, "order_type": texts, "lots": numbers},
        ),
        Route(
            "PATCH",
            f"{P}/trades/{{id}}/",
            {"sl": 1.07},
            {"sl": numbers, "tp": numbers, "trailing_pips": numbers, "price": numbers},
            needs="open",
        ),
        Route("PATCH", f"{P}/trades/{{id}}/", {"price": 1.0800}, {"price": numbers, "sl": numbers}, needs="pending"),
        Route("POST", f"{P}/trades/{{id}}/close/", {"lots": 0.01}, {"lots": numbers}, needs="open"),
        Route("POST", f"{P}/trades/{{id}}/close/", {"lots": 0.01}, {"lots": numbers}, needs="pending"),
        Route(
            "POST",
            f"{P}/account/reset/",
            {"balance": 10000, "currency": "USD", "leverage": 100},
            {"balance": numbers, "currency": texts, "leverage": numbers},
        ),
        Route(
            "POST",
            f"{P}/signals/",
            signal,
            {
                "symbol": texts,
                "side": texts,
                "entry": numbers,
                "sl": numbers,
                "tp": numbers,
                "confidence": numbers,
                "source": texts,
                "timeframe": texts,
                "expires_at": times,
                "pattern": pattern_values,
            },
        ),
        Route(
            "POST",
            f"{P}/signals/{{id}}/execute/",
            {"lots": 0.01},
            {"lots": numbers, "risk_percent": numbers},
            needs="signal",
        ),
        Route(
            "GET",
            f"{P}/trades/",
            {"limit": 10},
            {"since": times, "until": times, "limit": numbers, "offset": numbers, "status": texts, "symbol": texts},
            query=True,
        ),
        Route(
            "GET",
            f"{P}/price/ohlc/",
            {"symbol": "EURUSD", "timeframe": "M1", "limit": 5},
            {"symbol": texts, "timeframe": texts, "limit": numbers},
            query=True,
        ),
        Route("GET", f"{P}/signals/", {"limit": 5}, {"status": texts, "symbol": texts, "limit": numbers}, query=True),
        Route("POST", f"{P}/signals/{{id}}/dismiss/", {}, {}, needs="signal"),
        Route("GET", f"{P}/signals/stats/", {}, {"symbol": texts, "since": times, "until": times}, query=True),
    ]


@dataclass
class Case:
    route: Route
    changes: dict[str, Any]
    raw_body: tuple[bytes, dict[str, str]] | None = None
    path_id: str | None = None
    what: str = ""


@dataclass
class Stats:
    sent: int = 0
    by_status: Counter[int] = field(default_factory=Counter)
    by_route: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.by_status.items() if status >= 500)


def _encode_value(value: Any) -> Any:
    return value[1] if isinstance(value, tuple) and value and value[0] is RAW else value


def _json_text(body: dict[str, Any]) -> bytes:
    """JSON with raw tokens (NaN, 1e400) spliced in where the value asks for them."""
    placeholders: dict[str, str] = {}

    def swap(value: Any) -> Any:
        if isinstance(value, tuple) and value and value[0] is RAW:
            key = f"@@raw{len(placeholders)}@@"
            placeholders[key] = value[1]
            return key
        if isinstance(value, dict):
            return {k: swap(v) for k, v in value.items()}
        if isinstance(value, list):
            return [swap(v) for v in value]
        return value

    text = json.dumps(swap(body))
    for key, raw in placeholders.items():
        text = text.replace(f'"{key}"', raw)
    return text.encode()


def cases(count: int, seed: int = 0) -> Iterator[Case]:
    """``count`` hostile cases: first every (field, value) of every route in turn, then random mixes."""
    rng = random.Random(seed)
    routes = _routes()
    systematic: list[Case] = []
    for route in routes:
        for name, values in route.fields.items():
            for value in values:
                systematic.append(Case(route, {name: value}, what=f"{name}={str(_encode_value(value))[:30]!r}"))
        if not route.query:
            systematic.extend(Case(route, {key: 1}, what=f"unknown field {key[:10]!r}") for key in ODD_KEYS)
            systematic.extend(Case(route, {}, raw_body=body, what=f"body {body[0][:16]!r}") for body in BAD_BODIES)
        if route.needs is not None:
            systematic.extend(Case(route, {}, path_id=pid, what=f"id {pid!r}") for pid in HOSTILE_IDS)
    rng.shuffle(systematic)
    for index in range(count):
        if index < len(systematic):
            yield systematic[index]
            continue
        route = rng.choice(routes)
        names = rng.sample(sorted(route.fields), k=min(len(route.fields), rng.randint(1, 3)))
        changes = {name: rng.choice(route.fields[name]) for name in names}
        yield Case(route, changes, what="mix " + ",".join(names))


class Target:
    """A running server: sends cases, keeps a live id per kind for the routes that need one."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self.ids: dict[str, int] = {}

    async def live_id(self, needs: str) -> int | None:
        """An open trade, a pending order or a new signal (reused until a case closes or executes it)."""
        if needs in self.ids:
            return self.ids[needs]
        if needs == "signal":
            response = await self.client.post(
                f"{P}/signals/", json={"symbol": "EURUSD", "side": "buy", "entry": 1.0851, "sl": 1.08, "tp": 1.095}
            )
        else:
            body = {"symbol": "EURUSD", "side": "buy", "lots": 0.01}
            if needs == "pending":
                body.update(order_type="limit", price=1.0)
            response = await self.client.post(f"{P}/trades/execute/", json=body)
            if response.status_code != 201:
                await self.client.post(f"{P}/account/reset/", json={})  # out of margin after many cases
                response = await self.client.post(f"{P}/trades/execute/", json=body)
        if response.status_code != 201:
            return None
        self.ids[needs] = int(response.json()["id"])
        return self.ids[needs]

    def used(self, case: Case, response: httpx.Response) -> None:
        """Forget an id that a successful close, cancel, execution or reset used up."""
        needs = case.route.needs
        if case.route.path.endswith("/account/reset/") and response.status_code < 300:
            self.ids.clear()
        elif needs is not None and response.status_code < 300 and case.route.method == "POST":
            self.ids.pop(needs, None)

    async def send(self, case: Case) -> httpx.Response:
        route = case.route
        path = route.path
        if "{id}" in path:
            live = case.path_id or str(await self.live_id(route.needs or "open") or 1)
            path = path.replace("{id}", live)
        if route.query:
            params = dict({**route.base, **case.changes}.items())
            query = {
                k: json.dumps(_encode_value(v)) if not isinstance(_encode_value(v), str) else _encode_value(v)
                for k, v in params.items()
                if _encode_value(v) is not None
            }
            return await self.client.request(route.method, path, params=query)
        if case.raw_body is not None:
            content, headers = case.raw_body
            return await self.client.request(
                route.method, path, content=content, headers={"content-type": "application/json", **headers}
            )
        body = {**route.base, **case.changes}
        return await self.client.request(
            route.method, path, content=_json_text(body), headers={"content-type": "application/json"}
        )


def problems(case: Case, response: httpx.Response) -> list[str]:
    """What is wrong with the answer to a hostile case (empty: it held)."""
    found = []
    if response.status_code >= 500:
        found.append(f"{response.status_code}")
    if 400 <= response.status_code < 500:
        try:
            error = response.json()["error"]
        except (ValueError, KeyError, TypeError):
            return [f"{response.status_code} not in DESIGN's error shape: {response.text[:80]!r}"]
        if not isinstance(error.get("field"), str) or not error["field"]:
            found.append(f"{response.status_code} {error.get('code')} names no field: {error.get('message')!r}")
    if response.status_code >= 400 and _LEAKS.search(response.text):
        found.append(f"leaks internals: {response.text[:120]!r}")
    return found


async def run_hostile(base_url: str, token: str, count: int, seed: int = 0, progress: bool = False) -> Stats:
    """Send ``count`` hostile cases to the server at ``base_url``; return what came back."""
    stats = Stats()
    started = time.perf_counter()
    async with httpx.AsyncClient(base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=30) as client:
        target = Target(client)
        for case in cases(count, seed):
            response = await target.send(case)
            target.used(case, response)
            stats.sent += 1
            if progress and stats.sent % 500 == 0:
                print(
                    f"{stats.sent} sent, {stats.server_errors} x 5xx, {len(stats.failures)} problems",
                    file=sys.stderr,
                    flush=True,
                )
            stats.by_status[response.status_code] += 1
            stats.by_route[f"{case.route.method} {case.route.path}"] += 1
            for problem in problems(case, response):
                stats.failures.append(f"{case.route.method} {case.route.path} {case.what}: {problem}")
        health = await client.get("/api/health")
        if health.status_code != 200:
            stats.failures.append(f"the server is unwell after the run: {health.status_code}")
    stats.seconds = time.perf_counter() - started
    return stats


def _serve(token: str, home: Path) -> tuple[subprocess.Popen[str], str]:
    """Start a real ``paper-terminal serve --feed sim``; return it and its URL."""
    env = {**os.environ, "PAPER_TERMINAL_HOME": str(home)}
    child = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "terminal",
            "serve",
            "--feed",
            "sim",
            "--seed",
            "7",
            "--port",
            "0",
            "--token",
            token,
            "--viewer-token",
            "v" * 32,
            "--db",
            str(home / "paper.db"),
            "--log-level",
            "ERROR",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    for line in child.stdout:
        if line.startswith("listening on "):
            return child, line.removeprefix("listening on ").strip()
    raise RuntimeError(f"serve did not start: {child.stderr.read() if child.stderr else ''}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=6000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    token = "hostile-run-token-0123456789"
    with tempfile.TemporaryDirectory() as home:
        child, url = _serve(token, Path(home))
        try:
            stats = asyncio.run(run_hostile(url, token, args.count, args.seed, progress=True))
        finally:
            child.terminate()
            _, err = child.communicate(timeout=30)
    print(f"{stats.sent} hostile requests in {stats.seconds:.1f} s against {url}")
    print(f"status codes: {dict(sorted(stats.by_status.items()))}")
    print(
        f"5xx: {stats.server_errors}; 4xx without a field or leaking internals: "
        f"{len(stats.failures) - stats.server_errors}"
    )
    for route, n in sorted(stats.by_route.items()):
        print(f"  {n:5d}  {route}")
    for failure in stats.failures[:40]:
        print("FAIL", failure)
    if "Traceback" in err:
        print("the server logged a traceback:\n" + err[-2000:])
    return 1 if stats.failures else 0


if __name__ == "__main__":
    sys.exit(main())
