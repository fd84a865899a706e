"""The one rule for "can this signal be executed now, and how": ``assess``.

Used by ``SignalBook.execute``, auto-execution, the signal panel and the REST
representation of a signal (``executable`` and ``execution``), so all of them
say the same thing for the same signal at the same moment.

Definitions (prices in the symbol's units, pips by its pip size):

- *live price*: where a market order would fill now — the ask for a buy,
  the bid for a sell (the engine's last fresh quote);
- *drift* = |live price − signal entry| / pip, in pips (it includes the
  spread when the entry was taken on the bid, as the built-in models do: it
  is what the trader actually gets compared with what the signal says);
- *max drift* = min(``max_pips``, ``max_stop_fraction`` × stop distance in
  pips of the signal, |entry − sl| / pip) — by default 3 pips or 25 % of the
  stop, whichever is smaller;
- *effective R:R* = (tp − live) / (live − sl) for a buy, (live − tp) / (sl − live)
  for a sell — the reward:risk the trade really gets;
- *lots*: those the broker would trade, sized at the live price (``risk_percent``
  of equity lost at the stop), or the lots given.

Not executable (``executable`` False, with a ``code`` and a readable
``reason``), checked in this order: the signal is no longer new
(``not_new``); it has expired on the market clock (``expired``); there is
no price (``no_price``) or only a stale one (``stale_price``); the live price
is already at or beyond the SL (on the price the SL triggers on: the bid
for a buy) or leaves no reward to the TP (``beyond_level``); the open-trade limit
is reached (``max_open_trades``); the broker cannot size it (its code, e.g.
``risk_too_small``). An executable signal whose drift exceeds the max drift
``needs_confirmation``: a person is asked first (showing the effective R:R),
auto-execution declines it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from engine.errors import OrderRejectedError, PaperTerminalError, ValidationError
from engine.instruments import SPECS
from engine.orders import check_open_limit
from engine.values import Quote, Signal, SignalStatus


@dataclass(frozen=True, slots=True)
class DriftLimit:
    """The max drift: min(``max_pips``, ``max_stop_fraction`` × the stop in pips) (see module docstring)."""

    max_pips: float = 3.0
    max_stop_fraction: float = 0.25

    def __post_init__(self) -> None:
        if not (isinstance(self.max_pips, (int, float)) and math.isfinite(self.max_pips) and self.max_pips >= 0):
            raise ValidationError(
                f"max_drift_pips must be a number >= 0, got {self.max_pips!r}", field="max_drift_pips"
            )
        if not (isinstance(self.max_stop_fraction, (int, float)) and 0 <= self.max_stop_fraction <= 10):
            raise ValidationError(
                f"max_drift_stop_fraction must be a number in 0..10, got {self.max_stop_fraction!r}",
                field="max_drift_stop_fraction",
            )

    @classmethod
    def from_mapping(cls, table: Any) -> DriftLimit:
        """From the config file's ``[signals]`` table: ``max_drift_pips``, ``max_drift_stop_fraction``."""
        values: dict[str, float] = {}
        for key, name in (("max_drift_pips", "max_pips"), ("max_drift_stop_fraction", "max_stop_fraction")):
            if key in table:
                value = table[key]
                if isinstance(value, bool) or not isinstance(value, (int, float)):
                    raise ValidationError(f"{key} must be a number, got {value!r}", field=key)
                values[name] = float(value)
        return cls(**values)

    def pips(self, stop_pips: float) -> float:
        """The max drift in pips for a stop of ``stop_pips``."""
        return min(float(self.max_pips), float(self.max_stop_fraction) * stop_pips)


