"""Pydantic schemas of the providers' payloads, parsed at the edge.

Numbers arrive as strings (Twelve Data, Alpha Vantage) or JSON numbers
(Finnhub); ``Price`` accepts both and refuses NaN and infinities. Bar rows are
validated one by one (``parse_row``) so that one bad row is dropped with a
warning instead of failing the whole answer.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

log = logging.getLogger(__name__)

Price = Annotated[float, Field(allow_inf_nan=False, gt=0)]
Volume = Annotated[float, Field(allow_inf_nan=False, ge=0)]

M = TypeVar("M", bound=BaseModel)


class _Loose(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


def parse_row(model: type[M], row: Any, provider: str, what: str) -> M | None:
    """Validate one row; return ``None`` and log a warning when it is bad."""
    try:
        return model.model_validate(row)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        log.warning("%s: dropped a bad %s (%s: %s)", provider, what, where or "row", first.get("msg"))
        return None


def parse_utc(text: str) -> datetime:
    """Parse ``YYYY-MM-DD[ HH:MM[:SS]]`` given in UTC into an aware UTC datetime."""
    value = datetime.fromisoformat(text.strip().replace(" ", "T"))
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


# --- Twelve Data -------------------------------------------------------------


class TwelveDataError(_Loose):
    """``{"code": 429, "message": "...", "status": "error"}`` (often with HTTP 200)."""

    code: int
    message: str = ""
    status: str


class TwelveDataPrice(_Loose):
    """``/price``: ``{"price": "1.08650"}``."""

    price: Price


class TwelveDataRow(_Loose):
    """One ``/time_series`` value; all strings, newest first, no volume for FX."""

    datetime: str
    open: Price
    high: Price
    low: Price
    close: Price
    volume: Volume = 0.0


class TwelveDataSeries(_Loose):
    """``/time_series``: ``{"meta": {...}, "values": [...], "status": "ok"}``."""

    meta: dict[str, Any] = Field(default_factory=dict)
    values: list[Any] = Field(default_factory=list)
    status: str = "ok"


# --- Finnhub -----------------------------------------------------------------


class FinnhubQuote(_Loose):
    """``/quote``: ``c`` current price, ``t`` unix time (seconds); ``c == 0`` means no data."""

    c: Annotated[float, Field(allow_inf_nan=False, ge=0)]
    t: int = 0
    h: float | None = None
    low: float | None = Field(default=None, alias="l")
    o: float | None = None
    pc: float | None = None


class FinnhubCandles(_Loose):
    """``/forex/candle``: parallel arrays; ``s`` is ``ok`` or ``no_data`` (arrays may be null)."""

    s: str
    t: list[Any] | None = None
    o: list[Any] | None = None
    h: list[Any] | None = None
    low: list[Any] | None = Field(default=None, alias="l")
    c: list[Any] | None = None
    v: list[Any] | None = None


class FinnhubCandleRow(_Loose):
    """One candle assembled from the parallel arrays."""

    t: int
    o: Price
    h: Price
    low: Price
    c: Price
    v: Volume = 0.0


# --- Alpha Vantage -----------------------------------------------------------


class AlphaVantageRate(_Loose):
    """``CURRENCY_EXCHANGE_RATE`` → ``"Realtime Currency Exchange Rate"`` object."""

    from_code: str = Field(alias="1. From_Currency Code")
    to_code: str = Field(alias="3. To_Currency Code")
    rate: Price = Field(alias="5. Exchange Rate")
    last_refreshed: str = Field(alias="6. Last Refreshed")
    time_zone: str = Field(default="UTC", alias="7. Time Zone")
    bid: Any = Field(default=None, alias="8. Bid Price")
    ask: Any = Field(default=None, alias="9. Ask Price")


class AlphaVantageRow(_Loose):
    """One ``Time Series FX (...)`` value: ``{"1. open": "1.1", ...}``."""

    open: Price = Field(alias="1. open")
    high: Price = Field(alias="2. high")
    low: Price = Field(alias="3. low")
    close: Price = Field(alias="4. close")
