"""Drawdowns of a balance curve, as MetaTrader's strategy report defines them.

For a curve b_0 (the initial balance), b_1, …, b_n and its running high
H_i = max(b_0..b_i):

- absolute drawdown = max(0, b_0 − min(b_0..b_n)): how far the balance fell
  below the initial deposit;
- maximal drawdown = max_i (H_i − b_i): the largest fall from a high to a
  later low, in money; ``maximal_pct`` is that fall as % of its own high;
- relative drawdown = max_i (H_i − b_i) / H_i × 100: the largest such fall as
  a percentage of its high; ``relative`` is that fall in money. The largest
  fall in money and the largest in % may be different falls.

Example (MetaTrader's): 5000 → 4000 → 6000 → 4000 → 8000 → 5500 gives
absolute 1000, maximal 2500 (31.25 % of 8000), relative 33.33 % (2000 of 6000).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from engine.values import money

_ZERO = Decimal("0.00")


@dataclass(frozen=True, slots=True)
class Drawdowns:
    """Drawdown figures of one balance curve (money in account currency, % as floats)."""

    absolute: Decimal
    maximal: Decimal
    maximal_pct: float
    relative_pct: float
    relative: Decimal


def balance_drawdowns(initial: Decimal, balances: Iterable[Decimal]) -> Drawdowns:
    """Return the drawdowns of the curve that starts at ``initial`` then goes through ``balances``."""
    high = lowest = initial
    maximal, maximal_pct = _ZERO, 0.0
    relative, relative_pct = _ZERO, 0.0
    for balance in balances:
        lowest = min(lowest, balance)
        if balance > high:
            high = balance
            continue
        fall = high - balance
        pct = float(fall / high * 100) if high > 0 else 0.0
        if fall > maximal:
            maximal, maximal_pct = fall, pct
        if pct > relative_pct:
            relative, relative_pct = fall, pct
    return Drawdowns(absolute=money(max(_ZERO, initial - lowest)), maximal=money(maximal),
                     maximal_pct=round(maximal_pct, 2), relative_pct=round(relative_pct, 2),
                     relative=money(relative))