@dataclass(frozen=True, slots=True)
class Assessment:
    """The answer of ``assess`` (fields as in the module docstring; None where unknown)."""

    executable: bool
    code: str | None = None
    reason: str | None = None
    price: float | None = None
    lots: Decimal | None = None
    risk_percent: float | None = None
    rr: float | None = None
    drift_pips: float | None = None
    max_drift_pips: float | None = None
    needs_confirmation: bool = False

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready fields (lots as a number)."""
        return {
            "executable": self.executable,
            "code": self.code,
            "reason": self.reason,
            "price": self.price,
            "lots": None if self.lots is None else float(self.lots),
            "risk_percent": self.risk_percent,
            "rr": None if self.rr is None else round(self.rr, 2),
            "drift_pips": None if self.drift_pips is None else round(self.drift_pips, 1),
            "max_drift_pips": None if self.max_drift_pips is None else round(self.max_drift_pips, 1),
            "needs_confirmation": self.needs_confirmation,
        }

    @property
    def confirmation_text(self) -> str:
        """What to ask a person before executing a drifted signal."""
        return (
            f"The price has moved {self.drift_pips:.1f} pips from the signal's entry (max "
            f"{self.max_drift_pips:.1f}). Executing now trades {self.lots} lots at {self.price} with an "
            f"effective R:R of {self.rr:.2f}."
        )


def _no(code: str, reason: str, **known: Any) -> Assessment:
    return Assessment(False, code, reason, **known)


def status_reason(signal: Signal) -> str:
    """Why a signal that is no longer new cannot be executed (its outcome)."""
    if signal.status is SignalStatus.EXECUTED:
        return f"executed → trade #{signal.trade_id}" if signal.trade_id else "executed"
    text = signal.reason or signal.status.value
    return text if signal.status.value in text else f"{signal.status.value}: {text}"


def assess(
    signal: Signal,
    *,
    quote: Quote | None,
    now: datetime,
    lot_size: Callable[[str, float, float, float], Decimal],
    risk_percent: float | None = None,
    lots: Decimal | None = None,
    drift: DriftLimit = DriftLimit(),
    open_trades: int | None = None,
    max_open_trades: int | None = None,
) -> Assessment:
    """Whether ``signal`` can be executed at ``now`` with ``quote`` as the live price (module docstring).

    ``lot_size(symbol, risk_percent, entry, sl)`` is the broker's sizing;
    ``lots`` overrides it. ``open_trades`` (open + pending) is held against
    ``max_open_trades`` (None: no limit) by ``engine.orders.check_open_limit``.
    """
    if signal.status is not SignalStatus.NEW:
        return _no("not_new", status_reason(signal))
    if signal.expires_at <= now:
        return _no("expired", "expired")
    if quote is None:
        return _no("no_price", f"no price yet for {signal.symbol}")
    if quote.stale:
        return _no("stale_price", f"no fresh price for {signal.symbol}")
    spec = SPECS.get(signal.symbol)
    pip = spec.pip_size if spec is not None else 0.0001
    sign = signal.side.sign
    price = quote.ask if sign > 0 else quote.bid
    if spec is not None:
        price = round(price, spec.digits)
    reward, risk = (signal.tp - price) * sign, (price - signal.sl) * sign
    drift_pips = abs(price - signal.entry) / pip
    max_drift = drift.pips(abs(signal.entry - signal.sl) / pip)
    known: dict[str, Any] = {
        "price": price,
        "drift_pips": drift_pips,
        "max_drift_pips": max_drift,
        "risk_percent": None if lots is not None else risk_percent,
    }
    trigger, trigger_name = (quote.bid, "bid") if sign > 0 else (quote.ask, "ask")
    if (trigger - signal.sl) * sign <= 0:  # the stop would trigger at once (SL of a buy on the bid)
        return _no(
            "beyond_level", f"the market ({trigger_name} {trigger}) is already beyond the sl {signal.sl}", **known
        )
    if reward <= 0 or risk <= 0:
        level, value = ("tp", signal.tp) if reward <= 0 else ("sl", signal.sl)
        side = "ask" if sign > 0 else "bid"
        return _no("beyond_level", f"the market ({side} {price}) is already beyond the {level} {value}", **known)
    known["rr"] = reward / risk
    if open_trades is not None:
        try:
            check_open_limit(open_trades, max_open_trades)  # the engine's rule for every order
        except OrderRejectedError as exc:
            return _no(exc.code, exc.message, **known)
    if lots is None:
        if risk_percent is None:
            raise ValueError("give risk_percent or lots")
        try:
            lots = lot_size(signal.symbol, risk_percent, price, signal.sl)
        except PaperTerminalError as exc:
            return _no(getattr(exc, "code", None) or "not_sizable", getattr(exc, "message", str(exc)), **known)
    return Assessment(
        True,
        price=price,
        lots=lots,
        risk_percent=known["risk_percent"],
        rr=known["rr"],
        drift_pips=drift_pips,
        max_drift_pips=max_drift,
        needs_confirmation=drift_pips > max_drift + 1e-9,
    )
