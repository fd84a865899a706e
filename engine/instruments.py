"""Instrument specifications: what the broker needs to know about a symbol.

A *pip* is the conventional smallest move of interest: 0.0001 for most pairs,
0.01 for pairs quoted in JPY, 0.1 for gold. A *point* is the smallest price
step, ``10 ** -digits``. Contract size is in units of the base currency per
1.00 lot (ounces for XAUUSD).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from engine.errors import OrderRejectedError


@dataclass(frozen=True, slots=True)
class InstrumentSpec:
    """One tradable symbol.

    ``typical_spread_pips`` is the spread the simulator and bar replay use
    when no other is configured; ``annual_volatility`` (fraction per year)
    and ``base_price`` seed the simulated market.
    """

    symbol: str
    base: str
    quote: str
    digits: int
    pip_size: float
    contract_size: int = 100_000
    lot_min: Decimal = Decimal("0.01")
    lot_max: Decimal = Decimal("100")
    lot_step: Decimal = Decimal("0.01")
    typical_spread_pips: float = 1.0
    annual_volatility: float = 0.08
    base_price: float = 1.0

    @property
    def point(self) -> float:
        """Smallest price step: ``10 ** -digits``."""
        return 10.0**-self.digits

    def round_price(self, price: float) -> float:
        """Round a price to the symbol's digits."""
        return round(price, self.digits)

    def validate_lots(self, lots: Decimal) -> None:
        """Raise ``OrderRejectedError`` when ``lots`` is outside min/max or off the step."""
        if lots < self.lot_min or lots > self.lot_max:
            raise OrderRejectedError(
                f"Volume {lots} lots is outside {self.lot_min}–{self.lot_max} lots for {self.symbol}",
                field="lots",
                code="invalid_lots",
            )
        if (lots - self.lot_min) % self.lot_step != 0:
            raise OrderRejectedError(
                f"Volume {lots} lots is not a multiple of the lot step {self.lot_step} for {self.symbol}",
                field="lots",
                code="invalid_lots",
            )


def _fx(symbol: str, digits: int, spread: float, vol: float, price: float) -> InstrumentSpec:
    pip = 0.01 if symbol.endswith("JPY") else 0.0001
    return InstrumentSpec(
        symbol=symbol,
        base=symbol[:3],
        quote=symbol[3:],
        digits=digits,
        pip_size=pip,
        typical_spread_pips=spread,
        annual_volatility=vol,
        base_price=price,
    )


SPECS: dict[str, InstrumentSpec] = {
    spec.symbol: spec
    for spec in (
        # The seven majors.
        _fx("EURUSD", 5, 0.8, 0.07, 1.0850),
        _fx("GBPUSD", 5, 1.2, 0.08, 1.2650),
        _fx("USDJPY", 3, 1.0, 0.09, 151.20),
        _fx("USDCHF", 5, 1.4, 0.07, 0.8850),
        _fx("AUDUSD", 5, 1.1, 0.10, 0.6550),
        _fx("USDCAD", 5, 1.5, 0.06, 1.3600),
        _fx("NZDUSD", 5, 1.6, 0.10, 0.6050),
        # Crosses.
        _fx("EURGBP", 5, 1.3, 0.05, 0.8580),
        _fx("EURJPY", 3, 1.5, 0.09, 164.10),
        _fx("GBPJPY", 3, 2.5, 0.10, 191.30),
        _fx("AUDJPY", 3, 2.0, 0.12, 99.00),
        _fx("EURCHF", 5, 1.8, 0.06, 0.9600),
        _fx("EURAUD", 5, 2.2, 0.08, 1.6560),
        _fx("GBPCHF", 5, 2.8, 0.08, 1.1190),
        _fx("EURCAD", 5, 2.2, 0.07, 1.4760),
        _fx("GBPAUD", 5, 3.0, 0.09, 1.9310),
        _fx("AUDNZD", 5, 2.5, 0.06, 1.0830),
        _fx("AUDCAD", 5, 2.2, 0.08, 0.8910),
        _fx("CADJPY", 3, 2.2, 0.10, 111.20),
        _fx("CHFJPY", 3, 2.5, 0.09, 170.80),
        _fx("NZDJPY", 3, 2.5, 0.12, 91.50),
        _fx("EURNZD", 5, 3.5, 0.08, 1.7930),
        _fx("GBPCAD", 5, 3.5, 0.08, 1.7210),
        _fx("GBPNZD", 5, 4.5, 0.09, 2.0910),
        _fx("AUDCHF", 5, 2.5, 0.08, 0.5800),
        _fx("CADCHF", 5, 2.5, 0.07, 0.6510),
        _fx("NZDCAD", 5, 3.0, 0.08, 0.8230),
        _fx("NZDCHF", 5, 3.0, 0.08, 0.5360),
        _fx("USDSGD", 5, 3.0, 0.05, 1.3450),
        InstrumentSpec(
            symbol="XAUUSD",
            base="XAU",
            quote="USD",
            digits=2,
            pip_size=0.1,
            contract_size=100,
            typical_spread_pips=2.5,
            annual_volatility=0.15,
            base_price=2350.0,
        ),
    )
}

MAJORS = ("EURUSD", "GBPUSD", "USDJPY", "USDCHF", "AUDUSD", "USDCAD", "NZDUSD")


def get_spec(symbol: str) -> InstrumentSpec:
    """Return the spec of ``symbol`` or raise ``OrderRejectedError`` (``unknown_symbol``)."""
    spec = SPECS.get(symbol.upper()) if isinstance(symbol, str) else None
    if spec is None:
        raise OrderRejectedError(f"unknown symbol {symbol!r}", field="symbol", code="unknown_symbol")
    return spec
