"""Schemathesis over ``/openapi.json`` against the live server: no 5xx, every response as documented.

Schemathesis' requests are synchronous, so they run in a worker thread while
the server (and the engine) keep running on the test's event loop.
"""

from __future__ import annotations

import asyncio
import os

import httpx
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from engine.signals.book import SignalBook
from tests.engine.api.conftest import TRADING

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
P = "/api/paper-trading"
DESIGN_ROUTES = {
    f"POST {P}/trades/execute/",
    f"GET {P}/trades/",
    f"GET {P}/trades/{{trade_id}}/",
    f"PATCH {P}/trades/{{trade_id}}/",
    f"POST {P}/trades/{{trade_id}}/close/",
    f"GET {P}/trades/performance/",
    f"GET {P}/account/",
    f"POST {P}/account/reset/",
    f"GET {P}/price/realtime/",
    f"GET {P}/price/ohlc/",
    f"GET {P}/signals/",
    f"POST {P}/signals/",
    f"POST {P}/signals/{{signal_id}}/execute/",
    f"GET {P}/signals/stats/",
    f"GET {P}/feeds/",
    "GET /api/health",
}
# PAPER_TERMINAL_FUZZ_EXAMPLES=200 runs a big one (examples per operation and mode).
_BIG = int(os.environ.get("PAPER_TERMINAL_FUZZ_EXAMPLES", "0"))
EXAMPLES = {GenerationMode.POSITIVE: _BIG or 10, GenerationMode.NEGATIVE: _BIG or 6}
SENT: list[int] = []


@schemathesis.check
def refusal_names_a_field(ctx, response, case) -> bool | None:
    """Every 4xx is DESIGN's error shape naming the field (or the body, token, path… to blame)."""
    SENT.append(response.status_code)
    if 400 <= response.status_code < 500:
        error = response.json()["error"]
        assert isinstance(error.get("field"), str) and error["field"], f"{response.status_code} {error}"
    return None


CHECKS = [*CHECKS, refusal_names_a_field]


def _fuzz(base_url: str) -> list[str]:
    schema = schemathesis.openapi.from_url(base_url + "/openapi.json")
    headers = {"Authorization": f"Bearer {TRADING}"}
    tested = []
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode, examples in EXAMPLES.items():
            strategy = operation.as_strategy(generation_mode=mode)

            @settings(
                max_examples=examples,
                deadline=None,
                database=None,
                derandomize=True,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(case=strategy)
            def check(case) -> None:
                case.call_and_validate(base_url=base_url, headers=headers, checks=CHECKS, timeout=10)

            try:
                check()
            except Unsatisfiable:
                if mode is GenerationMode.POSITIVE:
                    raise  # a route without inputs has no negative cases; every route has positive ones
        tested.append(f"{operation.method.upper()} {operation.path}")
    return tested


async def test_openapi_schema_fuzzing_finds_no_server_error(server, engine):
    engine.attach_signals(SignalBook(engine))
    try:
        tested = await asyncio.to_thread(_fuzz, server.url)
    finally:
        engine.attach_signals(None)
    web_terminal = {f"GET {P}/session/", f"POST {P}/signals/{{signal_id}}/dismiss/"}  # issue 18's additions
    assert set(tested) == DESIGN_ROUTES | {f"GET {P}/symbols/"} | web_terminal
    if _BIG:
        print(
            f"schemathesis sent {len(SENT)} requests: {sum(s >= 500 for s in SENT)} x 5xx, "
            f"{sum(400 <= s < 500 for s in SENT)} x 4xx"
        )
    async with httpx.AsyncClient(base_url=server.url) as c:  # and the server is still healthy
        assert (await c.get("/api/health")).status_code == 200
