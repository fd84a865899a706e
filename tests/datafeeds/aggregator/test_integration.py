"""The aggregator over the real HTTP providers (respx): secrets stay out of logs and status."""

from __future__ import annotations

import logging

import httpx
import pytest
import respx

from datafeeds.aggregator.build import build_feed, build_providers, parse_priority
from datafeeds.providers.alphavantage import AlphaVantageProvider
from datafeeds.providers.twelvedata import TwelveDataProvider
from engine.errors import ValidationError
from tests.datafeeds.providers.conftest import payload

KEY_TD = "TD-SECRET-0001"
KEY_AV = "AV-SECRET-0002"


@pytest.fixture
def bases(monkeypatch):
    monkeypatch.setenv("PAPER_TERMINAL_TWELVEDATA_BASE_URL", "https://td.test")
    monkeypatch.setenv("PAPER_TERMINAL_ALPHAVANTAGE_BASE_URL", "https://av.test")


@respx.mock
async def test_keys_never_reach_logs_or_status(build, clock, bases, caplog):
    respx.get("https://td.test/price").respond(200, json=payload("twelvedata", "error_401"))
    respx.get("https://av.test/query").mock(
        side_effect=httpx.ConnectError(f"could not reach https://av.test/query?function=X&apikey={KEY_AV}")
    )
    async with httpx.AsyncClient() as client:
        providers = [TwelveDataProvider(client, KEY_TD, clock=clock), AlphaVantageProvider(client, KEY_AV, clock=clock)]
        feed = build(providers, priority=("twelvedata", "alphavantage"))
        with caplog.at_level(logging.DEBUG):
            await feed.start(["EURUSD"])
            await feed.poll_once()
            clock.advance(60)
            await feed.poll_once()
            statuses = feed.status()
            await feed.stop()
    text = caplog.text + repr(statuses) + feed._state_path.read_text()
    assert KEY_TD not in text and KEY_AV not in text
    td = next(s for s in statuses if s.name == "twelvedata")
    assert not td.enabled and "401" in td.last_error
    av = next(s for s in statuses if s.name == "alphavantage")
    assert "ConnectError" in av.last_error and "apikey=***" in av.last_error


@respx.mock
async def test_daily_limit_body_spends_the_day_and_is_persisted(build, clock, bases):
    route = respx.get("https://av.test/query").respond(200, json=payload("alphavantage", "info_daily_limit"))
    async with httpx.AsyncClient() as client:
        feed = build([AlphaVantageProvider(client, KEY_AV, clock=clock)])
        await feed.start(["EURUSD"])
        await feed.poll_once()
        clock.advance(3600)
        await feed.poll_once()
        await feed.stop()
    assert route.call_count == 1
    assert feed.status()[0].calls_left_today == 0


def test_build_providers_uses_env_keys_and_yahoo_without_key():
    client = httpx.AsyncClient()
    built = build_providers(("yahoo", "twelvedata", "finnhub"), client, env={"TWELVEDATA_API_KEY": "k"})
    assert [p.name for p in built] == ["yahoo", "twelvedata"]


def test_named_feed_without_key_is_a_clear_error():
    client = httpx.AsyncClient()
    with pytest.raises(ValidationError) as err:
        build_providers(("finnhub",), client, env={})
    assert err.value.field == "feed" and "FINNHUB_API_KEY" in err.value.message


async def test_build_feed_auto_starts_with_keyed_providers(tmp_path, monkeypatch):
    monkeypatch.setenv("FINNHUB_API_KEY", "fh")
    feed = build_feed("auto", interval=60, state_path=tmp_path / "s.json")
    feed._autopoll = False
    await feed.start(["EURUSD"])
    assert [s.name for s in feed.status()] == ["yahoo", "finnhub"]
    await feed.stop()


def test_parse_priority_completes_and_validates():
    assert parse_priority("finnhub, yahoo") == ("finnhub", "yahoo", "twelvedata", "alphavantage")
    with pytest.raises(ValidationError) as err:
        parse_priority("yahoo,bloomberg")
    assert "bloomberg" in err.value.message
