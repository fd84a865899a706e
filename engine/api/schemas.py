"""Pydantic schemas of the REST API, kept apart from the ORM and the domain.

Inputs (``*In``) are parsed at the edge, then turned into domain requests;
outputs (``*Out``) document the JSON that ``engine.api.serialize`` produces.
Every numeric input is finite and bounded; every text input has a maximum
length, so no client input can reach the engine unchecked.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, create_model
from pydantic_core import PydanticCustomError

from engine import trade_schema
from engine.bounds import MAX_BALANCE, MAX_PIPS, MAX_PRICE, TIME_OUT_OF_RANGE, TIME_RANGE_TEXT, time_problem
from engine.errors import ValidationError
from engine.trade_schema import View
from engine.values import OrderType, Side, SignalStatus, Timeframe

SYMBOL_PATTERN = r"^[A-Za-z0-9._]{1,20}$"
MAX_LIMIT = 1000


def _not_bool(value: Any) -> Any:
    """JSON ``true``/``false`` are not numbers (pydantic would read them as 1 and 0)."""
    if isinstance(value, bool):
        raise PydanticCustomError("bool_not_number", "a number is required, not true or false")
    return value


def _in_time_range(value: datetime) -> datetime:
    """Refuse a time outside ``engine.bounds``' supported range (naive times are judged by the routes)."""
    if time_problem(value) is not None:
        raise PydanticCustomError(
            TIME_OUT_OF_RANGE,
            "{when} is outside the supported range {range}",
            {"when": value.isoformat(), "range": TIME_RANGE_TEXT},
        )
    return value


NotBool = BeforeValidator(_not_bool)
Time = Annotated[
    datetime, AfterValidator(_in_time_range), Field(description=f"ISO 8601 with an offset, from {TIME_RANGE_TEXT}")
]
Symbol = Annotated[str, Field(pattern=SYMBOL_PATTERN, description="e.g. EURUSD")]
Price = Annotated[float, NotBool, Field(gt=0, lt=MAX_PRICE, allow_inf_nan=False)]
Lots = Annotated[Decimal, NotBool, Field(gt=0, le=10_000, max_digits=12, decimal_places=4, allow_inf_nan=False)]
RiskPercent = Annotated[float, NotBool, Field(gt=0, le=100, allow_inf_nan=False, description="% of balance at risk")]
Pips = Annotated[float, NotBool, Field(gt=0, le=MAX_PIPS, allow_inf_nan=False)]
Comment = Annotated[str, Field(max_length=200)]
Id = Annotated[int, NotBool, Field(ge=1, le=2**53)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ErrorDetail(BaseModel):
    code: str = Field(description="machine-readable reason, e.g. invalid_stops, not_found")
    message: str
    field: str | None = Field(default=None, description="the offending field, when one is to blame")


class ErrorOut(BaseModel):
    """Every error response: ``{"error": {"code", "message", "field"}}``."""

    error: ErrorDetail


class TradeIn(_In):
    """``POST trades/execute/``: open a market trade or place a pending order.

    Each field is bounded here; the rules across fields (``lots`` or ``risk_percent``, a price
    for a pending order only...) are ``engine.orders.OrderRequest.validate``'s, as for every order.
    """

    symbol: Symbol
    side: Side
    order_type: OrderType = OrderType.MARKET
    lots: Lots | None = None
    risk_percent: RiskPercent | None = None
    price: Price | None = Field(default=None, description="pending orders only")
    sl: Price | None = None
    tp: Price | None = None
    trailing_pips: Pips | None = None
    expires_at: Time | None = Field(default=None, description="pending orders only; ISO 8601 with offset")
    signal_id: Id | None = None
    comment: Comment = ""


class TradePatch(_In):
    """``PATCH trades/{id}/``: give only the fields to change; null removes sl/tp/trailing."""

    sl: Price | None = None
    tp: Price | None = None
    trailing_pips: Pips | None = None
    price: Price | None = Field(default=None, description="pending orders only")

    def changes(self) -> dict[str, Any]:
        """Return the fields the client sent (``null`` included), or raise naming the problem."""
        sent = {name: getattr(self, name) for name in self.model_fields_set}
        if not sent:
            raise ValidationError("give at least one of sl, tp, trailing_pips, price", "sl", "empty")
        if "price" in sent and sent["price"] is None:
            raise ValidationError("price cannot be removed", "price", "invalid")
        return sent


class CloseIn(_In):
    """``POST trades/{id}/close/``: ``lots`` closes part of an open trade; none closes it all."""

    lots: Lots | None = None


class ResetIn(_In):
    """``POST account/reset/``: a fresh account; omitted fields keep their current values."""

    balance: (
        Annotated[Decimal, NotBool, Field(gt=0, le=MAX_BALANCE, max_digits=16, decimal_places=2, allow_inf_nan=False)]
        | None
    ) = None
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] | None = None
    leverage: Annotated[int, NotBool, Field(ge=1, le=3000)] | None = None


class PatternPointIn(_In):
    label: Annotated[str, Field(max_length=20)]
    time: Time
    price: Price


