"""An order as anyone asks for it — the window, a signal, the REST API, a replay file — and its rules.

``OrderRequest.validate()`` is the one definition of the rules an order must
meet before any market is looked at; the REST route, the replay's signal
parser and the broker (``PaperBroker.place``/``check``, so also the window's
ticket through ``engine.check_order``, signal execution and auto-execution)
all call it. A refusal is an ``OrderRejectedError`` naming the field:

- volume: ``lots`` **or** ``risk_percent``, exactly one (DESIGN's
  ``lots | risk_percent``): both is ``conflict`` (field ``risk_percent``),
  neither ``invalid_lots``; lots a finite number > 0 (the symbol's min, max and
  step are the broker's, it knows the symbol); risk ``0 < risk_percent ≤ 100``
  (``invalid_risk``); sizing by risk needs an ``sl`` (``invalid_stops``);
- a limit or stop order needs a ``price`` (``invalid_price``); a market order
  takes none, and no ``expires_at`` (``not_allowed``);
- ``expires_at`` carries a timezone (``invalid_expiry``) and lies in the supported range
  (``time_out_of_range``);
- ``trailing_pips`` is a finite number > 0 (``invalid_stops``); ``signal_id`` an integer.

One rule needs the account, not the market: ``max_open_trades`` (``check_open_limit``),
the most open trades + pending orders at once, checked by ``TradingEngine.place_order``
and ``check_order`` for every order source (window, REST, signal execution,
auto-execution), refused with code and field ``max_open_trades``.

Where prices sit relative to the market (stops on the right side, a pending
price on the right side, free margin, market hours) is the broker's to judge
(``engine.broker.rules``), as is the symbol's lot grid.

The arithmetic of an order, one definition each (used by the ticket's pips/price
fields and preview, the market watch's and the chart's spread, the broker's sizing):

- a level ``pips`` away from ``entry``: sl = entry − side × pips × pip size,
  tp = entry + side × pips × pip size (side +1 buy, −1 sell), on the symbol's digits;
- a distance in pips: |a − b| / pip size; a spread: (ask − bid) / pip size;
- reward:risk: |tp − entry| / |entry − sl| (``engine.values.reward_risk``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Literal, TypeVar

from engine.bounds import bounded_time
from engine.errors import OrderRejectedError, ValidationError
from engine.instruments import SPECS, InstrumentSpec
from engine.values import OrderType, Side, reward_risk

__all__ = [
    "OrderRequest",
    "check_open_limit",
    "check_risk_percent",
    "check_trailing",
    "check_volume",
    "level_at_pips",
    "open_limit",
    "pips_between",
    "reward_risk",
    "spread_pips",
]


def _refuse(message: str, field: str, code: str) -> OrderRejectedError:
    return OrderRejectedError(message, field=field, code=code)


_E = TypeVar("_E", Side, OrderType)


def _enum(kind: type[_E], value: object, field: str) -> _E:
    if isinstance(value, kind):  # a member already (enums with members have no subclasses)
        return value
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(member.value for member in kind)
        raise _refuse(f"{field} must be one of {allowed}, not {value!r}", field, f"invalid_{field}") from None


def check_risk_percent(value: object) -> float:
    """Return a risk in % of equity, ``0 < value ≤ 100``; refuse anything else (``invalid_risk``)."""
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not math.isfinite(value)
        or not 0 < value <= 100
    ):
        raise _refuse(
            f"Risk must be more than 0 and at most 100 % of equity, not {value!r}", "risk_percent", "invalid_risk"
        )
    return float(value)


def check_trailing(pips: object) -> float | None:
    """Return a trailing distance in pips (> 0), or None for none; refuse anything else (``invalid_stops``)."""
    if pips is None:
        return None
    if isinstance(pips, bool) or not isinstance(pips, (int, float)) or not math.isfinite(pips) or pips <= 0:
        raise _refuse(
            f"Trailing stop must be a positive number of pips, not {pips!r}", "trailing_pips", "invalid_stops"
        )
    return float(pips)


def _lots(value: object, symbol: object = None) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (Decimal, int, float, str)):
        raise _refuse(f"Volume must be a number of lots, not {value!r}", "lots", "invalid_lots")
    try:
        lots = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    except InvalidOperation:
        raise _refuse(f"Volume must be a number of lots, not {value!r}", "lots", "invalid_lots") from None
    if not lots.is_finite():
        raise _refuse(f"Volume must be a finite number of lots, not {value!r}", "lots", "invalid_lots")
    if lots <= 0:
        spec = SPECS.get(symbol.strip().upper()) if isinstance(symbol, str) else None
        if spec is not None:
            spec.validate_lots(lots)  # names the symbol's range, as the broker does
        raise _refuse(f"Volume must be a positive number of lots, not {lots}", "lots", "invalid_lots")
    return lots


def check_volume(lots: object, risk_percent: object, symbol: object = None) -> tuple[Decimal | None, float | None]:
    """The volume of an order: ``lots`` or ``risk_percent``, never both (``conflict``), each valid
    when given (``invalid_lots``, ``invalid_risk``); neither is (None, None)."""
    if lots is not None and risk_percent is not None:
        raise _refuse("Give either lots or risk_percent, not both", "risk_percent", "conflict")
    return (
        None if lots is None else _lots(lots, symbol),
        None if risk_percent is None else check_risk_percent(risk_percent),
    )


@dataclass(frozen=True, slots=True)
class OrderRequest:
    """One order to place (DESIGN's ``POST trades/execute/`` body).

    Give ``lots``, or ``risk_percent`` with an ``sl`` to size the order so that
    hitting the stop loses that percentage of equity — one or the other, never
    both. ``price`` is the level of a limit or stop order (a market order has
    none); ``expires_at`` (UTC) applies to pending orders only. ``validate()``
    states the rules (module docstring).
    """

    symbol: str
    side: Side
    order_type: OrderType = OrderType.MARKET
    lots: Decimal | None = None
    risk_percent: float | None = None
    price: float | None = None
    sl: float | None = None
    tp: float | None = None
    trailing_pips: float | None = None
    expires_at: datetime | None = None
    signal_id: int | None = None
    comment: str = ""

    def validate(self) -> OrderRequest:
        """Check the rules that need no market (module docstring); return the request normalised
        (symbol upper case, enums, lots as ``Decimal``, ``expires_at`` in UTC) or raise
        ``OrderRejectedError`` naming the field."""
        if not isinstance(self.symbol, str) or not self.symbol.strip():
            raise _refuse(f"Symbol must be a name such as EURUSD, not {self.symbol!r}", "symbol", "unknown_symbol")
        side = _enum(Side, self.side, "side")
        order_type = _enum(OrderType, self.order_type, "order_type")
        lots, risk = check_volume(self.lots, self.risk_percent, self.symbol)
        if lots is None and risk is None:
            raise _refuse("Give a volume in lots or a risk %", "lots", "invalid_lots")
        if risk is not None and self.sl is None:
            raise _refuse("Sizing by risk % needs an SL", "sl", "invalid_stops")
        pending = order_type is not OrderType.MARKET
        if pending and self.price is None:
            raise _refuse(f"A {order_type.value} order needs a price", "price", "invalid_price")
        if not pending and self.price is not None:
            raise _refuse("A market order takes no price (it fills at the market)", "price", "not_allowed")
        if not pending and self.expires_at is not None:
            raise _refuse("A market order takes no expiry", "expires_at", "not_allowed")
        expires_at = self.expires_at
        if expires_at is not None:
            if not isinstance(expires_at, datetime) or expires_at.tzinfo is None:
                raise _refuse(
                    f"expires_at must be a time with a timezone (e.g. 2026-11-24T17:00:00Z), not {expires_at!r}",
                    "expires_at",
                    "invalid_expiry",
                )
            try:
                expires_at = bounded_time(expires_at, "expires_at")
            except ValidationError as exc:
                raise _refuse(exc.message, "expires_at", exc.code) from None
        check_trailing(self.trailing_pips)
        if self.signal_id is not None and (isinstance(self.signal_id, bool) or not isinstance(self.signal_id, int)):
            raise _refuse(f"signal_id must be an integer, not {self.signal_id!r}", "signal_id", "invalid")
        return replace(
            self,
            symbol=self.symbol.strip().upper(),
            side=side,
            order_type=order_type,
            lots=lots,
            risk_percent=risk,
            expires_at=expires_at,
            comment=str(self.comment or ""),
        )


def open_limit(value: object) -> int | None:
    """The ``max_open_trades`` setting as a limit: an integer ≥ 1, or None (also 0) for none."""
    if value is None or value == 0:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValidationError(
            f"max_open_trades must be a whole number >= 1 (0 or none: no limit), not {value!r}",
            "max_open_trades",
            "invalid_setting",
        )
    return value


def check_open_limit(active: int, limit: int | None) -> None:
    """Refuse a new order when ``active`` (open trades + pending orders) has reached ``limit``
    (``max_open_trades``; None: no limit). The one rule for every order source."""
    if limit is not None and active >= limit:
        raise _refuse(
            f"max_open_trades reached: {active} trades open or pending, the maximum is {limit}",
            "max_open_trades",
            "max_open_trades",
        )


def _spec(symbol: str) -> InstrumentSpec:
    spec = SPECS.get(symbol)
    if spec is None:
        raise _refuse(f"Unknown symbol {symbol!r}", "symbol", "unknown_symbol")
    return spec


def pips_between(symbol: str, a: float, b: float) -> float:
    """|a − b| in pips of ``symbol`` (unrounded)."""
    return abs(a - b) / _spec(symbol).pip_size


def spread_pips(symbol: str, bid: float, ask: float) -> float:
    """(ask − bid) in pips of ``symbol`` (unrounded); 0.0001 a pip for a symbol without a spec."""
    spec = SPECS.get(symbol)
    return (ask - bid) / (spec.pip_size if spec is not None else 0.0001)


def level_at_pips(symbol: str, side: Side, entry: float, pips: float, which: Literal["sl", "tp"]) -> float:
    """The SL or TP ``pips`` away from ``entry`` on the losing or winning side of a ``side`` trade.

    sl = entry − side × pips × pip size, tp = entry + side × pips × pip size, on the symbol's digits.
    """
    spec = _spec(symbol)
    direction = -1 if which == "sl" else 1
    return spec.round_price(entry + direction * side.sign * pips * spec.pip_size)
