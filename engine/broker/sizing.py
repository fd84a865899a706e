"""Lot sizing from risk.

    lots = floor_to_step( risk_percent / 100 × equity / (stop_pips × pip_value_per_lot) )

where ``stop_pips`` = |entry − sl| / pip size and ``pip_value_per_lot`` is the
account-currency value of one pip on 1.00 lot (pip size × contract size,
converted from the quote currency). The result is rounded *down* to the lot
step (never risking more than asked) and capped at the symbol's maximum.
When even the minimum lot would risk more than asked the order is refused
(``risk_too_small``).
"""

from __future__ import annotations

import math
from decimal import ROUND_FLOOR, Decimal

from engine.broker.rules import reject
from engine.instruments import InstrumentSpec
from engine.orders import check_risk_percent


def floor_to_step(raw: Decimal, spec: InstrumentSpec) -> Decimal | None:
    """Return the largest valid lot size ≤ ``raw`` (capped at the maximum), or None below the minimum."""
    if raw < spec.lot_min:
        return None
    steps = ((raw - spec.lot_min) / spec.lot_step).to_integral_value(rounding=ROUND_FLOOR)
    return min(spec.lot_min + steps * spec.lot_step, spec.lot_max)


def risk_lots(
    spec: InstrumentSpec, risk_percent: float, equity: Decimal, entry: float, sl: float, pip_value_per_lot: Decimal
) -> Decimal:
    """Return the lots that lose ``risk_percent`` % of ``equity`` if the stop is hit."""
    check_risk_percent(risk_percent)
    stop_pips = abs(entry - sl) / spec.pip_size
    if stop_pips <= 0 or not math.isfinite(stop_pips):
        raise reject("SL must differ from the entry to size the trade by risk", "sl", "invalid_stops")
    risk_money = Decimal(repr(risk_percent)) / 100 * equity
    per_lot = Decimal(repr(round(stop_pips, 6))) * pip_value_per_lot
    lots = floor_to_step(risk_money / per_lot, spec)
    if lots is None:
        min_risk = per_lot * spec.lot_min
        raise reject(
            f"Risk {risk_percent}% of equity is {risk_money:.2f}, but the minimum {spec.lot_min} lots "
            f"with a {stop_pips:.1f}-pip stop risk {min_risk:.2f}",
            "risk_percent",
            "risk_too_small",
        )
    return lots