class PatternIn(_In):
    name: Annotated[str, Field(min_length=1, max_length=60)]
    points: Annotated[list[PatternPointIn], Field(max_length=50)] = []


class SignalIn(_In):
    """``POST signals/``: an external signal; the SignalBook validates prices against the market."""

    symbol: Symbol
    side: Side
    entry: Price
    sl: Price
    tp: Price
    confidence: Annotated[float, NotBool, Field(ge=0, le=1, allow_inf_nan=False)] = 0.5
    source: Annotated[str, Field(min_length=1, max_length=60)] = "external"
    timeframe: Timeframe | None = None
    expires_at: Time | None = Field(default=None, description="default: 30 minutes after receipt")
    pattern: PatternIn | None = None


class SignalExecuteIn(_In):
    """``POST signals/{id}/execute/``: override the automatic lot sizing."""

    risk_percent: RiskPercent | None = None
    lots: Lots | None = None
    confirm_drift: bool = Field(
        default=True,
        description=(
            "false: refuse (400, code drift, field confirm_drift) a signal whose price has drifted beyond the "
            "max drift instead of executing it; ask the person, then send true. Default true (as before the flag)."
        ),
    )


def _trade_out() -> type[BaseModel]:
    """``TradeOut``: the REST trade, generated from ``engine.trade_schema`` (its ``WIRE`` fields, in order).

    DESIGN's fields are required; the others (``expires_at``, the mirror's) default to null.
    """
    design = set(trade_schema.names(View.DESIGN))
    definitions: dict[str, Any] = {
        f.name: (f.json_type, ... if f.name in design else Field(None, description=f.description or None))
        for f in trade_schema.fields(View.WIRE)
    }
    model: type[BaseModel] = create_model("TradeOut", **definitions)
    return model


if TYPE_CHECKING:  # mypy sees a model class; its fields exist only at run time

    class TradeOut(BaseModel):
        """The REST trade (``_trade_out``)."""

else:
    TradeOut = _trade_out()


class TradeList(BaseModel):
    items: list[TradeOut]
    total: int
    limit: int
    offset: int


class AccountOut(BaseModel):
    balance: float
    equity: float
    margin: float
    free_margin: float
    margin_level: float | None
    currency: str
    leverage: int
    initial_balance: float


class PriceOut(BaseModel):
    symbol: str
    bid: float
    ask: float
    mid: float
    spread_pips: float
    time: str
    source: str
    stale: bool


class BarOut(BaseModel):
    time: str
    open: float
    high: float
    low: float
    close: float
    volume: float


class OhlcOut(BaseModel):
    symbol: str
    timeframe: Timeframe
    bars: list[BarOut]


class SignalOut(BaseModel):
    id: int | None
    symbol: str
    side: Side
    entry: float
    sl: float
    tp: float
    confidence: float
    rr: float
    source: str
    timeframe: str | None
    created_at: str | None
    expires_at: str | None
    status: SignalStatus
    pattern: dict[str, Any] | None
    reason: str | None = None
    trade_id: int | None = None
    executable: bool | None = None  # SignalBook.assess: can it be executed now (issue 14)
    execution: dict[str, Any] | None = None


class SignalList(BaseModel):
    items: list[SignalOut]
    total: int


class FeedOut(BaseModel):
    name: str
    enabled: bool
    healthy: bool
    last_error: str | None
    calls_used_today: int
    calls_left_today: int | None
    in_use: bool
    details: dict[str, Any]


class JournalOut(BaseModel):
    """The journal's state (``engine.service_journal.JournalStatus``): ``ok``, ``unavailable`` or ``read_only``."""

    state: str
    message: str
    since: str | None
    last_error: str | None
    pending_changes: int
    failures: int
    retry_in: float | None


class FeedList(BaseModel):
    items: list[FeedOut]
    journal: JournalOut | None = None


class EquityPoint(BaseModel):
    time: str | None
    balance: float | None
    equity: float | None


class PerformanceOut(BaseModel):
    """DESIGN's performance figures; the definitions are in ``engine/performance.py``."""

    model_config = ConfigDict(extra="allow")

    total_trades: int
    wins: int
    losses: int
    breakeven: int
    win_rate: float | None
    total_pips: float | None
    net_profit: float | None
    gross_profit: float | None
    gross_loss: float | None
    profit_factor: float | None
    expected_payoff: float | None
    equity_curve: list[EquityPoint]
    stats: dict[str, dict[str, Any]] | None = None  # the signal report per source (engine/signals/stats.py)


class SpecOut(BaseModel):
    """A symbol's trading spec; ``pip_value``: account currency per pip of 1 lot now (null: no rate yet)."""

    digits: int
    pip_size: float
    contract_size: int
    lot_min: float
    lot_max: float
    lot_step: float
    base: str
    quote: str
    pip_value: float | None


class SymbolList(BaseModel):
    items: list[str]
    specs: dict[str, SpecOut] = Field(default_factory=dict)


class SessionOut(BaseModel):
    role: str = Field(description="viewer (reads only) or trading (reads and writes)")


class HealthOut(BaseModel):
    status: str
    time: str
    version: str
