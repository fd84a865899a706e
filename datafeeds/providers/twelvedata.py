"""Twelve Data REST provider (``https://api.twelvedata.com``).

Free (Basic) plan: 8 credits per minute, 800 per day; ``/price`` and
``/time_series`` cost one credit per symbol, so a comma batch of N symbols
costs N. Errors often come with HTTP 200 and ``"status": "error"`` in the
body; both the HTTP status and the body code are checked. The key travels in
the ``Authorization: apikey KEY`` header, never in the URL.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from datafeeds.providers.base import (
    Capabilities,
    ProviderLimits,
    closed_only,
    from_twelvedata,
    make_bar,
    quote_from_price,
    to_twelvedata,
)
from datafeeds.providers.http import KeyedHttpProvider, get_json, redact
from datafeeds.providers.schemas import (
    TwelveDataError,
    TwelveDataPrice,
    TwelveDataRow,
    TwelveDataSeries,
    parse_row,
    parse_utc,
)
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
from engine.values import Bar, Quote, Timeframe

log = logging.getLogger(__name__)

NAME = "twelvedata"
DEFAULT_BASE_URL = "https://api.twelvedata.com"
BASE_URL_ENV = "PAPER_TERMINAL_TWELVEDATA_BASE_URL"

INTERVALS = {
    Timeframe.M1: "1min",
    Timeframe.M5: "5min",
    Timeframe.M15: "15min",
    Timeframe.M30: "30min",
    Timeframe.H1: "1h",
    Timeframe.H4: "4h",
    Timeframe.D1: "1day",
}


class TwelveDataProvider(KeyedHttpProvider):
    """Quotes from ``/price`` (batched, up to 8 symbols) and bars from ``/time_series``.

    ``/price`` gives a single price and no time: the quote's bid/ask are built
    around it from the symbol's typical spread (``quote_from_price``) and its
    time is the time of the answer.
    """

    BASE_URL_ENV = BASE_URL_ENV
    DEFAULT_BASE_URL = DEFAULT_BASE_URL

    name = NAME
    needs_key = True
    limits = ProviderLimits(
        per_minute=8, per_day=800, note="Basic plan: 8 credits/min, 800/day; N credits per N-symbol batch"
    )
    capabilities = Capabilities(
        quote_endpoint="price",
        batch_size=8,
        cost_per_symbol=True,
        bar_endpoints=dict.fromkeys(INTERVALS, "time_series"),
    )

    async def quotes(self, symbols: Sequence[str]) -> dict[str, Quote]:
        """Return the latest price of each symbol (one request, one credit per symbol)."""
        if not symbols:
            return {}
        if len(symbols) > self.capabilities.batch_size:
            raise ValidationError(f"at most {self.capabilities.batch_size} symbols per request", field="symbols")
        names = [to_twelvedata(s) for s in symbols]
        body = await self._get("price", {"symbol": ",".join(names)})
        now = self._clock()
        if len(names) == 1:
            entries = {names[0]: body}
        else:
            if not isinstance(body, dict):
                raise BadPayload(f"{NAME}: /price batch answer is not an object")
            entries = body
        out: dict[str, Quote] = {}
        for name in names:
            entry = entries.get(name)
            if isinstance(entry, dict) and entry.get("status") == "error":
                log.warning("%s: no price for %s: %s", NAME, name, redact(str(entry.get("message", "")), [self._key]))
                continue
            row = parse_row(TwelveDataPrice, entry, NAME, f"price of {name}")
            if row is None:
                continue
            symbol = from_twelvedata(name)
            out[symbol] = quote_from_price(symbol, row.price, now, NAME)
        return out

    async def bars(self, symbol: str, timeframe: Timeframe, count: int) -> list[Bar]:
        """Return up to ``count`` closed bars, oldest first (one credit)."""
        name = to_twelvedata(symbol)
        body = await self._get(
            "time_series",
            {
                "symbol": name,
                "interval": INTERVALS[timeframe],
                "outputsize": str(max(1, min(5000, count + 1))),
                "timezone": "UTC",
            },
        )
        series = parse_row(TwelveDataSeries, body, NAME, "time_series answer")
        if series is None:
            raise BadPayload(f"{NAME}: time_series answer does not parse")
        bars: list[Bar] = []
        for raw in series.values:
            row = parse_row(TwelveDataRow, raw, NAME, f"{name} bar")
            if row is None:
                continue
            try:
                bars.append(
                    make_bar(
                        symbol, timeframe, parse_utc(row.datetime), row.open, row.high, row.low, row.close, row.volume
                    )
                )
            except ValueError as exc:
                log.warning("%s: dropped a bad %s bar: %s", NAME, name, exc)
        return closed_only(bars, self._clock(), count)

    async def _get(self, endpoint: str, params: dict[str, str]) -> Any:
        if endpoint in self.paid_endpoints:
            raise PaidOnlyEndpoint(f"{NAME}: /{endpoint} needs a paid plan (refused before)")
        status, body = await get_json(
            self._client,
            NAME,
            f"{self._base}/{endpoint}",
            params=params,
            headers={"Authorization": f"apikey {self._key}"},
            secrets=[self._key],
        )
        self._raise_for_error(endpoint, status, body)
        return body

    def _raise_for_error(self, endpoint: str, status: int, body: Any) -> None:
        """Map an error (HTTP status or a ``status: error`` body) to ``engine.errors``."""
        is_error_body = isinstance(body, dict) and body.get("status") == "error"
        if status < 400 and not is_error_body:
            return
        err = parse_row(TwelveDataError, body, NAME, "error body") if is_error_body else None
        code = err.code if err is not None else status
        message = redact(err.message if err is not None else str(body)[:200], [self._key])
        text = f"{NAME}: {code} {message}".strip()
        if code == 429:
            if "day" in message.lower():
                raise QuotaExhausted(text)
            raise RateLimited(text, retry_after=60.0)
        if code == 401:
            raise ProviderAuthError(text)
        if code == 403:
            if any(w in message.lower() for w in ("plan", "upgrade", "pro ", "grow", "exclusive")):
                self.paid_endpoints.add(endpoint)
                raise PaidOnlyEndpoint(text)
            raise ProviderAuthError(text)
        if code == 404:
            raise NotFound(text, field="symbol")
        if code == 400:
            raise ValidationError(text, field="symbol", code="bad_request")
        if code >= 500:
            raise ProviderUnavailable(text)
        raise BadPayload(text)
