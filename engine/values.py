"""Domain values shared by every layer: enums, quotes, bars, trades, signals.

Conventions used everywhere:
- times are timezone-aware UTC ``datetime``; naive datetimes are refused;
- prices are ``float`` rounded to the symbol's digits;
- money (P&L, commission, swap, balance) is ``Decimal`` rounded to the cent;
- lots are ``Decimal`` on the symbol's lot step;
- pips are ``float``; positive is a gain for the trade.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, overload

CENT = Decimal("0.01")


def money(value: Decimal | float | int | str) -> Decimal:
    """Round an amount to the cent (half up), as an exact ``Decimal``."""
    if isinstance(value, float):
        value = repr(value)
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def utc(value: datetime) -> datetime:
    """Return ``value`` in UTC; raise ``ValueError`` when it is naive."""
    if value.tzinfo is None:
        raise ValueError("naive datetime: times must carry a timezone (UTC)")
    return value.astimezone(timezone.utc)


@overload
def iso(value: datetime) -> str: ...
@overload
def iso(value: None) -> None: ...
@overload
def iso(value: datetime | None) -> str | None: ...
def iso(value: datetime | None) -> str | None:
    """Format a time as ISO 8601 UTC with milliseconds: ``2026-11-24T17:00:00.123Z``."""
    if value is None:
        return None
    if value.tzinfo is not timezone.utc or value.year < 1000:  # else the same text, formatted faster
        value = utc(value)
        return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"
    return "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ" % (  # noqa: UP031  (the measured fast path)
        value.year,
        value.month,
        value.day,
        value.hour,
        value.minute,
        value.second,
        value.microsecond // 1000,
    )


class Side(str, enum.Enum):
    """Direction of an order or trade."""

    BUY = "buy"
    SELL = "sell"

    @property
    def sign(self) -> int:
        """+1 for buy, -1 for sell: profit in price units is ``sign * (exit - entry)``."""
        return 1 if self is Side.BUY else -1


class OrderType(str, enum.Enum):
    MARKET = "market"
    LIMIT = "limit"
    STOP = "stop"


class TradeStatus(str, enum.Enum):
    PENDING = "pending"
    OPEN = "open"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class CloseReason(str, enum.Enum):
    SL = "sl"
    TP = "tp"
    TRAILING = "trailing"
    MANUAL = "manual"
    PARTIAL = "partial"
    STOP_OUT = "stop_out"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


class SignalStatus(str, enum.Enum):
    NEW = "new"
    EXECUTED = "executed"
    EXPIRED = "expired"
    REJECTED = "rejected"
    DISMISSED = "dismissed"


class Timeframe(str, enum.Enum):
    """Bar timeframes; ``seconds`` is the bar length, ``pandas_rule`` its resample rule."""

    M1 = "M1"
    M5 = "M5"
    M15 = "M15"
    M30 = "M30"
    H1 = "H1"
    H4 = "H4"
    D1 = "D1"

    @property
    def seconds(self) -> int:
        return _TF_SECONDS[self.value]

    @property
    def pandas_rule(self) -> str:
        return _TF_RULES[self.value]

    def floor(self, when: datetime) -> datetime:
        """Return the open time of the bar that contains ``when`` (UTC, epoch-aligned)."""
        ts = utc(when).timestamp()
        return datetime.fromtimestamp(ts - ts % self.seconds, tz=timezone.utc)


_TF_SECONDS = {"M1": 60, "M5": 300, "M15": 900, "M30": 1800, "H1": 3600, "H4": 14400, "D1": 86400}
_TF_RULES = {"M1": "1min", "M5": "5min", "M15": "15min", "M30": "30min", "H1": "1h", "H4": "4h", "D1": "1D"}


@dataclass(frozen=True, slots=True)
class Quote:
    """A bid/ask price of one symbol at one time, from ``source``.

    ``stale`` is true when the price is not fresh (from a cache or the journal
    after every provider failed); a stale quote never triggers SL/TP.
    """

    symbol: str
    bid: float
    ask: float
    time: datetime
    source: str = "sim"
    stale: bool = False

    def __post_init__(self) -> None:
        if not (math.isfinite(self.bid) and math.isfinite(self.ask)):
            raise ValueError(f"{self.symbol}: bid/ask must be finite numbers")
        if self.bid <= 0 or self.ask <= 0:
            raise ValueError(f"{self.symbol}: bid/ask must be positive")
        if self.ask < self.bid:
            raise ValueError(f"{self.symbol}: ask {self.ask} below bid {self.bid}")
        if self.time.tzinfo is None:
            raise ValueError(f"{self.symbol}: quote time must be UTC-aware")

    @property
    def mid(self) -> float:
        return (self.bid + self.ask) / 2.0


@dataclass(frozen=True, slots=True)
class Bar:
    """One OHLC bar; ``time`` is the bar's open time (UTC). Prices are bid prices."""

    symbol: str
    timeframe: Timeframe
    time: datetime
    open: float
    high: float
    low: float
    close: float
    volume: float = 0.0

    def __post_init__(self) -> None:
        values = (self.open, self.high, self.low, self.close, self.volume)
        if not all(math.isfinite(v) for v in values):
            raise ValueError(f"{self.symbol} {self.time}: OHLCV must be finite numbers")
        if not (self.high >= max(self.open, self.close) and min(self.open, self.close) >= self.low):
            raise ValueError(f"{self.symbol} {self.time}: high >= max(open, close) >= min(open, close) >= low violated")
        if self.time.tzinfo is None:
            raise ValueError(f"{self.symbol}: bar time must be UTC-aware")


