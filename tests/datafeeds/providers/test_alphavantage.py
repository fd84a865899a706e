"""Alpha Vantage provider against recorded-shape payloads (respx, no network)."""

from __future__ import annotations

from datetime import datetime, timezone

import httpx
import pytest
import respx

from datafeeds.providers.alphavantage import AlphaVantageProvider
from engine.errors import (
    BadPayload,
    NotFound,
    PaidOnlyEndpoint,
    ProviderAuthError,
    ProviderUnavailable,
    QuotaExhausted,
    RateLimited,
)
from engine.values import Timeframe
from tests.datafeeds.providers.conftest import SECRET, payload

BASE = "https://av.test"


@pytest.fixture
def provider(client, clock, monkeypatch):
    monkeypatch.setenv("PAPER_TERMINAL_ALPHAVANTAGE_BASE_URL", BASE)
    return AlphaVantageProvider(client, SECRET, clock=clock)


@respx.mock
async def test_exchange_rate_uses_bid_and_ask(provider):
    route = respx.get(f"{BASE}/query").respond(json=payload("alphavantage", "exchange_rate"))
    q = (await provider.quotes(["EURUSD"]))["EURUSD"]
    assert (q.bid, q.ask) == (1.08646, 1.08654)
    assert q.time == datetime(2026, 11, 25, 11, 59, 12, tzinfo=timezone.utc)
    params = route.calls.last.request.url.params
    assert (params["function"], params["from_currency"], params["to_currency"]) == (
        "CURRENCY_EXCHANGE_RATE",
        "EUR",
        "USD",
    )


@respx.mock
async def test_exchange_rate_without_bid_ask_uses_typical_spread(provider):
    respx.get(f"{BASE}/query").respond(json=payload("alphavantage", "exchange_rate_no_bidask"))
    q = (await provider.quotes(["EURUSD"]))["EURUSD"]
    assert (q.bid, q.ask) == (1.08646, 1.08654)


@respx.mock
async def test_exchange_rate_nan_is_bad_payload(provider):
    respx.get(f"{BASE}/query").respond(json=payload("alphavantage", "exchange_rate_bad"))
    with pytest.raises(BadPayload):
        await provider.quotes(["EURUSD"])


@respx.mock
async def test_empty_answer_gives_no_quote(provider):
    respx.get(f"{BASE}/query").respond(json={})
    assert await provider.quotes(["EURUSD"]) == {}


@respx.mock
async def test_fx_daily_bars_sorted_bad_rows_dropped_forming_day_excluded(provider):
    respx.get(f"{BASE}/query").respond(json=payload("alphavantage", "fx_daily"))
    bars = await provider.bars("EURUSD", Timeframe.D1, 10)
    # 11-25 is still forming, 11-23 has high < low, 11-21 is non-numeric.
    assert [b.time.date().isoformat() for b in bars] == ["2026-11-20", "2026-11-24"]


@pytest.mark.parametrize(
    ("fixture", "error"),
    [
        ("info_daily_limit", QuotaExhausted),
        ("info_daily_limit_new", QuotaExhausted),
        ("note_legacy", RateLimited),
        ("error_message", NotFound),
        ("error_apikey", ProviderAuthError),
    ],
)
@respx.mock
async def test_http_200_error_bodies_map_to_typed_errors(provider, fixture, error):
    respx.get(f"{BASE}/query").respond(200, json=payload("alphavantage", fixture))
    with pytest.raises(error) as err:
        await provider.quotes(["EURUSD"])
    assert SECRET not in str(err.value)


@respx.mock
async def test_premium_intraday_learned_and_never_called_again(provider):
    route = respx.get(f"{BASE}/query").respond(json=payload("alphavantage", "info_premium"))
    for _ in range(2):
        with pytest.raises(PaidOnlyEndpoint):
            await provider.bars("EURUSD", Timeframe.M5, 10)
    assert route.call_count == 1 and provider.paid_endpoints == {"FX_INTRADAY"}


@respx.mock
async def test_key_in_query_is_redacted_from_transport_errors(provider):
    respx.get(f"{BASE}/query").mock(side_effect=httpx.ConnectError(f"boom {BASE}/query?function=X&apikey={SECRET}"))
    with pytest.raises(ProviderUnavailable) as err:
        await provider.quotes(["EURUSD"])
    assert SECRET not in str(err.value)


@respx.mock
async def test_429_5xx_timeout_and_malformed(provider):
    respx.get(f"{BASE}/query").mock(
        side_effect=[httpx.Response(429), httpx.Response(500), httpx.ReadTimeout("t"), httpx.Response(200, text="nope")]
    )
    for error in (RateLimited, ProviderUnavailable, ProviderUnavailable, BadPayload):
        with pytest.raises(error):
            await provider.quotes(["EURUSD"])


@respx.mock
async def test_httpx_request_log_never_shows_the_key(provider, caplog):
    import logging

    respx.get(f"{BASE}/query").respond(json=payload("alphavantage", "exchange_rate"))
    with caplog.at_level(logging.DEBUG):
        await provider.quotes(["EURUSD"])
    assert "HTTP Request" in caplog.text and "apikey=***" in caplog.text
    assert SECRET not in caplog.text
