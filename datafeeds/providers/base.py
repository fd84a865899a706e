"""What every live price provider offers, and the symbol names each one uses.

A provider module (``yahoo``, ``twelvedata``, ``finnhub``, ``alphavantage``)
turns one venue's wire format into domain ``Quote`` and ``Bar`` values and its
failures into ``engine.errors``. The aggregator knows only ``QuoteProvider``.

Costs are counted in the provider's own unit: a *call* for Yahoo, Finnhub and
Alpha Vantage, a *credit* for Twelve Data (a batch of N symbols costs N).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol, runtime_checkable

from engine.errors import ValidationError
from engine.instruments import SPECS, InstrumentSpec
from engine.values import Bar, Quote, Timeframe


@dataclass(frozen=True, slots=True)
class ProviderLimits:
    """Request budget of one provider's free plan, in its cost unit.

    ``None`` means no such limit. A per-second cap only paces calls within a
    poll; it does not limit how many symbols a provider carries. ``official`` is false when the figure is a
    self-imposed budget (Yahoo publishes none). ``note`` says where a figure
    comes from or what is doubtful about it.
    """

    per_minute: int | None = None
    per_hour: int | None = None
    per_day: int | None = None
    official: bool = True
    note: str = ""
    per_second: int | None = None

    def windows(self) -> list[tuple[float, int]]:
        """Return the rolling windows as ``(seconds, max cost)`` pairs, shortest first."""
        out: list[tuple[float, int]] = []
        if self.per_second is not None:
            out.append((1.0, self.per_second))
        if self.per_minute is not None:
            out.append((60.0, self.per_minute))
        if self.per_hour is not None:
            out.append((3600.0, self.per_hour))
        return out


@dataclass(frozen=True, slots=True)
class Capabilities:
    """What a provider can serve on a free key.

    ``batch_size``: most symbols one quote request may carry.
    ``cost_per_symbol``: a batch costs one unit per symbol (Twelve Data)
    rather than one per request.
    ``bar_endpoints``: timeframe → the endpoint that serves it; the aggregator
    skips an endpoint once the provider has refused it as paid-only.
    ``quotes_reliable``: false when free-plan FX quotes are doubtful.
    ``quote_endpoint``: the endpoint quotes use (checked against paid-only refusals).
    ``unsupported``: symbols of ``engine.instruments.SPECS`` the provider cannot carry.
    """

    quotes: bool = True
    batch_size: int = 1
    cost_per_symbol: bool = True
    bar_endpoints: dict[Timeframe, str] = field(default_factory=dict)
    quotes_reliable: bool = True
    quote_endpoint: str = "quote"
    unsupported: frozenset[str] = frozenset()
    note: str = ""

    def quote_cost(self, n_symbols: int) -> int:
        """Return the cost of quoting ``n_symbols`` symbols (in as few batches as allowed)."""
        if n_symbols <= 0:
            return 0
        if self.cost_per_symbol:
            return n_symbols
        return math.ceil(n_symbols / self.batch_size)


@runtime_checkable
class QuoteProvider(Protocol):
    """One live price provider.

    ``quotes(symbols)`` takes at most ``capabilities.batch_size`` symbols and
    returns a quote for each symbol the provider answered for; a symbol with
    no data is left out (and logged), never invented. ``bars`` returns closed
    bars, oldest first, at most ``count``. Both raise ``engine.errors``:
    ``RateLimited``/``QuotaExhausted``/``ProviderUnavailable`` (temporary),
    ``ProviderAuthError``/``PaidOnlyEndpoint``/``BadPayload`` (permanent).
    ``paid_endpoints`` holds the endpoints this key was refused as paid-only;
    the provider never calls one of them again.
    """

    name: str
    needs_key: bool
    limits: ProviderLimits
    capabilities: Capabilities
    paid_endpoints: set[str]

    def supports(self, symbol: str) -> bool: ...

    async def quotes(self, symbols: Sequence[str]) -> dict[str, Quote]: ...

    async def bars(self, symbol: str, timeframe: Timeframe, count: int) -> list[Bar]: ...


def spec_of(symbol: str) -> InstrumentSpec:
    """Return the spec of ``symbol``; raise ``ValidationError`` naming the field when unknown."""
    spec = SPECS.get(symbol.upper()) if isinstance(symbol, str) else None
    if spec is None:
        raise ValidationError(f"unknown symbol {symbol!r}", field="symbol", code="unknown_symbol")
    return spec


# --- symbol names per venue -------------------------------------------------


def to_yahoo(symbol: str) -> str:
    """EURUSD → ``EURUSD=X`` (Yahoo's currency tickers)."""
    spec = spec_of(symbol)
    return f"{spec.base}{spec.quote}=X"


def from_yahoo(ticker: str) -> str:
    """``EURUSD=X`` → EURUSD."""
    return _known(ticker.upper().removesuffix("=X"), ticker)


def to_twelvedata(symbol: str) -> str:
    """EURUSD → ``EUR/USD``."""
    spec = spec_of(symbol)
    return f"{spec.base}/{spec.quote}"


def from_twelvedata(name: str) -> str:
    """``EUR/USD`` → EURUSD."""
    return _known(name.upper().replace("/", ""), name)


def to_finnhub(symbol: str) -> str:
    """EURUSD → ``OANDA:EUR_USD``."""
    spec = spec_of(symbol)
    return f"OANDA:{spec.base}_{spec.quote}"


def from_finnhub(name: str) -> str:
    """``OANDA:EUR_USD`` → EURUSD."""
    return _known(name.upper().split(":", 1)[-1].replace("_", ""), name)


def to_alphavantage(symbol: str) -> tuple[str, str]:
    """EURUSD → ``("EUR", "USD")`` (from/to currency parameters)."""
    spec = spec_of(symbol)
    return spec.base, spec.quote


def from_alphavantage(base: str, quote: str) -> str:
    """``("EUR", "USD")`` → EURUSD."""
    return _known(f"{base}{quote}".upper(), f"{base}+{quote}")


def _known(symbol: str, original: str) -> str:
    if symbol not in SPECS:
        raise ValidationError(f"unknown provider symbol {original!r}", field="symbol", code="unknown_symbol")
    return symbol


# --- building domain values -------------------------------------------------


def quote_from_price(symbol: str, price: float, time: datetime, source: str) -> Quote:
    """Build a quote from one mid price, using the symbol's typical spread.

    bid = price − spread / 2, ask = price + spread / 2, where spread =
    ``typical_spread_pips × pip_size``; both rounded to the symbol's digits.
    Used for providers that give a single rate rather than bid and ask.
    """
    spec = spec_of(symbol)
    half = spec.typical_spread_pips * spec.pip_size / 2.0
    return Quote(
        symbol=spec.symbol,
        bid=spec.round_price(price - half),
        ask=spec.round_price(price + half),
        time=time,
        source=source,
    )


def make_bar(
    symbol: str, timeframe: Timeframe, time: datetime, o: float, h: float, low: float, c: float, volume: float = 0.0
) -> Bar:
    """Build a bar rounded to the symbol's digits; raise ``ValueError`` when it is inconsistent."""
    spec = spec_of(symbol)
    r = spec.round_price
    return Bar(
        symbol=spec.symbol,
        timeframe=timeframe,
        time=time,
        open=r(o),
        high=r(h),
        low=r(low),
        close=r(c),
        volume=float(volume),
    )


def closed_only(bars: list[Bar], now: datetime, count: int) -> list[Bar]:
    """Sort bars oldest first, drop duplicates and the forming bar, keep the last ``count``."""
    by_time = {bar.time: bar for bar in bars}
    ordered = [by_time[t] for t in sorted(by_time)]
    closed = [b for b in ordered if b.time.timestamp() + b.timeframe.seconds <= now.timestamp()]
    return closed[-count:] if count > 0 else []
