"""Twelve Data provider against recorded-shape payloads (respx, no network)."""

from __future__ import annotations

import logging
from datetime import datetime, timezone

import httpx
import pytest
import respx

from datafeeds.providers.twelvedata import TwelveDataProvider
from engine.errors import (
    BadPayload,
    NotFound,
    PaidOnlyEndpoint,
    ProviderAuthError,
    ProviderUnavailable,
    QuotaExhausted,
    RateLimited,
    ValidationError,
)
from engine.values import Timeframe
from tests.datafeeds.providers.conftest import NOW, SECRET, payload

BASE = "https://td.test"


@pytest.fixture
def provider(client, clock, monkeypatch):
    monkeypatch.setenv("PAPER_TERMINAL_TWELVEDATA_BASE_URL", BASE)
    return TwelveDataProvider(client, SECRET, clock=clock)


@respx.mock
async def test_quotes_single_symbol_builds_spread_around_price(provider):
    route = respx.get(f"{BASE}/price").respond(json=payload("twelvedata", "price_single"))
    quotes = await provider.quotes(["EURUSD"])
    q = quotes["EURUSD"]
    # EURUSD typical spread 0.8 pip = 0.00008 → ±0.00004 around 1.08650.
    assert (q.bid, q.ask) == (1.08646, 1.08654)
    assert q.time == NOW and q.source == "twelvedata" and not q.stale
    request = route.calls.last.request
    assert request.url.params["symbol"] == "EUR/USD"
    assert request.headers["Authorization"] == f"apikey {SECRET}"
    assert SECRET not in str(request.url)


@respx.mock
async def test_quotes_batch_skips_error_and_non_numeric_entries(provider, caplog):
    route = respx.get(f"{BASE}/price").respond(json=payload("twelvedata", "price_batch"))
    with caplog.at_level(logging.WARNING):
        quotes = await provider.quotes(["EURUSD", "USDJPY", "GBPUSD", "AUDUSD"])
    assert set(quotes) == {"EURUSD", "USDJPY"}
    assert quotes["USDJPY"].bid == pytest.approx(151.225) and quotes["USDJPY"].ask == pytest.approx(151.235)
    assert route.calls.last.request.url.params["symbol"] == "EUR/USD,USD/JPY,GBP/USD,AUD/USD"
    assert "GBP/USD" in caplog.text and "AUD/USD" in caplog.text


async def test_quotes_more_than_batch_size_raises_validation(provider):
    with pytest.raises(ValidationError) as err:
        await provider.quotes(["EURUSD"] * 9)
    assert err.value.field == "symbols"


@respx.mock
async def test_bars_newest_first_strings_become_sorted_closed_bars(provider, caplog):
    respx.get(f"{BASE}/time_series").respond(json=payload("twelvedata", "time_series_1min"))
    with caplog.at_level(logging.WARNING):
        bars = await provider.bars("EURUSD", Timeframe.M1, 10)
    times = [b.time.strftime("%H:%M") for b in bars]
    # 11:57 (non-numeric), 11:56 (high < low) and 11:55 (NaN) are dropped.
    assert times == ["11:53", "11:54", "11:58", "11:59"]
    assert all(b.time.tzinfo == timezone.utc for b in bars)
    assert bars[-1].close == 1.08655
    assert caplog.text.count("dropped a bad") == 3


@respx.mock
async def test_bars_forming_bar_is_excluded(provider):
    respx.get(f"{BASE}/time_series").respond(json=payload("twelvedata", "time_series_forming"))
    bars = await provider.bars("EURUSD", Timeframe.M1, 5)
    assert [b.time for b in bars] == [datetime(2026, 11, 25, 11, 59, tzinfo=timezone.utc)]


@respx.mock
async def test_bars_empty_values_returns_empty_list(provider):
    respx.get(f"{BASE}/time_series").respond(json=payload("twelvedata", "time_series_empty"))
    assert await provider.bars("EURUSD", Timeframe.M1, 5) == []


@pytest.mark.parametrize(
    ("fixture", "http_status", "error"),
    [
        ("error_429_minute", 200, RateLimited),
        ("error_429_minute", 429, RateLimited),
        ("error_429_day", 200, QuotaExhausted),
        ("error_401", 200, ProviderAuthError),
        ("error_401", 401, ProviderAuthError),
        ("error_404", 200, NotFound),
        ("error_400", 200, ValidationError),
        ("error_403_plan", 200, PaidOnlyEndpoint),
    ],
)
@respx.mock
async def test_error_bodies_map_to_typed_errors(provider, fixture, http_status, error):
    respx.get(f"{BASE}/price").respond(http_status, json=payload("twelvedata", fixture))
    with pytest.raises(error) as err:
        await provider.quotes(["EURUSD"])
    assert SECRET not in str(err.value)


@respx.mock
async def test_paid_only_endpoint_is_not_called_again(provider):
    route = respx.get(f"{BASE}/time_series").respond(json=payload("twelvedata", "error_403_plan"))
    with pytest.raises(PaidOnlyEndpoint):
        await provider.bars("EURUSD", Timeframe.M1, 5)
    with pytest.raises(PaidOnlyEndpoint):
        await provider.bars("EURUSD", Timeframe.M1, 5)
    assert route.call_count == 1
    assert provider.paid_endpoints == {"time_series"}


@pytest.mark.parametrize("status", [500, 502, 503])
@respx.mock
async def test_server_errors_are_provider_unavailable(provider, status):
    respx.get(f"{BASE}/price").respond(status, text="upstream down")
    with pytest.raises(ProviderUnavailable):
        await provider.quotes(["EURUSD"])


@respx.mock
async def test_timeout_is_provider_unavailable(provider):
    respx.get(f"{BASE}/price").mock(side_effect=httpx.ReadTimeout("slow"))
    with pytest.raises(ProviderUnavailable, match="timed out"):
        await provider.quotes(["EURUSD"])


@respx.mock
async def test_connect_error_message_has_no_key(provider):
    respx.get(f"{BASE}/price").mock(side_effect=httpx.ConnectError(f"failed for {BASE}/price?apikey={SECRET}"))
    with pytest.raises(ProviderUnavailable) as err:
        await provider.quotes(["EURUSD"])
    assert SECRET not in str(err.value) and "apikey=***" in str(err.value)


@respx.mock
async def test_malformed_json_is_bad_payload(provider):
    respx.get(f"{BASE}/price").respond(200, text="<html>oops</html>")
    with pytest.raises(BadPayload):
        await provider.quotes(["EURUSD"])


@respx.mock
async def test_http_429_carries_retry_after(provider):
    respx.get(f"{BASE}/price").respond(429, headers={"Retry-After": "17"}, text="slow down")
    with pytest.raises(RateLimited) as err:
        await provider.quotes(["EURUSD"])
    assert err.value.retry_after == 17.0


async def test_unknown_symbol_raises_validation_naming_field(provider):
    with pytest.raises(ValidationError) as err:
        await provider.quotes(["FOOBAR"])
    assert err.value.field == "symbol"
