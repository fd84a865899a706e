"""How the broker is configured (what it is asked to do: ``engine.orders.OrderRequest``).

``BrokerConfig`` the account and cost settings; ``FixedSlippage`` and
``RandomSlippage`` the slippage models; ``UNSET`` "leave as it is" in ``modify``.

Slippage is in pips and *adverse* when positive: a buy fills higher, a sell
lower, a closing buy lower, a closing sell higher. It applies to fills that
execute "at market": market orders, manual closes, stop orders, stop losses,
trailing stops and stop-outs. Limit orders and take profits fill at the price
seen (never worse than the quote that triggered them), so they take none.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Final, Protocol


class _Unset:
    """Marker for "leave this field as it is" in ``PaperBroker.modify``."""

    _instance: _Unset | None = None

    def __new__(cls) -> _Unset:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Final = _Unset()


class SlippageModel(Protocol):
    """Return the slippage of the next fill in pips (positive = against the trader)."""

    def next_pips(self) -> float: ...


@dataclass(frozen=True, slots=True)
class FixedSlippage:
    """Every market-executed fill slips by ``pips`` against the trader (0 = none)."""

    pips: float = 0.0

    def __post_init__(self) -> None:
        if not math.isfinite(self.pips) or self.pips < 0:
            raise ValueError(f"slippage pips must be a finite number >= 0, got {self.pips!r}")

    def next_pips(self) -> float:
        return self.pips


@dataclass(slots=True)
class RandomSlippage:
    """Seeded random slippage, uniform in pips.

    ``symmetric=False`` (default): uniform in [0, max_pips], always adverse.
    ``symmetric=True``: uniform in [−max_pips, +max_pips], so a fill may also
    improve by up to ``max_pips``. The same seed gives the same sequence.
    """

    max_pips: float
    seed: int | None = 0
    symmetric: bool = False
    _rng: random.Random = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if not math.isfinite(self.max_pips) or self.max_pips < 0:
            raise ValueError(f"max_pips must be a finite number >= 0, got {self.max_pips!r}")
        self._rng = random.Random(self.seed)

    def next_pips(self) -> float:
        low = -self.max_pips if self.symmetric else 0.0
        return self._rng.uniform(low, self.max_pips)


@dataclass(frozen=True, slots=True)
class BrokerConfig:
    """Account and cost settings of a ``PaperBroker``.

    ``balance`` is the initial deposit in ``currency``; ``leverage`` the
    account leverage (margin = lots × contract size × price / leverage);
    ``stop_out_level`` the margin level in % below which trades are closed;
    ``commission_per_lot_side`` the account-currency amount charged per lot
    on open and again on close; swaps are pips per night credited (+) or
    charged (−) to buys (long) and sells (short) when ``swap_enabled``.
    """

    balance: Decimal = Decimal("10000")
    currency: str = "USD"
    leverage: int = 100
    stop_out_level: float = 50.0
    commission_per_lot_side: Decimal = Decimal("0")
    slippage: SlippageModel = field(default_factory=FixedSlippage)
    swap_long_pips_per_night: float = 0.0
    swap_short_pips_per_night: float = 0.0
    swap_enabled: bool = False

    def __post_init__(self) -> None:
        for name in ("balance", "commission_per_lot_side"):
            value = getattr(self, name)
            if isinstance(value, (int, float, str)) and not isinstance(value, bool):
                try:
                    object.__setattr__(self, name, Decimal(repr(value) if isinstance(value, float) else value))
                except ArithmeticError:
                    raise ValueError(f"{name} must be a number, got {value!r}") from None
        if not isinstance(self.balance, Decimal) or not self.balance.is_finite() or self.balance <= 0:
            raise ValueError(f"balance must be a positive Decimal, got {self.balance!r}")
        if not (isinstance(self.currency, str) and len(self.currency) == 3 and self.currency.isalpha()):
            raise ValueError(f"currency must be a 3-letter code, got {self.currency!r}")
        if self.currency != self.currency.upper():
            object.__setattr__(self, "currency", self.currency.upper())
        if not isinstance(self.leverage, int) or self.leverage < 1:
            raise ValueError(f"leverage must be an integer >= 1, got {self.leverage!r}")
        if not (0.0 <= self.stop_out_level < 1000.0):
            raise ValueError(f"stop_out_level must be in 0..1000 %, got {self.stop_out_level!r}")
        if not isinstance(self.commission_per_lot_side, Decimal) or self.commission_per_lot_side < 0:
            raise ValueError(
                "commission_per_lot_side must be a Decimal >= 0 "
                f"(account currency per lot per side), got {self.commission_per_lot_side!r}"
            )
        for name in ("swap_long_pips_per_night", "swap_short_pips_per_night"):
            if not math.isfinite(getattr(self, name)):
                raise ValueError(f"{name} must be a finite number of pips")
