"""Bad input over real HTTP: out-of-range times, loose numbers, bodies that do not parse, leaky errors.

Every refusal is a 4xx in DESIGN's shape naming the field; nothing the client
sends is booked, and no error body carries SQL, parameters or file paths.
"""

from __future__ import annotations

import json
import sqlite3

import httpx
import pytest
from sqlalchemy.exc import OperationalError

from engine.signals.book import SignalBook
from tests.engine.api.conftest import TRADING

BUY = {"symbol": "EURUSD", "side": "buy", "lots": 0.1, "sl": 1.08, "tp": 1.09}
LIMIT = {"symbol": "EURUSD", "side": "buy", "order_type": "limit", "price": 1.08, "lots": 0.1}
SIGNAL = {"symbol": "EURUSD", "side": "buy", "entry": 1.0851, "sl": 1.08, "tp": 1.095}
OUT_OF_RANGE_TIMES = [
    "9999-12-31T23:59:59-12:00",  # parses, overflows when converted to UTC
    "0001-01-01T00:00:00+14:00",  # underflows the same way
    "2300-01-01T00:00:00Z",  # representable, beyond the supported range
    "1800-01-01T00:00:00Z",
]


@pytest.fixture
def signals(engine):
    book = SignalBook(engine)
    engine.attach_signals(book)
    yield book
    engine.attach_signals(None)


def assert_refused(response: httpx.Response, field: str, status: int | None = None) -> dict:
    assert 400 <= response.status_code < 500, (response.status_code, response.text)
    if status is not None:
        assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["field"] == field, error
    assert error["code"] and error["message"]
    return error


@pytest.mark.parametrize("when", OUT_OF_RANGE_TIMES)
async def test_execute_expiry_out_of_range_is_422_and_books_nothing(client, engine, when):
    response = await client.post("/trades/execute/", json={**LIMIT, "expires_at": when})
    error = assert_refused(response, "expires_at", 422)
    assert error["code"] == "time_out_of_range"
    assert "supported range" in error["message"]
    assert engine.active_trades() == []
    assert (await client.get("/trades/")).json()["total"] == 0


@pytest.mark.parametrize("name", ["since", "until"])
async def test_list_trades_time_filter_out_of_range_is_422(client, name):
    response = await client.get("/trades/", params={name: "9999-12-31T23:59:59-12:00"})
    assert_refused(response, name, 422)


@pytest.mark.parametrize("when", OUT_OF_RANGE_TIMES)
async def test_signal_expiry_out_of_range_is_422(client, signals, when):
    response = await client.post("/signals/", json={**SIGNAL, "expires_at": when})
    assert_refused(response, "expires_at", 422)
    assert await signals.list() == []


async def test_signal_pattern_point_time_out_of_range_is_422(client, signals):
    pattern = {
        "name": "gartley",
        "points": [
            {"label": "X", "time": "2026-11-24T10:00:00Z", "price": 1.08},
            {"label": "A", "time": "9999-12-31T23:59:59-12:00", "price": 1.09},
        ],
    }
    response = await client.post("/signals/", json={**SIGNAL, "pattern": pattern})
    assert_refused(response, "pattern.points.1.time", 422)


async def test_journal_error_body_has_no_sql_parameters_or_path(client, engine, monkeypatch):
    """A forced journal failure: the client learns that it failed, not the statement or the file."""
    secret_path = "/home/trader/.local/share/paper-terminal/paper.db"

    def failing_commit(*args, **kwargs):
        raise OperationalError(
            "INSERT INTO paper_trades (id, symbol, lots) VALUES (?, ?, ?)",
            (7, "EURUSD", secret_path),
            sqlite3.OperationalError(f"unable to open database file {secret_path}"),
        )

    monkeypatch.setattr(engine.journal, "commit", failing_commit)
    response = await client.post("/trades/execute/", json=BUY)
    monkeypatch.undo()
    assert response.status_code == 503
    body = response.text
    for leak in (
        "INSERT",
        "paper_trades",
        "VALUES",
        "SQL",
        "parameters",
        "sqlite3",
        "/home",
        "paper.db",
        "sqlalche.me",
    ):
        assert leak not in body, body
    assert response.json()["error"]["message"]


async def test_unexpected_error_body_is_generic(client, engine, monkeypatch):
    def broken():
        raise RuntimeError("cannot read /etc/paper-terminal/secret.toml: SELECT * FROM accounts")

    monkeypatch.setattr(engine, "account", broken)
    response = await client.get("/account/")
    assert response.status_code == 500
    assert "/etc" not in response.text and "SELECT" not in response.text
    assert response.json()["error"]["code"] == "internal"


@pytest.mark.parametrize(
    ("field", "body"),
    [
        ("sl", {**BUY, "sl": 1e-320}),
        ("tp", {**BUY, "tp": 1e-320}),
        ("price", {**LIMIT, "price": 1e-320}),
        ("price", {**LIMIT, "price": 0.000001}),
    ],
)
async def test_prices_that_round_to_zero_are_refused(client, engine, field, body):
    response = await client.post("/trades/execute/", json=body)
    assert_refused(response, field)
    assert engine.active_trades() == []


