"""``trades/…`` routes against the real engine, over real HTTP."""

from __future__ import annotations

from tests.engine.api.conftest import quote

BUY = {"symbol": "EURUSD", "side": "buy", "lots": 0.1, "sl": 1.08, "tp": 1.09}


async def test_execute_market_buy_returns_201_and_the_trade(client):
    response = await client.post("/trades/execute/", json={**BUY, "comment": "from a script"})
    assert response.status_code == 201
    trade = response.json()
    assert trade["status"] == "open" and trade["side"] == "buy" and trade["order_type"] == "market"
    assert trade["entry_price"] == 1.0851  # buys fill at ask
    assert trade["lots"] == 0.1 and trade["sl"] == 1.08 and trade["tp"] == 1.09
    assert trade["comment"] == "from a script"
    assert trade["open_time"].endswith("Z") and len(trade["open_time"]) == 24
    assert set(trade) >= {
        "id",
        "requested_price",
        "close_time",
        "close_price",
        "close_reason",
        "pips",
        "pnl",
        "commission",
        "swap",
        "mfe_pips",
        "mae_pips",
        "signal_id",
        "parent_id",
    }


async def test_execute_risk_percent_sizes_the_lots(client):
    response = await client.post(
        "/trades/execute/", json={"symbol": "EURUSD", "side": "sell", "risk_percent": 1, "sl": 1.0900}
    )
    assert response.status_code == 201, response.text
    # 1 % of 10,000 = 100 USD over 40 pips at 10 USD/pip/lot = 0.25 lots (the broker may round down)
    assert 0.2 <= response.json()["lots"] <= 0.25


async def test_execute_limit_order_is_pending(client):
    response = await client.post(
        "/trades/execute/", json={"symbol": "EURUSD", "side": "buy", "order_type": "limit", "price": 1.08, "lots": 0.1}
    )
    assert response.status_code == 201, response.text
    assert response.json()["status"] == "pending"
    assert response.json()["requested_price"] == 1.08


EXECUTE_BAD_INPUTS = [
    ({"side": "buy", "lots": 0.1}, 422, "symbol"),
    ({**BUY, "side": "hold"}, 422, "side"),
    ({**BUY, "lots": -1}, 422, "lots"),
    ({**BUY, "lots": "lots"}, 422, "lots"),
    ({**BUY, "sl": 0}, 422, "sl"),
    ({**BUY, "order_type": "iceberg"}, 422, "order_type"),
    ({**BUY, "comment": "x" * 201}, 422, "comment"),
    ({**BUY, "symbol": "EUR/USD;drop"}, 422, "symbol"),
    ({**BUY, "surprise": 1}, 422, "surprise"),
    ({**BUY, "risk_percent": 1}, 400, "risk_percent"),
    ({"symbol": "EURUSD", "side": "buy"}, 400, "lots"),
    ({**BUY, "price": 1.0}, 400, "price"),
    ({"symbol": "EURUSD", "side": "buy", "order_type": "stop", "lots": 0.1}, 400, "price"),
    ({**BUY, "symbol": "ABCXYZ"}, 400, "symbol"),
    ({**BUY, "sl": 1.09, "tp": 1.10}, 400, "sl"),
    ({**BUY, "lots": 0.001}, 400, "lots"),
]


async def test_execute_bad_input_names_the_field(client):
    wrong = []
    for body, status, field in EXECUTE_BAD_INPUTS:
        response = await client.post("/trades/execute/", json=body)
        error = response.json().get("error", {})
        if (response.status_code, error.get("field")) != (status, field) or not (error["message"] and error["code"]):
            wrong.append((body, status, field, response.status_code, response.text))
    assert wrong == []
    assert (await client.get("/trades/")).json()["total"] == 0  # nothing was opened


async def test_execute_invalid_json_is_422(client):
    for content in (b"{not json", b"\xff\xfe", b"null", b"[1, 2]"):
        response = await client.post("/trades/execute/", content=content, headers={"content-type": "application/json"})
        assert response.status_code == 422, content
        assert response.json()["error"]["field"] == "body", content
    response = await client.post("/trades/execute/", content=b"{not json", headers={"content-type": "application/json"})
    assert response.json()["error"]["code"] == "invalid_json"


async def test_execute_body_over_64_kib_is_413(client):
    response = await client.post("/trades/execute/", json={**BUY, "comment": "x" * 70_000})
    assert response.status_code == 413
    assert response.json()["error"]["field"] == "body"


async def test_list_trades_filters_and_pages_newest_first(client, engine):
    ids = [(await client.post("/trades/execute/", json=BUY)).json()["id"] for _ in range(3)]
    await client.post("/trades/execute/", json={**BUY, "symbol": "GBPUSD", "sl": 1.26, "tp": 1.27})
    await client.post(f"/trades/{ids[0]}/close/")
    page = (await client.get("/trades/", params={"symbol": "EURUSD", "limit": 2})).json()
    assert page["total"] == 3 and page["limit"] == 2 and page["offset"] == 0
    assert [t["id"] for t in page["items"]] == sorted(ids, reverse=True)[:2]
    closed = (await client.get("/trades/", params={"status": "closed"})).json()
    assert [t["id"] for t in closed["items"]] == [ids[0]]
    second = (await client.get("/trades/", params={"symbol": "EURUSD", "limit": 2, "offset": 2})).json()
    assert [t["id"] for t in second["items"]] == [ids[0]]


