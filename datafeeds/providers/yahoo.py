"""Yahoo Finance through ``yfinance`` (unofficial, no key).

Yahoo publishes no limits; this provider keeps to a self-imposed budget of
2,000 calls per hour and 60 per minute (one call per symbol per quote, one per
bars request). yfinance is blocking: every call runs in a worker thread
(``asyncio.to_thread``). yfinance is told to raise instead of returning empty
frames (``yf.config.debug.hide_exceptions = False``) and its errors are mapped:
``YFRateLimitError`` → ``RateLimited``; ``YFTzMissingError`` (unknown ticker)
→ ``NotFound``; ``YFPricesMissingError`` → no data for that symbol; transport
errors (curl_cffi's, which subclass ``OSError``) → ``ProviderUnavailable``.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, Protocol, cast

from datafeeds.providers.base import (
    Capabilities,
    ProviderLimits,
    closed_only,
    make_bar,
    quote_from_price,
    spec_of,
    to_yahoo,
)
from engine.errors import BadPayload, NotFound, PaperTerminalError, ProviderUnavailable, RateLimited, ValidationError
from engine.instruments import SPECS
from engine.values import Bar, Quote, Timeframe

if TYPE_CHECKING:  # pandas comes with yfinance, when prices are fetched (not to plan budgets)
    import pandas as pd

log = logging.getLogger(__name__)

NAME = "yahoo"

INTERVALS = {
    Timeframe.M1: "1m",
    Timeframe.M5: "5m",
    Timeframe.M15: "15m",
    Timeframe.M30: "30m",
    Timeframe.H1: "1h",
    Timeframe.H4: "1h",
    Timeframe.D1: "1d",
}
# Yahoo's look-back per interval, a day short of its documented maximum.
LOOKBACK = {
    "1m": timedelta(days=7),
    "5m": timedelta(days=59),
    "15m": timedelta(days=59),
    "30m": timedelta(days=59),
    "1h": timedelta(days=729),
    "1d": timedelta(days=36_000),
}


class TickerLike(Protocol):
    """The part of ``yfinance.Ticker`` this provider uses."""

    def history(self, *args: Any, **kwargs: Any) -> pd.DataFrame: ...


def default_ticker_factory() -> Callable[[str], TickerLike]:
    """Return ``yfinance.Ticker`` with yfinance set to raise its errors."""
    import yfinance as yf

    yf.config.debug.hide_exceptions = False
    return yf.Ticker


class YahooProvider:
    """Quotes from the last 1-minute close; bars from ``Ticker.history``.

    A quote is built around the last close with the symbol's typical spread
    (``quote_from_price``); its time is that bar's open time in UTC. H4 bars
    are resampled from 1-hour bars on epoch-aligned 4-hour boundaries. XAUUSD
    has no Yahoo spot ticker and is not supported.
    """

    name = NAME
    needs_key = False
    limits = ProviderLimits(
        per_minute=60, per_hour=2000, official=False, note="unofficial API, no published limit: self-imposed 2,000/hour"
    )
    capabilities = Capabilities(
        quote_endpoint="history",
        unsupported=frozenset({"XAUUSD"}),
        batch_size=1,
        cost_per_symbol=True,
        bar_endpoints=dict.fromkeys(INTERVALS, "history"),
    )

    def __init__(
        self,
        ticker_factory: Callable[[str], TickerLike] | None = None,
        clock: Callable[[], datetime] | None = None,
        paid_endpoints: set[str] | None = None,
    ) -> None:
        self._factory = ticker_factory
        self._clock = clock or (lambda: datetime.now(timezone.utc))
        self.paid_endpoints: set[str] = paid_endpoints if paid_endpoints is not None else set()

    def supports(self, symbol: str) -> bool:
        return symbol.upper() in SPECS and symbol.upper() not in self.capabilities.unsupported

    async def quotes(self, symbols: Sequence[str]) -> dict[str, Quote]:
        """Return the latest 1-minute close of each symbol (one call per symbol)."""
        out: dict[str, Quote] = {}
        for symbol in symbols:
            frame = await self._history(symbol, period="1d", interval="1m")
            if frame is None:
                continue
            rows = _clean(frame, symbol)
            if rows.empty:
                log.warning("%s: no usable price for %s", NAME, symbol)
                continue
            when = rows.index[-1].to_pydatetime()
            out[symbol.upper()] = quote_from_price(symbol, float(rows["Close"].iloc[-1]), when, NAME)
        return out

    async def bars(self, symbol: str, timeframe: Timeframe, count: int) -> list[Bar]:
        """Return up to ``count`` closed bars, oldest first."""
        interval = INTERVALS[timeframe]
        now = self._clock()
        span = timedelta(seconds=timeframe.seconds * (count + 1) * 2) + timedelta(days=4)
        start = now - min(span, LOOKBACK[interval])
        frame = await self._history(symbol, start=start, end=now, interval=interval)
        if frame is None:
            return []
        rows = _clean(frame, symbol)
        if timeframe is Timeframe.H4 and not rows.empty:
            rows = (
                rows.resample("4h", origin="epoch", label="left", closed="left")
                .agg({"Open": "first", "High": "max", "Low": "min", "Close": "last", "Volume": "sum"})
                .dropna()
            )
        bars: list[Bar] = []
        for label, row in rows.iterrows():
            stamp = cast("pd.Timestamp", label)  # a DatetimeIndex's label
            when = stamp.to_pydatetime()
            if timeframe is Timeframe.D1:
                local = cast("pd.DatetimeIndex", frame.index).tz or timezone.utc
                day = stamp.tz_convert(local).date()
                when = datetime(day.year, day.month, day.day, tzinfo=timezone.utc)
            try:
                bars.append(
                    make_bar(symbol, timeframe, when, row["Open"], row["High"], row["Low"], row["Close"], row["Volume"])
                )
            except ValueError as exc:
                log.warning("%s: dropped a bad %s bar: %s", NAME, symbol, exc)
        return closed_only(bars, now, count)

    async def _history(self, symbol: str, **kwargs: Any) -> pd.DataFrame | None:
        """Fetch ``Ticker(symbol).history(**kwargs)`` in a worker thread; ``None``: no prices."""
        if not self.supports(symbol):
            raise ValidationError(f"{NAME} does not carry {symbol}", field="symbol", code="unsupported_symbol")
        return await asyncio.to_thread(self._fetch, to_yahoo(symbol), kwargs)

    def _fetch(self, ticker: str, kwargs: dict[str, Any]) -> pd.DataFrame | None:
        """Blocking part (worker thread): import yfinance if needed, call it, map its errors."""
        import pandas as pd

        if self._factory is None:
            self._factory = default_ticker_factory()
        try:
            frame = self._factory(ticker).history(**kwargs)
        except PaperTerminalError:
            raise
        except Exception as exc:  # noqa: BLE001 - yfinance raises many types; each is mapped
            mapped = _map_error(exc, ticker)
            if mapped is None:
                log.warning("%s: no prices for %s: %s", NAME, ticker, exc)
                return None
            raise mapped from None
        if not isinstance(frame, pd.DataFrame):
            raise BadPayload(f"{NAME}: history of {ticker} is not a table")
        return frame


def _map_error(exc: Exception, ticker: str) -> Exception | None:
    """Map a yfinance or transport error; ``None`` means "no prices for this symbol"."""
    from yfinance import exceptions as yfe

    if isinstance(exc, yfe.YFRateLimitError):
        return RateLimited(f"{NAME}: rate limited (429)", retry_after=60.0)
    if isinstance(exc, yfe.YFPricesMissingError):
        return None
    if isinstance(exc, yfe.YFTickerMissingError):  # includes YFTzMissingError
        return NotFound(f"{NAME}: {ticker} unknown to Yahoo ({exc})", field="symbol")
    if isinstance(exc, yfe.YFInvalidPeriodError):
        return ValidationError(f"{NAME}: {exc}", field="timeframe")
    if isinstance(exc, yfe.YFDataException):
        return ProviderUnavailable(f"{NAME}: {exc}")
    if isinstance(exc, (OSError, TimeoutError)):  # curl_cffi and requests errors are OSErrors
        return ProviderUnavailable(f"{NAME}: {type(exc).__name__}: {exc}")
    if isinstance(exc, (yfe.YFException, KeyError, ValueError, TypeError, IndexError)):
        return BadPayload(f"{NAME}: {type(exc).__name__}: {exc}")
    return ProviderUnavailable(f"{NAME}: unexpected {type(exc).__name__}: {exc}")


def _clean(frame: pd.DataFrame, symbol: str) -> pd.DataFrame:
    """Return the OHLCV rows with finite positive prices, index in UTC, oldest first."""
    import pandas as pd

    needed = ["Open", "High", "Low", "Close"]
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise BadPayload(f"{NAME}: history of {symbol} lacks columns {missing}")
    rows = frame[needed + (["Volume"] if "Volume" in frame.columns else [])].copy()
    if "Volume" not in rows.columns:
        rows["Volume"] = 0.0
    rows = rows.apply(pd.to_numeric, errors="coerce")
    if not isinstance(rows.index, pd.DatetimeIndex):
        raise BadPayload(f"{NAME}: history of {symbol} has no time index")
    rows.index = rows.index.tz_localize("UTC") if rows.index.tz is None else rows.index.tz_convert("UTC")
    rows["Volume"] = rows["Volume"].fillna(0.0)
    prices = rows[needed]
    good = (
        prices.notna().all(axis=1)
        & (prices > 0).all(axis=1)
        & prices.map(lambda v: math.isfinite(v) if v == v else False).all(axis=1)
    )
    dropped = int((~good).sum())
    if dropped:
        log.warning("%s: dropped %d bad row(s) of %s", NAME, dropped, symbol)
    spec_of(symbol)
    return rows[good].sort_index()
