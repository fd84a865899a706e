"""``feed_status`` on ``/ws/trading/`` carries the journal's state, as ``GET feeds/`` does.

Found living in the merged product: a WebSocket client learnt that orders were refused only
from a 503; the journal becoming unavailable (or read-only) never reached it.
"""

from __future__ import annotations

from engine.events import FeedStatusChanged
from tests.engine.api.helpers import next_message, of_type, ws_connect
from tests.engine.journal_faults import ReadOnlySwitch

ORDER = {"symbol": "EURUSD", "side": "buy", "lots": 0.1}


async def test_feed_status_says_when_the_journal_cannot_be_written(server, client, engine):
    switch = ReadOnlySwitch(engine.journal)
    async with ws_connect(server, "trading") as ws:
        await next_message(ws, of_type("account_update"))
        switch.set(True)
        try:
            refused = await client.post("/trades/execute/", json=ORDER)
            assert refused.status_code == 503, refused.text
            status = await next_message(
                ws, lambda m: m["type"] == "feed_status" and (m["data"].get("journal") or {}).get("state") != "ok"
            )
        finally:
            switch.set(False)
    journal = status["data"]["journal"]
    rest = (await client.get("/feeds/")).json()
    assert journal["state"] == "unavailable" and journal["message"], journal
    assert set(journal) == set(rest["journal"])  # one shape on both
    assert [f["name"] for f in status["data"]["feeds"]] == [f["name"] for f in rest["items"]]


async def test_every_feed_status_carries_the_journal(server, client, engine):
    async with ws_connect(server, "trading") as ws:
        await next_message(ws, of_type("account_update"))
        engine.bus.publish(FeedStatusChanged(tuple(engine.feeds_status())))
        status = await next_message(ws, of_type("feed_status"))
    assert status["data"]["journal"]["state"] == "ok"