LIST_BAD_QUERIES = [
    ({"limit": 0}, 422, "limit"),
    ({"limit": 1001}, 422, "limit"),
    ({"offset": -1}, 422, "offset"),
    ({"status": "won"}, 422, "status"),
    ({"symbol": "<script>"}, 422, "symbol"),
    ({"since": "yesterday"}, 422, "since"),
    ({"since": "2026-01-01T00:00:00"}, 400, "since"),
    ({"since": "2026-02-01T00:00:00Z", "until": "2026-01-01T00:00:00Z"}, 400, "until"),
]


async def test_list_trades_bad_query_names_the_field(client):
    wrong = []
    for params, status, field in LIST_BAD_QUERIES:
        response = await client.get("/trades/", params=params)
        if (response.status_code, response.json()["error"]["field"]) != (status, field):
            wrong.append((params, status, field, response.status_code, response.text))
    assert wrong == []


async def test_get_trade_returns_it_and_404_for_unknown(client):
    trade = (await client.post("/trades/execute/", json=BUY)).json()
    assert (await client.get(f"/trades/{trade['id']}/")).json() == trade
    missing = await client.get("/trades/999999/")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    for bad in ("0", "abc", "-5", "1e3"):
        assert (await client.get(f"/trades/{bad}/")).status_code == 422


async def test_patch_changes_sl_tp_and_refuses_bad_changes(client):
    trade = (await client.post("/trades/execute/", json=BUY)).json()
    response = await client.patch(f"/trades/{trade['id']}/", json={"sl": 1.082, "tp": 1.095})
    assert response.status_code == 200, response.text
    assert (response.json()["sl"], response.json()["tp"]) == (1.082, 1.095)
    removed = await client.patch(f"/trades/{trade['id']}/", json={"tp": None})
    assert removed.status_code == 200 and removed.json()["tp"] is None
    empty = await client.patch(f"/trades/{trade['id']}/", json={})
    assert empty.status_code == 400 and empty.json()["error"]["field"] == "sl"
    wrong_side = await client.patch(f"/trades/{trade['id']}/", json={"sl": 1.1})
    assert wrong_side.status_code == 400 and wrong_side.json()["error"]["field"] == "sl"
    assert (await client.get(f"/trades/{trade['id']}/")).json()["sl"] == 1.082  # unchanged
    unknown = await client.patch("/trades/424242/", json={"sl": 1.0})
    assert unknown.status_code == 404


async def test_patch_pending_price_moves_the_order(client):
    order = (
        await client.post(
            "/trades/execute/",
            json={"symbol": "EURUSD", "side": "buy", "order_type": "limit", "price": 1.08, "lots": 0.1},
        )
    ).json()
    response = await client.patch(f"/trades/{order['id']}/", json={"price": 1.079})
    assert response.status_code == 200, response.text
    assert response.json()["requested_price"] == 1.079


async def test_close_whole_partial_and_pending(client, engine):
    trade = (await client.post("/trades/execute/", json={**BUY, "lots": 0.3})).json()
    await engine.on_quote(quote("EURUSD", 1.0861, 1.0862))
    part = await client.post(f"/trades/{trade['id']}/close/", json={"lots": 0.1})
    assert part.status_code == 200, part.text
    assert part.json()["close_reason"] == "partial" and part.json()["parent_id"] == trade["id"]
    assert part.json()["lots"] == 0.1 and part.json()["close_price"] == 1.0861
    assert (await client.get(f"/trades/{trade['id']}/")).json()["lots"] == 0.2
    whole = await client.post(f"/trades/{trade['id']}/close/")
    assert whole.status_code == 200
    assert whole.json()["status"] == "closed" and whole.json()["close_reason"] == "manual"
    assert whole.json()["pnl"] == 20.0  # 10 pips × 0.2 lots × 10 USD
    again = await client.post(f"/trades/{trade['id']}/close/")
    assert again.status_code in (400, 404)
    order = (
        await client.post(
            "/trades/execute/",
            json={"symbol": "EURUSD", "side": "sell", "order_type": "limit", "price": 1.10, "lots": 0.1},
        )
    ).json()
    cancelled = await client.post(f"/trades/{order['id']}/close/")
    assert cancelled.json()["status"] == "cancelled"


async def test_close_bad_lots_is_refused_and_trade_stays_open(client):
    trade = (await client.post("/trades/execute/", json=BUY)).json()
    for body, status in (({"lots": 5}, 400), ({"lots": -1}, 422), ({"lots": "all"}, 422)):
        response = await client.post(f"/trades/{trade['id']}/close/", json=body)
        assert response.status_code == status, response.text
        assert response.json()["error"]["field"] == "lots"
    assert (await client.get(f"/trades/{trade['id']}/")).json()["status"] == "open"


async def test_sl_hit_by_a_quote_shows_as_closed_by_sl(client, engine):
    trade = (await client.post("/trades/execute/", json=BUY)).json()
    await engine.on_quote(quote("EURUSD", 1.0795, 1.0796))
    closed = (await client.get(f"/trades/{trade['id']}/")).json()
    assert closed["status"] == "closed" and closed["close_reason"] == "sl"
