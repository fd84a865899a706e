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
5. ``max_open_trades``: open trades + pending orders < the maximum;
6. ``max_open_per_symbol``: those of the signal's symbol < the maximum;
7. ``max_daily_loss_pct``: today's loss is below this % of the balance at the
   start of the UTC day. Today's loss = −(net result of trades closed since
   00:00 UTC + floating P&L of open trades), when positive.

Lots come from ``risk_percent``: the broker sizes the order so that hitting
the stop loses that % of equity.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from engine.errors import ValidationError
from engine.values import AccountSnapshot, Signal, SignalStatus, TradeRecord, TradeStatus


@dataclass(frozen=True, slots=True)
class AutoConfig:
    """Auto-execution settings (see module docstring). ``enabled`` is False by default."""

    enabled: bool = False
    min_confidence: float = 0.6
    min_rr: float = 1.5
    max_open_trades: int = 5
    max_open_per_symbol: int = 1
    max_daily_loss_pct: float = 3.0
    risk_percent: float = 1.0
    sources: frozenset[str] | None = None

    def __post_init__(self) -> None:
        checks = (
            ("min_confidence", 0.0 <= self.min_confidence <= 1.0, "a number in 0..1"),
            ("min_rr", math.isfinite(self.min_rr) and self.min_rr >= 0, "a number >= 0"),
            ("max_open_trades", self.max_open_trades >= 1, "at least 1"),
            ("max_open_per_symbol", self.max_open_per_symbol >= 1, "at least 1"),
            ("max_daily_loss_pct", 0 < self.max_daily_loss_pct <= 100, "in (0, 100]"),
            ("risk_percent", 0 < self.risk_percent <= 100, "in (0, 100]"),
        )
        for name, ok, rule in checks:
            if not ok:
                raise ValidationError(f"{name} must be {rule}, got {getattr(self, name)!r}", field=name)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> AutoConfig:
        """Build from a config table (e.g. TOML ``[signals.auto]``); unknown keys and bad types name the field."""
        kinds = {
            "enabled": bool,
            "min_confidence": float,
            "min_rr": float,
            "max_open_trades": int,
            "max_open_per_symbol": int,
            "max_daily_loss_pct": float,
            "risk_percent": float,
        }
        values: dict[str, Any] = {}
        for key, value in data.items():
            if key == "sources":
                if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
                    raise ValidationError("sources must be a list of model names", field="sources")
                values[key] = frozenset(value)
                continue
            kind = kinds.get(key)
            if kind is None:
                raise ValidationError(f"unknown auto-execution setting {key!r}", field=key)
            ok = (
                isinstance(value, bool)
                if kind is bool
                else (
                    isinstance(value, (int, float))
                    and not isinstance(value, bool)
                    and (kind is float or float(value).is_integer())
                )
            )
            if not ok:
                raise ValidationError(f"{key} must be a {kind.__name__}, got {value!r}", field=key)
            values[key] = kind(value)
        return cls(**values)


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
        if len(active) >= cfg.max_open_trades:
            return Decision(
                False, "max_open_trades", f"{len(active)} trades open, the maximum is {cfg.max_open_trades}"
            )
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
