"""Finnhub REST provider (``https://finnhub.io/api/v1``).

Free plan: 60 calls per minute (plus 30 per second on every plan), no daily
cap. Quotes come from ``/quote?symbol=OANDA:EUR_USD``; Finnhub documents that
endpoint for US stocks and free-plan FX answers are doubtful (often ``c: 0``,
which is treated as "no data"), so the planner flags them. Forex candles
(``/forex/candle``) are premium: a free key gets HTTP 403 "You don't have
access to this resource.", remembered as a paid-only endpoint. The key
travels in the ``X-Finnhub-Token`` header, never in the URL.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

from datafeeds.providers.base import Capabilities, ProviderLimits, closed_only, make_bar, quote_from_price, to_finnhub
from datafeeds.providers.http import KeyedHttpProvider, get_json, redact
from datafeeds.providers.schemas import FinnhubCandleRow, FinnhubCandles, FinnhubQuote, parse_row
from engine.errors import (
    BadPayload,
    PaidOnlyEndpoint,
    ProviderAuthError,
    ProviderUnavailable,
    RateLimited,
    ValidationError,
)
from engine.values import Bar, Quote, Timeframe

log = logging.getLogger(__name__)

NAME = "finnhub"
DEFAULT_BASE_URL = "https://finnhub.io/api/v1"
BASE_URL_ENV = "PAPER_TERMINAL_FINNHUB_BASE_URL"

RESOLUTIONS = {
    Timeframe.M1: "1",
    Timeframe.M5: "5",
    Timeframe.M15: "15",
    Timeframe.M30: "30",
    Timeframe.H1: "60",
    Timeframe.D1: "D",
}
CANDLE_ENDPOINT = "forex/candle"


class FinnhubProvider(KeyedHttpProvider):
    """Quotes from ``/quote`` (one call per symbol), bars from ``/forex/candle`` (premium).

    ``/quote`` gives one price (``c``): bid/ask are built around it from the
    symbol's typical spread (``quote_from_price``); its time is ``t``.
    """

    BASE_URL_ENV = BASE_URL_ENV
    DEFAULT_BASE_URL = DEFAULT_BASE_URL

    name = NAME
    needs_key = True
    limits = ProviderLimits(
        per_minute=60,
        per_second=25,
        note="free: 60 calls/min, no daily cap (30/s cap: paced at 25/s); FX quotes doubtful",
    )
    capabilities = Capabilities(
        quote_endpoint="quote",
        batch_size=1,
        cost_per_symbol=True,
        bar_endpoints=dict.fromkeys(RESOLUTIONS, CANDLE_ENDPOINT),
        quotes_reliable=False,
        note="/quote is documented for US stocks; FX answers may be empty",
    )

    async def quotes(self, symbols: Sequence[str]) -> dict[str, Quote]:
        """Return the latest price of one symbol (one call)."""
        if len(symbols) > 1:
            raise ValidationError("Finnhub quotes one symbol per call", field="symbols")
        out: dict[str, Quote] = {}
        for symbol in symbols:
            body = await self._get("quote", {"symbol": to_finnhub(symbol)})
            row = parse_row(FinnhubQuote, body, NAME, f"quote of {symbol}")
            if row is None:
                raise BadPayload(f"{NAME}: quote of {symbol} does not parse")
            if row.c <= 0 or row.t <= 0:
                log.warning("%s: no FX quote for %s (c=%s, t=%s)", NAME, symbol, row.c, row.t)
                continue
            when = datetime.fromtimestamp(row.t, tz=timezone.utc)
            out[symbol.upper()] = quote_from_price(symbol, row.c, when, NAME)
        return out

    async def bars(self, symbol: str, timeframe: Timeframe, count: int) -> list[Bar]:
        """Return up to ``count`` closed bars, oldest first (premium endpoint)."""
        if timeframe not in RESOLUTIONS:
            raise ValidationError(f"{NAME} has no {timeframe.value} candles", field="timeframe")
        now = self._clock()
        # Weekends hold no FX bars: ask for twice the span plus three days.
        span = timedelta(seconds=timeframe.seconds * (count + 1) * 2) + timedelta(days=3)
        body = await self._get(
            CANDLE_ENDPOINT,
            {
                "symbol": to_finnhub(symbol),
                "resolution": RESOLUTIONS[timeframe],
                "from": str(int((now - span).timestamp())),
                "to": str(int(now.timestamp())),
            },
        )
        candles = parse_row(FinnhubCandles, body, NAME, "candle answer")
        if candles is None:
            raise BadPayload(f"{NAME}: candle answer does not parse")
        if candles.s != "ok" or not candles.t:
            return []
        times, opens, highs, lows, closes = candles.t, candles.o, candles.h, candles.low, candles.c
        if (
            opens is None
            or highs is None
            or lows is None
            or closes is None
            or any(len(col) != len(times) for col in (opens, highs, lows, closes))
        ):
            raise BadPayload(f"{NAME}: candle arrays differ in length")
        volumes = candles.v if candles.v and len(candles.v) == len(times) else [0] * len(times)
        bars: list[Bar] = []
        # zip(strict=False): a ragged payload: the common prefix
        for t, o, h, low, c, v in zip(times, opens, highs, lows, closes, volumes, strict=False):
            row = parse_row(
                FinnhubCandleRow, {"t": t, "o": o, "h": h, "low": low, "c": c, "v": v or 0}, NAME, f"{symbol} candle"
            )
            if row is None:
                continue
            try:
                bars.append(
                    make_bar(
                        symbol,
                        timeframe,
                        datetime.fromtimestamp(row.t, tz=timezone.utc),
                        row.o,
                        row.h,
                        row.low,
                        row.c,
                        row.v,
                    )
                )
            except ValueError as exc:
                log.warning("%s: dropped a bad %s candle: %s", NAME, symbol, exc)
        return closed_only(bars, now, count)

    async def _get(self, endpoint: str, params: dict[str, str]) -> Any:
        if endpoint in self.paid_endpoints:
            raise PaidOnlyEndpoint(f"{NAME}: /{endpoint} needs a paid plan (refused before)")
        status, body = await get_json(
            self._client,
            NAME,
            f"{self._base}/{endpoint}",
            params=params,
            headers={"X-Finnhub-Token": self._key},
            secrets=[self._key],
        )
        message = body.get("error") if isinstance(body, dict) else None
        if status < 400 and not message:
            return body
        text = f"{NAME}: HTTP {status} {redact(str(message or body)[:200], [self._key])}"
        lowered = str(message or "").lower()
        if status == 403 and "access" in lowered:
            self.paid_endpoints.add(endpoint)
            raise PaidOnlyEndpoint(text)
        if status in (401, 403) or "api key" in lowered or "token" in lowered:
            raise ProviderAuthError(text)
        if "limit" in lowered:
            raise RateLimited(text, retry_after=60.0)
        if status >= 500:
            raise ProviderUnavailable(text)
        raise BadPayload(text)
