"""Yahoo provider with a fake yfinance Ticker (never the network)."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import pandas as pd
import pytest
from curl_cffi.requests.exceptions import DNSError, ReadTimeout
from yfinance import exceptions as yfe

from datafeeds.providers.yahoo import YahooProvider
from engine.errors import BadPayload, NotFound, ProviderUnavailable, RateLimited, ValidationError
from engine.values import Timeframe
from tests.datafeeds.providers.conftest import NOW, payload


def recorded_frame() -> pd.DataFrame:
    data = payload("yahoo", "history_1m")
    index = pd.DatetimeIndex([pd.Timestamp(r[0]) for r in data["rows"]], name="Datetime")
    frame = pd.DataFrame([r[1:] for r in data["rows"]], index=index, columns=data["columns"])
    frame.index = frame.index.tz_convert(data["index_tz"])
    return frame


class FakeTicker:
    """Implements ``Ticker.history`` like yfinance: returns a frame or raises."""

    def __init__(self, outcome, calls: list):
        self._outcome = outcome
        self._calls = calls

    def history(self, **kwargs):
        self._calls.append((kwargs, threading.current_thread().name))
        if isinstance(self._outcome, Exception):
            raise self._outcome
        return self._outcome


def make(outcome, clock=lambda: NOW):
    calls: list = []
    tickers: list[str] = []

    def factory(ticker: str):
        tickers.append(ticker)
        return FakeTicker(outcome, calls)

    return YahooProvider(ticker_factory=factory, clock=clock), calls, tickers


async def test_quote_is_last_valid_close_off_the_loop():
    provider, calls, tickers = make(recorded_frame())
    q = (await provider.quotes(["EURUSD"]))["EURUSD"]
    assert tickers == ["EURUSD=X"]
    assert q.mid == pytest.approx(1.0867) and (q.bid, q.ask) == (1.08666, 1.08674)
    assert q.time == datetime(2026, 11, 25, 11, 59, tzinfo=timezone.utc)
    assert calls[0][0] == {"period": "1d", "interval": "1m"}
    assert calls[0][1] != threading.current_thread().name  # ran in a worker thread


async def test_bars_drop_nan_rows_and_convert_to_utc():
    provider, calls, _ = make(recorded_frame())
    bars = await provider.bars("EURUSD", Timeframe.M1, 10)
    assert [b.time.strftime("%H:%M") for b in bars] == ["11:56", "11:57", "11:59"]
    assert all(b.time.tzinfo == timezone.utc for b in bars)
    assert calls[0][0]["interval"] == "1m"
    assert NOW - calls[0][0]["start"] <= timedelta(days=7)  # within Yahoo's 1m look-back


async def test_h4_bars_resampled_from_hourly_on_epoch_boundaries():
    index = pd.date_range("2026-11-24 00:00", periods=12, freq="1h", tz="UTC")
    frame = pd.DataFrame(
        {
            "Open": [1.0 + i / 1000 for i in range(12)],
            "High": [1.01 + i / 1000 for i in range(12)],
            "Low": [0.99 + i / 1000 for i in range(12)],
            "Close": [1.0005 + i / 1000 for i in range(12)],
            "Volume": [0] * 12,
        },
        index=index,
    )
    provider, _, _ = make(frame)
    bars = await provider.bars("EURUSD", Timeframe.H4, 5)
    assert [b.time.hour for b in bars] == [0, 4, 8]
    assert bars[0].open == 1.0 and bars[0].high == 1.013 and bars[0].close == 1.0035


async def test_d1_bars_take_the_exchange_date():
    index = pd.DatetimeIndex(
        [pd.Timestamp("2026-11-23 00:00", tz="Europe/London"), pd.Timestamp("2026-11-24 00:00", tz="Europe/London")]
    )
    frame = pd.DataFrame(
        {"Open": [1.08, 1.081], "High": [1.09, 1.091], "Low": [1.07, 1.071], "Close": [1.085, 1.086], "Volume": [0, 0]},
        index=index,
    )
    provider, _, _ = make(frame)
    bars = await provider.bars("EURUSD", Timeframe.D1, 5)
    assert [b.time for b in bars] == [
        datetime(2026, 11, 23, tzinfo=timezone.utc),
        datetime(2026, 11, 24, tzinfo=timezone.utc),
    ]


async def test_empty_frame_gives_no_quote():
    provider, _, _ = make(
        pd.DataFrame(columns=["Open", "High", "Low", "Close", "Volume"], index=pd.DatetimeIndex([], tz="UTC"))
    )
    assert await provider.quotes(["EURUSD"]) == {}


@pytest.mark.parametrize(
    ("raised", "error"),
    [
        (yfe.YFRateLimitError(), RateLimited),
        (yfe.YFTzMissingError("FOO=X"), NotFound),
        (DNSError("Could not resolve host: query2.finance.yahoo.com"), ProviderUnavailable),
        (ReadTimeout("Operation timed out after 10001 milliseconds"), ProviderUnavailable),
        (yfe.YFDataException("*** YAHOO! FINANCE IS CURRENTLY DOWN! ***"), ProviderUnavailable),
        (KeyError("chart"), BadPayload),
    ],
)
async def test_yfinance_errors_are_mapped(raised, error):
    provider, _, _ = make(raised)
    with pytest.raises(error):
        await provider.quotes(["EURUSD"])


async def test_prices_missing_is_no_data_not_an_error():
    provider, _, _ = make(yfe.YFPricesMissingError("EURUSD=X", "(1d 1m)"))
    assert await provider.quotes(["EURUSD"]) == {}
    assert await provider.bars("EURUSD", Timeframe.M5, 10) == []


async def test_non_frame_answer_is_bad_payload():
    provider, _, _ = make({"not": "a frame"})
    with pytest.raises(BadPayload):
        await provider.quotes(["EURUSD"])


async def test_missing_columns_is_bad_payload():
    provider, _, _ = make(pd.DataFrame({"Close": [1.0]}, index=pd.DatetimeIndex([NOW - timedelta(minutes=2)])))
    with pytest.raises(BadPayload):
        await provider.quotes(["EURUSD"])


async def test_gold_is_not_carried():
    provider, _, _ = make(recorded_frame())
    assert not provider.supports("XAUUSD")
    with pytest.raises(ValidationError):
        await provider.quotes(["XAUUSD"])


def test_default_factory_makes_yfinance_raise():
    import yfinance as yf

    from datafeeds.providers.yahoo import default_ticker_factory

    assert default_ticker_factory() is yf.Ticker
    assert yf.config.debug.hide_exceptions is False


async def test_out_of_order_rows_are_sorted_and_duplicates_dropped():
    frame = recorded_frame().iloc[::-1]
    frame = pd.concat([frame, frame.iloc[:1]])
    provider, _, _ = make(frame)
    bars = await provider.bars("EURUSD", Timeframe.M1, 10)
    assert [b.time.strftime("%H:%M") for b in bars] == ["11:56", "11:57", "11:59"]
    q = (await provider.quotes(["EURUSD"]))["EURUSD"]
    assert q.time.strftime("%H:%M") == "11:59"


async def test_non_numeric_cells_are_dropped():
    frame = recorded_frame().astype(object)
    frame.iloc[3, 3] = "n/a"  # the last close is not a number
    provider, _, _ = make(frame)
    q = (await provider.quotes(["EURUSD"]))["EURUSD"]
    assert q.mid == pytest.approx(1.0865)  # the 11:57 close, the last valid row