async def test_patch_sl_that_rounds_to_zero_is_refused(client):
    trade = (await client.post("/trades/execute/", json=BUY)).json()
    response = await client.patch(f"/trades/{trade['id']}/", json={"sl": 1e-320})
    assert_refused(response, "sl")
    assert (await client.get(f"/trades/{trade['id']}/")).json()["sl"] == 1.08


@pytest.mark.parametrize(
    ("path", "field", "body"),
    [
        ("/trades/execute/", "lots", {**BUY, "lots": True}),
        ("/trades/execute/", "sl", {**BUY, "sl": True}),
        ("/trades/execute/", "risk_percent", {"symbol": "EURUSD", "side": "buy", "risk_percent": True, "sl": 1.08}),
        ("/trades/execute/", "trailing_pips", {**BUY, "trailing_pips": True}),
        ("/trades/execute/", "signal_id", {**BUY, "signal_id": True}),
        ("/account/reset/", "leverage", {"leverage": True}),
        ("/account/reset/", "balance", {"balance": False}),
    ],
)
async def test_json_booleans_are_not_numbers(client, engine, path, field, body):
    before = engine.account()
    response = await client.post(path, json=body)
    assert_refused(response, field, 422)
    assert engine.account().leverage == before.leverage == 100
    assert engine.active_trades() == []


async def test_signal_confidence_boolean_is_refused(client, signals):
    assert_refused(await client.post("/signals/", json={**SIGNAL, "confidence": True}), "confidence", 422)


async def test_partial_close_of_a_pending_order_is_refused(client, engine):
    order = (await client.post("/trades/execute/", json=LIMIT)).json()
    response = await client.post(f"/trades/{order['id']}/close/", json={"lots": 0.05})
    error = assert_refused(response, "lots", 400)
    assert error["code"] == "invalid_state"
    still = (await client.get(f"/trades/{order['id']}/")).json()
    assert still["status"] == "pending" and still["lots"] == 0.1
    whole = await client.post(f"/trades/{order['id']}/close/")  # without lots it is cancelled
    assert whole.status_code == 200 and whole.json()["status"] == "cancelled"


@pytest.mark.parametrize(
    ("content", "headers"),
    [
        (b"[" * 30_000 + b"]" * 30_000, {}),  # nested too deep
        (b'{"symbol": "EURUSD\xff\xfe", "side": "buy", "lots": 0.1}', {}),  # bad UTF-8
        (b"\x1f\x8b\x08\x00this is not gzip at all", {"content-encoding": "gzip"}),  # a fake gzip
        (b"\x1f\x8b\x08\x00\x00\x00\x00\x00", {}),  # gzip magic, no header
        (b"", {}),  # nothing
        (b'{"a": 1', {}),  # cut short
    ],
)
async def test_bodies_that_do_not_parse_name_the_body(client, engine, content, headers):
    response = await client.post(
        "/trades/execute/", content=content, headers={"content-type": "application/json", **headers}
    )
    assert_refused(response, "body")
    assert engine.active_trades() == []


async def test_deeply_nested_signal_pattern_names_the_body(client, signals):
    nested = (
        b'{"symbol": "EURUSD", "side": "buy", "entry": 1.0851, "sl": 1.08, "tp": 1.095, "pattern": '
        + b"[" * 25_000
        + b"]" * 25_000
        + b"}"
    )
    response = await client.post("/signals/", content=nested, headers={"content-type": "application/json"})
    assert_refused(response, "body")


@pytest.mark.parametrize("entry", [1e-320, 0.000001])
async def test_signal_with_a_bad_entry_names_entry(client, signals, entry):
    response = await client.post("/signals/", json={**SIGNAL, "entry": entry})
    assert_refused(response, "entry")


async def test_nothing_crashed_the_server(server):
    async with httpx.AsyncClient(base_url=server.url, headers={"Authorization": f"Bearer {TRADING}"}) as c:
        assert (await c.get("/api/health")).status_code == 200


@pytest.mark.parametrize(
    ("method", "path", "field"), [("DELETE", "/trades/1/", "method"), ("GET", "/nowhere/", "path")]
)
async def test_routing_errors_name_what_is_wrong(client, method, path, field):
    assert_refused(await client.request(method, path), field)


@pytest.mark.parametrize("key", ["", "\ud9c4\udf7f", "\ud800", "a\x00b", "x" * 500])
async def test_unknown_field_with_an_odd_name_is_named_safely(client, key):
    """An unknown key that is empty, a lone surrogate or very long: a 422 naming a field, never a 500."""
    content = b'{"lots": 0.1, ' + json.dumps(key).encode() + b": 1}"
    response = await client.post("/trades/1/close/", content=content, headers={"content-type": "application/json"})
    assert response.status_code == 422, response.text
    field = response.json()["error"]["field"]
    assert isinstance(field, str) and field and len(field) <= 100
