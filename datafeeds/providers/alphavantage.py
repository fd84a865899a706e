"""Alpha Vantage REST provider (``https://www.alphavantage.co/query``).

Free plan: 25 requests per day. Every error arrives with HTTP 200: an
``Information`` (daily limit, or "premium endpoint"), a legacy ``Note``
(per-minute limit) or an ``Error Message`` (bad call or symbol). Quotes come
from ``CURRENCY_EXCHANGE_RATE`` (bid and ask included); daily bars from
``FX_DAILY`` (free); intraday bars from ``FX_INTRADAY`` (premium: refused once,
then never called again). The key must travel as the ``apikey`` query
parameter; it is redacted from every message.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from typing import Any

from datafeeds.providers.base import (
    Capabilities,
    ProviderLimits,
    closed_only,
    make_bar,
    quote_from_price,
    spec_of,
    to_alphavantage,
)
from datafeeds.providers.http import KeyedHttpProvider, get_json, redact
from datafeeds.providers.schemas import AlphaVantageRate, AlphaVantageRow, parse_row, parse_utc
from engine.errors import (
    BadPayload,
    NotFound,
    PaidOnlyEndpoint,
    ProviderAuthError,
    QuotaExhausted,
    RateLimited,
    ValidationError,
)
from engine.values import Bar, Quote, Timeframe

log = logging.getLogger(__name__)

NAME = "alphavantage"
DEFAULT_BASE_URL = "https://www.alphavantage.co"
BASE_URL_ENV = "PAPER_TERMINAL_ALPHAVANTAGE_BASE_URL"

INTRADAY = {
    Timeframe.M1: "1min",
    Timeframe.M5: "5min",
    Timeframe.M15: "15min",
    Timeframe.M30: "30min",
    Timeframe.H1: "60min",
}


class AlphaVantageProvider(KeyedHttpProvider):
    """Quotes from ``CURRENCY_EXCHANGE_RATE``; bars from ``FX_DAILY`` / ``FX_INTRADAY``.

    The exchange-rate answer carries bid and ask; when either is missing or
    not a number, bid/ask are built around the rate from the symbol's typical
    spread (``quote_from_price``).
    """

    BASE_URL_ENV = BASE_URL_ENV
    DEFAULT_BASE_URL = DEFAULT_BASE_URL

    name = NAME
    needs_key = True
    limits = ProviderLimits(per_day=25, per_minute=5, note="free: 25 requests/day (5/min on legacy keys)")
    capabilities = Capabilities(
        quote_endpoint="CURRENCY_EXCHANGE_RATE",
        batch_size=1,
        cost_per_symbol=True,
        bar_endpoints={**dict.fromkeys(INTRADAY, "FX_INTRADAY"), Timeframe.D1: "FX_DAILY"},
    )

    async def quotes(self, symbols: Sequence[str]) -> dict[str, Quote]:
        """Return the exchange rate of one symbol (one request)."""
        if len(symbols) > 1:
            raise ValidationError("Alpha Vantage quotes one symbol per request", field="symbols")
        out: dict[str, Quote] = {}
        for symbol in symbols:
            base, quote = to_alphavantage(symbol)
            body = await self._get("CURRENCY_EXCHANGE_RATE", {"from_currency": base, "to_currency": quote})
            raw = body.get("Realtime Currency Exchange Rate")
            if not raw:
                log.warning("%s: no exchange rate for %s", NAME, symbol)
                continue
            rate = parse_row(AlphaVantageRate, raw, NAME, f"exchange rate of {symbol}")
            if rate is None:
                raise BadPayload(f"{NAME}: exchange rate of {symbol} does not parse")
            out[symbol.upper()] = self._quote(symbol, rate)
        return out

    def _quote(self, symbol: str, rate: AlphaVantageRate) -> Quote:
        when = parse_utc(rate.last_refreshed)
        bid, ask = _number(rate.bid), _number(rate.ask)
        spec = spec_of(symbol)
        if bid is not None and ask is not None and 0 < bid <= ask:
            return Quote(
                symbol=spec.symbol, bid=spec.round_price(bid), ask=spec.round_price(ask), time=when, source=NAME
            )
        return quote_from_price(symbol, rate.rate, when, NAME)

    async def bars(self, symbol: str, timeframe: Timeframe, count: int) -> list[Bar]:
        """Return up to ``count`` closed bars, oldest first (compact: at most 100)."""
        base, quote = to_alphavantage(symbol)
        params = {"from_symbol": base, "to_symbol": quote, "outputsize": "compact" if count <= 100 else "full"}
        if timeframe is Timeframe.D1:
            function = "FX_DAILY"
        elif timeframe in INTRADAY:
            function = "FX_INTRADAY"
            params["interval"] = INTRADAY[timeframe]
        else:
            raise ValidationError(f"{NAME} has no {timeframe.value} bars", field="timeframe")
        body = await self._get(function, params)
        key = next((k for k in body if k.startswith("Time Series FX")), None)
        if key is None or not isinstance(body[key], dict):
            raise BadPayload(f"{NAME}: {function} answer has no time series")
        bars: list[Bar] = []
        for stamp, raw in body[key].items():
            row = parse_row(AlphaVantageRow, raw, NAME, f"{symbol} bar")
            if row is None:
                continue
            try:
                bars.append(make_bar(symbol, timeframe, parse_utc(stamp), row.open, row.high, row.low, row.close))
            except ValueError as exc:
                log.warning("%s: dropped a bad %s bar at %r: %s", NAME, symbol, stamp, exc)
        return closed_only(bars, self._clock(), count)

    async def _get(self, function: str, params: dict[str, str]) -> dict[str, Any]:
        if function in self.paid_endpoints:
            raise PaidOnlyEndpoint(f"{NAME}: {function} needs a paid plan (refused before)")
        status, body = await get_json(
            self._client,
            NAME,
            f"{self._base}/query",
            params={"function": function, **params, "apikey": self._key},
            secrets=[self._key],
        )
        if not isinstance(body, dict):
            raise BadPayload(f"{NAME}: {function} answer is not an object")
        self._raise_for_error(function, status, body)
        return body

    def _raise_for_error(self, function: str, status: int, body: dict[str, Any]) -> None:
        """Map HTTP errors and the HTTP-200 ``Information``/``Note``/``Error Message`` bodies."""
        note = body.get("Note")
        info = body.get("Information")
        error = body.get("Error Message")
        if note and not info:
            # Legacy keys: "5 calls per minute and 500 calls per day" → a per-minute refusal.
            raise RateLimited(f"{NAME}: {redact(str(note), [self._key])[:240]}", retry_after=60.0)
        if info:
            text = f"{NAME}: {redact(str(info), [self._key])[:240]}"
            lowered = str(info).lower()
            if "premium" in lowered and "endpoint" in lowered:
                self.paid_endpoints.add(function)
                raise PaidOnlyEndpoint(text)
            if "per day" in lowered or "daily" in lowered:
                raise QuotaExhausted(text)
            if "apikey" in lowered and ("invalid" in lowered or "missing" in lowered):
                raise ProviderAuthError(text)
            raise RateLimited(text, retry_after=60.0)
        if error:
            text = f"{NAME}: {redact(str(error), [self._key])[:240]}"
            if "apikey" in str(error).lower():
                raise ProviderAuthError(text)
            raise NotFound(text, field="symbol")
        if status >= 400:
            raise BadPayload(f"{NAME}: HTTP {status} {redact(str(body)[:200], [self._key])}")


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None
