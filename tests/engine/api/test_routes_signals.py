"""``signals/`` routes over the real ``SignalBook``; 503 when the engine has none."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from engine.signals.book import SignalBook
from engine.values import DEFAULT_SIGNAL_LIFETIME
from tests.engine.api.conftest import quote
from tests.engine.api.helpers import next_message, of_type, ws_connect

SIGNAL = {
    "symbol": "EURUSD",
    "side": "buy",
    "entry": 1.0851,
    "sl": 1.0821,
    "tp": 1.0911,
    "confidence": 0.7,
    "source": "my-script",
    "timeframe": "H1",
}


@pytest.fixture
def book(engine):
    book = SignalBook(engine)
    engine.attach_signals(book)
    yield book
    engine.attach_signals(None)


async def test_signals_without_a_book_answer_503_in_error_shape(client):
    for response in (
        await client.get("/signals/"),
        await client.post("/signals/", json=SIGNAL),
        await client.post("/signals/1/execute/"),
    ):
        assert response.status_code == 503
        assert response.json()["error"]["code"] == "unavailable"


async def test_submit_list_and_execute_a_signal(client, book):
    created = await client.post(
        "/signals/",
        json={
            **SIGNAL,
            "pattern": {"name": "gartley", "points": [{"label": "X", "time": "2026-11-24T10:00:00Z", "price": 1.08}]},
        },
    )
    assert created.status_code == 201, created.text
    signal = created.json()
    assert signal["status"] == "new" and signal["rr"] == 2.0 and signal["source"] == "my-script"
    assert signal["pattern"]["points"][0] == {"label": "X", "time": "2026-11-24T10:00:00.000Z", "price": 1.08}
    listed = (await client.get("/signals/", params={"status": "new"})).json()
    assert [s["id"] for s in listed["items"]] == [signal["id"]]
    executed = await client.post(f"/signals/{signal['id']}/execute/", json={"risk_percent": 0.5})
    assert executed.status_code == 201, executed.text
    trade = executed.json()
    assert trade["signal_id"] == signal["id"] and trade["sl"] == 1.0821 and trade["tp"] == 1.0911
    again = await client.post(f"/signals/{signal['id']}/execute/")
    assert again.status_code == 400 and again.json()["error"]["code"] == "invalid_state"
    assert (await client.get("/signals/", params={"status": "executed"})).json()["total"] == 1


@pytest.mark.parametrize("engine", [{"start_prices": False}], indirect=True)
async def test_a_signal_is_dated_by_the_market_clock(client, book, engine):
    # A fast simulation or a replay runs weeks behind the wall clock: the signal lives in market time.
    market_now = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(days=30)
    assert engine.clock.mode == "market"  # the engine of a replay: its clock is the quotes' time
    await engine.on_quote(quote("EURUSD", 1.0850, 1.0851, market_now))
    default = (await client.post("/signals/", json=SIGNAL)).json()
    assert default["created_at"] == market_now.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    expected_expiry = market_now + DEFAULT_SIGNAL_LIFETIME
    assert default["expires_at"] == expected_expiry.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    assert default["status"] == "new"
    late = market_now + timedelta(minutes=5)  # valid in market time although long past on the wall clock
    explicit = await client.post("/signals/", json={**SIGNAL, "expires_at": late.isoformat()})
    assert explicit.status_code == 201 and explicit.json()["status"] == "new", explicit.text


SIGNAL_BAD = [
    ({**SIGNAL, "confidence": 1.5}, 422, "confidence"),
    ({**SIGNAL, "side": "up"}, 422, "side"),
    ({**SIGNAL, "timeframe": "M7"}, 422, "timeframe"),
    ({k: v for k, v in SIGNAL.items() if k != "sl"}, 422, "sl"),
    ({**SIGNAL, "sl": 1.09}, 400, "sl"),
    ({**SIGNAL, "expires_at": "2026-01-01T00:00:00"}, 400, "expires_at"),
]


async def test_submit_bad_signal_names_the_field(client, book):
    for body, status, field in SIGNAL_BAD:
        response = await client.post("/signals/", json=body)
        assert (response.status_code, response.json()["error"]["field"]) == (status, field), response.text
    assert (await client.get("/signals/")).json()["total"] == 0


async def test_execute_unknown_or_bad_signal(client, book, viewer):
    assert (await client.post("/signals/9999/execute/")).status_code == 404
    assert (await client.post("/signals/0/execute/")).status_code == 422
    both = await client.post("/signals/1/execute/", json={"lots": 0.1, "risk_percent": 1})
    assert both.status_code == 400 and both.json()["error"]["field"] == "risk_percent"
    assert (await viewer.post("/signals/", json=SIGNAL)).status_code == 403
    assert (await viewer.get("/signals/")).status_code == 200


async def test_signal_alert_reaches_trading_websocket(server, client, book):
    async with ws_connect(server, "trading") as ws:
        created = (await client.post("/signals/", json=SIGNAL)).json()
        alert = await next_message(ws, of_type("signal_alert"))
        assert alert["data"] == created


async def test_dismiss_a_new_signal_once_and_never_with_the_viewer_token(client, viewer, book):
    signal = (await client.post("/signals/", json=SIGNAL)).json()
    forged = await viewer.post(f"/signals/{signal['id']}/dismiss/")
    assert forged.status_code == 403 and forged.json()["error"]["field"] == "token"
    dismissed = await client.post(f"/signals/{signal['id']}/dismiss/")
    assert dismissed.status_code == 200, dismissed.text
    assert dismissed.json()["status"] == "dismissed" and dismissed.json()["id"] == signal["id"]
    again = await client.post(f"/signals/{signal['id']}/dismiss/")
    assert again.status_code == 400 and again.json()["error"]["code"] == "invalid_state"
    assert (await client.post("/signals/999/dismiss/")).status_code == 404


async def test_a_drifted_signal_executes_only_when_the_client_confirms_the_drift(client, book):
    """``confirm_drift: false`` refuses a signal beyond the max drift (400 ``drift`` naming the drift and R:R);
    absent or true keeps executing it, so scripts written before the flag behave as they did."""
    drifted = {**SIGNAL, "entry": 1.0841, "sl": 1.0811, "tp": 1.0931}  # ask 1.0851: 10 pips above the entry
    first = (await client.post("/signals/", json=drifted)).json()
    listed = (await client.get("/signals/")).json()["items"][0]
    assert listed["execution"]["needs_confirmation"] is True
    refused = await client.post(f"/signals/{first['id']}/execute/", json={"confirm_drift": False})
    assert refused.status_code == 400, refused.text
    error = refused.json()["error"]
    assert (error["code"], error["field"]) == ("drift", "confirm_drift")
    assert "moved 10.0 pips" in error["message"] and "R:R" in error["message"], error["message"]
    assert (await client.get("/signals/", params={"status": "new"})).json()["total"] == 1  # still new
    confirmed = await client.post(f"/signals/{first['id']}/execute/", json={"confirm_drift": True})
    assert confirmed.status_code == 201, confirmed.text
    second = (await client.post("/signals/", json=drifted)).json()
    legacy = await client.post(f"/signals/{second['id']}/execute/")  # no body: as before the flag
    assert legacy.status_code == 201, legacy.text
    not_drifted = (await client.post("/signals/", json=SIGNAL)).json()
    careful = await client.post(f"/signals/{not_drifted['id']}/execute/", json={"confirm_drift": False})
    assert careful.status_code == 201, careful.text
