"""Finnhub provider against recorded-shape payloads (respx, no network)."""

from __future__ import annotations

from datetime import datetime, timezone

import httpx
import pytest
import respx

from datafeeds.providers.finnhub import FinnhubProvider
from engine.errors import (
    BadPayload,
    PaidOnlyEndpoint,
    ProviderAuthError,
    ProviderUnavailable,
    RateLimited,
    ValidationError,
)
from engine.values import Timeframe
from tests.datafeeds.providers.conftest import SECRET, payload

BASE = "https://fh.test/api/v1"


@pytest.fixture
def provider(client, clock, monkeypatch):
    monkeypatch.setenv("PAPER_TERMINAL_FINNHUB_BASE_URL", BASE)
    return FinnhubProvider(client, SECRET, clock=clock)


@respx.mock
async def test_quote_uses_oanda_symbol_token_header_and_time(provider):
    route = respx.get(f"{BASE}/quote").respond(json=payload("finnhub", "quote_eurusd"))
    q = (await provider.quotes(["EURUSD"]))["EURUSD"]
    assert (q.bid, q.ask) == (1.08646, 1.08654)
    assert q.time == datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)
    request = route.calls.last.request
    assert request.url.params["symbol"] == "OANDA:EUR_USD"
    assert request.headers["X-Finnhub-Token"] == SECRET and SECRET not in str(request.url)


@respx.mock
async def test_quote_zero_price_means_no_data(provider):
    respx.get(f"{BASE}/quote").respond(json=payload("finnhub", "quote_nodata"))
    assert await provider.quotes(["EURUSD"]) == {}


@respx.mock
async def test_quote_non_numeric_is_bad_payload(provider):
    respx.get(f"{BASE}/quote").respond(json=payload("finnhub", "quote_bad"))
    with pytest.raises(BadPayload):
        await provider.quotes(["EURUSD"])


async def test_quotes_refuse_batches(provider):
    with pytest.raises(ValidationError):
        await provider.quotes(["EURUSD", "GBPUSD"])


@respx.mock
async def test_candles_out_of_order_sorted_and_bad_row_dropped(provider):
    respx.get(f"{BASE}/forex/candle").respond(json=payload("finnhub", "candle_ok"))
    bars = await provider.bars("EURUSD", Timeframe.M1, 10)
    # t = 11:55, 11:56 (high below open: dropped), 11:57, 11:58.
    assert [b.time.strftime("%H:%M") for b in bars] == ["11:55", "11:57", "11:58"]
    assert bars[0].open == 1.0861


@pytest.mark.parametrize("fixture", ["candle_no_data", "candle_nulls"])
@respx.mock
async def test_candles_no_data_is_empty(provider, fixture):
    respx.get(f"{BASE}/forex/candle").respond(json=payload("finnhub", fixture))
    assert await provider.bars("EURUSD", Timeframe.H1, 10) == []


@respx.mock
async def test_candles_403_learned_as_paid_only(provider):
    route = respx.get(f"{BASE}/forex/candle").respond(403, json=payload("finnhub", "error_403_access"))
    for _ in range(2):
        with pytest.raises(PaidOnlyEndpoint):
            await provider.bars("EURUSD", Timeframe.M5, 10)
    assert route.call_count == 1 and provider.paid_endpoints == {"forex/candle"}


async def test_candles_h4_unsupported(provider):
    with pytest.raises(ValidationError) as err:
        await provider.bars("EURUSD", Timeframe.H4, 10)
    assert err.value.field == "timeframe"


@pytest.mark.parametrize(
    ("status", "fixture", "error"),
    [
        (429, "error_429", RateLimited),
        (401, "error_401", ProviderAuthError),
        (200, "error_401", ProviderAuthError),
    ],
)
@respx.mock
async def test_errors_map_to_typed_errors(provider, status, fixture, error):
    respx.get(f"{BASE}/quote").respond(status, json=payload("finnhub", fixture))
    with pytest.raises(error) as err:
        await provider.quotes(["EURUSD"])
    assert SECRET not in str(err.value)


@respx.mock
async def test_5xx_and_timeout_are_unavailable(provider):
    respx.get(f"{BASE}/quote").mock(side_effect=[httpx.Response(503), httpx.ConnectTimeout("x")])
    for _ in range(2):
        with pytest.raises(ProviderUnavailable):
            await provider.quotes(["EURUSD"])


@respx.mock
async def test_malformed_json_is_bad_payload(provider):
    respx.get(f"{BASE}/quote").respond(200, text="{not json")
    with pytest.raises(BadPayload):
        await provider.quotes(["EURUSD"])
