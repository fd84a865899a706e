"""``GET signals/stats/``, the ``stats`` of ``trades/performance/`` and the execution fields of a signal."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from engine.clock import MarketClock
from engine.signals.book import SignalBook
from engine.values import SignalStatus
from tests.engine.api.conftest import quote
from tests.engine.signals.factories import make_signal
from tests.kit import signal_trade

T = datetime(2026, 11, 2, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def book(engine):
    book = SignalBook(engine)
    engine.attach_signals(book)
    yield book
    engine.attach_signals(None)


async def store_history(
    engine, results: list[float], source: str = "model-a", symbol: str = "EURUSD", first_id: int = 1
) -> None:
    """Journal executed signals and their closed trades (net = the result), one hour apart."""
    signals, trades = [], []
    for i, r in enumerate(results):
        sid = first_id + i
        signals.append(
            replace(
                make_signal(
                    id=sid,
                    source=source,
                    symbol=symbol,
                    created_at=T + timedelta(hours=i),
                    expires_at=T + timedelta(hours=i + 1),
                ),
                status=SignalStatus.EXECUTED,
                trade_id=sid,
            )
        )
        trades.append(
            replace(
                signal_trade(sid, signal_id=sid, pnl=str(r), pips=r, symbol=symbol),
                close_time=T + timedelta(hours=i, minutes=30),
            )
        )
    await engine.run_db(engine.journal.commit, trades, None, signals)


async def test_signal_stats_route_reports_each_source_with_both_tokens(client, viewer, engine):
    await store_history(engine, [10.0, -10.0] * 10)
    await store_history(engine, [], source="idle")
    for c in (client, viewer):
        response = await c.get("/signals/stats/")
        assert response.status_code == 200, response.text
    items = {i["source"]: i for i in response.json()["items"]}
    a = items["model-a"]
    assert (a["trades"], a["wins"], a["losses"], a["win_rate"]) == (20, 10, 10, 0.5)
    assert a["win_rate_ci"][0] < 0.5 < a["win_rate_ci"][1]
    assert a["expectancy_ci"][0] < 0 < a["expectancy_ci"][1]
    assert a["verdict"] == "no_evidence" and a["profit_factor"] == 1.0
    assert {b["stated_from"] for b in a["calibration"]} == {0.0, 0.5, 0.6, 0.7, 0.8, 0.9}
    assert "model-a" in items and items["model-a"]["signals"] == {"executed": 20}


async def test_signal_stats_route_filters_by_symbol_and_time_and_names_bad_fields(client, engine):
    await store_history(engine, [10.0, 20.0, -5.0])
    await store_history(engine, [50.0], symbol="GBPUSD", first_id=100)
    gbp = (await client.get("/signals/stats/", params={"symbol": "gbpusd"})).json()
    assert [(i["source"], i["trades"], i["net_profit"]) for i in gbp["items"]] == [("model-a", 1, 50.0)]
    window = (
        await client.get("/signals/stats/", params={"since": "2026-11-02T10:00:00Z", "until": "2026-11-02T11:00:00Z"})
    ).json()
    assert [(i["trades"], i["net_profit"]) for i in window["items"]] == [(2, 15.0)]
    for params, field in (
        ({"since": "2026-11-02T10:00:00"}, "since"),
        ({"since": "2026-11-03T00:00:00Z", "until": "2026-11-02T00:00:00Z"}, "until"),
        ({"since": "yesterday"}, "since"),
        ({"symbol": "EUR/USD"}, "symbol"),
    ):
        response = await client.get("/signals/stats/", params=params)
        assert response.status_code in (400, 422), params
        assert response.json()["error"]["field"] == field


async def test_performance_has_a_stats_section_per_source(client, engine):
    await store_history(engine, [10.0, -4.0, 6.0])
    figures = (await client.get("/trades/performance/")).json()
    stats = figures["stats"]["model-a"]
    assert stats["trades"] == 3 and stats["net_profit"] == 12.0 and stats["verdict"] == "no_evidence"
    assert figures["total_trades"] == 3  # the performance figures are unchanged beside it


async def test_signal_items_say_whether_and_how_they_can_be_executed(client, book, engine):
    ok = (
        await client.post(
            "/signals/",
            json={
                "symbol": "EURUSD",
                "side": "buy",
                "entry": 1.0851,
                "sl": 1.0821,
                "tp": 1.0911,
                "confidence": 0.7,
                "source": "script",
            },
        )
    ).json()
    drifted = (
        await client.post(
            "/signals/",
            json={
                "symbol": "EURUSD",
                "side": "buy",
                "entry": 1.0821,
                "sl": 1.0791,
                "tp": 1.0911,
                "confidence": 0.7,
                "source": "script",
            },
        )
    ).json()
    listed = {s["id"]: s for s in (await client.get("/signals/")).json()["items"]}
    assert listed[ok["id"]]["executable"] is True and listed[ok["id"]]["execution"]["needs_confirmation"] is False
    assert listed[ok["id"]]["execution"]["rr"] == 2.0 and listed[ok["id"]]["execution"]["lots"] > 0
    drifted = listed[drifted["id"]]
    execution = drifted["execution"]
    assert drifted["executable"] is True and execution["needs_confirmation"] is True
    assert execution["drift_pips"] == 30.0 and execution["max_drift_pips"] == 3.0
    assert execution["rr"] == round((1.0911 - 1.0851) / (1.0851 - 1.0791), 2)
    engine.clock.observe(datetime.now(timezone.utc) + timedelta(hours=30))  # the market moved past the expiry
    listed = {s["id"]: s for s in (await client.get("/signals/")).json()["items"]}
    assert listed[ok["id"]]["executable"] is False and listed[ok["id"]]["execution"]["reason"] == "expired"


@pytest.mark.parametrize("engine", [{"start_prices": False}], indirect=True)
async def test_realtime_price_on_a_fast_simulation_is_fresh_in_market_time(client, engine):
    # --speed 60 from the default --sim-start: the market clock runs 30 days behind the wall clock
    market_now = datetime.now(timezone.utc) - timedelta(days=30)
    await engine.on_quote(quote("EURUSD", 1.0850, 1.0851, market_now))
    await engine.on_quote(quote("GBPUSD", 1.2650, 1.2651, market_now - timedelta(minutes=5)))
    assert (await client.get("/price/realtime/", params={"symbol": "EURUSD"})).json()["stale"] is False
    assert (await client.get("/price/realtime/", params={"symbol": "GBPUSD"})).json()["stale"] is True


@pytest.mark.parametrize("engine", [{"clock": MarketClock(follows_wall=True)}], indirect=True)
async def test_realtime_price_on_a_live_feed_is_judged_on_the_wall_clock(client, engine):
    await engine.on_quote(quote("EURUSD", 1.0850, 1.0851, datetime.now(timezone.utc) - timedelta(minutes=5)))
    assert (await client.get("/price/realtime/", params={"symbol": "EURUSD"})).json()["stale"] is True