@dataclass(frozen=True, slots=True)
class TradeRecord:
    """A trade or pending order as users see it (the REST trade of DESIGN).

    ``pnl`` is the gross result of the price move in account currency;
    ``commission`` is the positive amount charged; ``swap`` is signed
    (credit +, charge −); net = pnl − commission + swap. ``pips`` is signed
    (+ gain). ``mfe_pips``/``mae_pips`` are the most favourable (≥ 0) and most
    adverse (≤ 0) excursions from the entry while open.
    """

    id: int
    symbol: str
    side: Side
    order_type: OrderType
    status: TradeStatus
    lots: Decimal
    requested_price: float | None
    entry_price: float | None
    sl: float | None
    tp: float | None
    trailing_pips: float | None
    open_time: datetime | None
    close_time: datetime | None
    close_price: float | None
    close_reason: CloseReason | None
    pips: float
    pnl: Decimal
    commission: Decimal
    swap: Decimal
    mfe_pips: float
    mae_pips: float
    signal_id: int | None
    parent_id: int | None
    comment: str
    created_at: datetime | None = None
    expires_at: datetime | None = None
    mirror_ticket: str | None = None
    mirror_state: str | None = None

    @property
    def net(self) -> Decimal:
        """Net result: pnl − commission + swap."""
        return self.pnl - self.commission + self.swap


@dataclass(frozen=True, slots=True)
class AccountSnapshot:
    """Account state in account currency.

    equity = balance + floating (net) P&L of open trades; free_margin = equity −
    margin; margin_level = equity / margin × 100 (None when no margin is used).
    """

    balance: Decimal
    equity: Decimal
    margin: Decimal
    free_margin: Decimal
    margin_level: float | None
    currency: str
    leverage: int
    initial_balance: Decimal


@dataclass(frozen=True, slots=True)
class PatternPoint:
    """A labelled point of a chart pattern (e.g. X, A, B, C, D)."""

    label: str
    time: datetime
    price: float


def reward_risk(entry: float, sl: float | None, tp: float | None) -> float | None:
    """Reward:risk = |tp − entry| / |entry − sl|; None without a stop or a target, or a stop at the entry."""
    if sl is None or tp is None:
        return None
    risk = abs(entry - sl)
    return abs(tp - entry) / risk if risk > 0 else None


@dataclass(frozen=True, slots=True)
class Signal:
    """A trading signal (DESIGN's signal).

    ``rr`` is reward:risk = |tp − entry| / |entry − sl|. ``confidence`` is in
    0..1. ``pattern`` is ``{"name": str, "points": [PatternPoint, ...]}`` for
    pattern signals, else None.
    """

    id: int | None
    symbol: str
    side: Side
    entry: float
    sl: float
    tp: float
    confidence: float
    source: str
    timeframe: Timeframe | None
    created_at: datetime
    expires_at: datetime
    status: SignalStatus = SignalStatus.NEW
    pattern: dict[str, Any] | None = None
    reason: str | None = None
    trade_id: int | None = None

    @property
    def rr(self) -> float:
        """Reward:risk at the signal's entry (``reward_risk``); 0 when the stop is at the entry."""
        return reward_risk(self.entry, self.sl, self.tp) or 0.0


DEFAULT_SIGNAL_LIFETIME = timedelta(minutes=30)


@dataclass(frozen=True, slots=True)
class FeedStatus:
    """Health of one price provider or bridge, for the status bar and ``GET feeds/``."""

    name: str
    enabled: bool
    healthy: bool
    last_error: str | None = None
    calls_used_today: int = 0
    calls_left_today: int | None = None
    in_use: bool = False
    details: dict[str, Any] = field(default_factory=dict)
