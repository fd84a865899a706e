"""Auto-execution rules: which incoming signals trade on their own (off by default).

A signal is executed automatically only when ``enabled`` and every rule
passes, checked in this order (the first that fails is the reason given, and
the signal is journaled as ``rejected`` with it), after the common rule of
``engine.signals.executable.assess`` (not expired, a fresh price, not beyond
its levels, sizable, and not drifted beyond the max drift: a drifted signal
is never executed without a person):

1. ``one_trade_per_signal``: the signal is still ``new`` and has no trade;
2. ``sources``: when set, the signal's source is one of them;
3. ``min_confidence``: confidence >= the minimum;
4. ``min_rr``: reward:risk >= the minimum — the effective R:R at the live
   price when known (``engine.signals.executable``), else the signal's
   |tp − entry| / |entry − sl|;
5. ``max_open_per_symbol``: open trades + pending orders of the signal's symbol < the maximum;
6. ``max_daily_loss_pct``: today's loss is below this % of the balance at the
   start of the UTC day. Today's loss = −(net result of trades closed since
   00:00 UTC + floating P&L of open trades), when positive.

Lots come from ``risk_percent``: the broker sizes the order so that hitting
the stop loses that % of equity. How many trades may be open at once is the
engine's ``max_open_trades``, the one limit of every order source (checked by
``assess`` first, and by the engine when the order is placed).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic import ValidationError as PydanticValidationError

from engine.errors import ValidationError
from engine.values import AccountSnapshot, Signal, SignalStatus, TradeRecord, TradeStatus


class AutoConfig(BaseModel):
    """Auto-execution settings, the config file's ``[signals.auto]`` table (module docstring).

    ``enabled`` is False by default. Values must have their type as TOML writes it (``true``,
    ``0.7``, ``2``); a bad one or an unknown key is refused naming it (``from_mapping``).
    """

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)

    enabled: bool = Field(False, description="execute new signals automatically")
    min_confidence: float = Field(0.6, ge=0, le=1, description="confidence >= this")
    min_rr: float = Field(1.5, ge=0, allow_inf_nan=False, description="reward:risk >= this")
    max_open_per_symbol: int = Field(1, ge=1, description="open trades + pending orders of the symbol < this")
    max_daily_loss_pct: float = Field(
        3.0, gt=0, le=100, description="today's loss < this % of the day's starting balance"
    )
    risk_percent: float = Field(1.0, gt=0, le=100, description="lot size: the stop loses this % of equity")
    sources: frozenset[str] | None = Field(None, description="only these models trade automatically (all: unset)")

    @field_validator("sources", mode="before")
    @classmethod
    def _sources(cls, value: Any) -> Any:
        if value is None or isinstance(value, frozenset):
            return value
        if not isinstance(value, (list, tuple, set)) or not all(isinstance(v, str) for v in value):
            raise ValueError("sources must be a list of model names")
        return frozenset(value)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> AutoConfig:
        """Build from a config table (e.g. TOML ``[signals.auto]``); a bad entry raises
        ``ValidationError`` naming its key."""
        try:
            return cls.model_validate(dict(data))
        except PydanticValidationError as exc:
            error = exc.errors()[0]
            key = str(error["loc"][0]) if error["loc"] else None
            message = error["msg"].removeprefix("Value error, ")
            if error["type"] == "extra_forbidden":
                message = f"unknown auto-execution setting {key!r}"
            raise ValidationError(f"{key}: {message}" if key else message, field=key) from None


@dataclass(frozen=True, slots=True)
class Decision:
    """The verdict on one signal: ``accept``, else a machine ``code`` and a human ``reason``."""

    accept: bool
    code: str | None = None
    reason: str | None = None


ACCEPT = Decision(True)


@dataclass(frozen=True, slots=True)
class TradingContext:
    """What the rules look at: active trades, the account and today's realised net result."""

    active_trades: Sequence[TradeRecord]
    account: AccountSnapshot
    realised_today: Decimal


def daily_loss(context: TradingContext) -> Decimal:
    """Today's loss as a positive amount (0 when today is flat or positive)."""
    floating = context.account.equity - context.account.balance
    return max(Decimal("0"), -(context.realised_today + floating))


class AutoExecutor:
    """Apply the rules of an ``AutoConfig`` to signals."""

    def __init__(self, config: AutoConfig | None = None) -> None:
        self.config = config or AutoConfig()

    @property
    def enabled(self) -> bool:
        return self.config.enabled

    def decide(self, signal: Signal, context: TradingContext, rr: float | None = None) -> Decision:
        """Return whether ``signal`` may be executed now, and why not (``rr``: the effective R:R)."""
        cfg = self.config
        if signal.status is not SignalStatus.NEW or signal.trade_id is not None:
            return Decision(False, "already_handled", f"signal is {signal.status.value}; a signal trades at most once")
        if cfg.sources is not None and signal.source not in cfg.sources:
            return Decision(False, "source", f"source {signal.source!r} is not enabled for auto-execution")
        if signal.confidence < cfg.min_confidence:
            return Decision(
                False,
                "min_confidence",
                f"confidence {signal.confidence:.2f} below the minimum {cfg.min_confidence:.2f}",
            )
        effective = signal.rr if rr is None else rr
        if effective < cfg.min_rr:
            return Decision(False, "min_rr", f"reward:risk {effective:.2f} below the minimum {cfg.min_rr:.2f}")
        active = [t for t in context.active_trades if t.status in (TradeStatus.OPEN, TradeStatus.PENDING)]
        on_symbol = sum(1 for t in active if t.symbol == signal.symbol)
        if on_symbol >= cfg.max_open_per_symbol:
            return Decision(
                False,
                "max_open_per_symbol",
                f"{on_symbol} trades open on {signal.symbol}, the maximum is {cfg.max_open_per_symbol}",
            )
        loss = daily_loss(context)
        start_balance = context.account.balance - context.realised_today
        limit = start_balance * Decimal(str(cfg.max_daily_loss_pct)) / 100
        if loss >= limit:
            return Decision(
                False,
                "max_daily_loss",
                f"today's loss {loss:.2f} {context.account.currency} reached the limit "
                f"{limit:.2f} ({cfg.max_daily_loss_pct}% of the day's starting balance)",
            )
        return ACCEPT
