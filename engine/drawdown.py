"""Drawdowns of a balance curve, as MetaTrader's strategy report defines them.

For a curve b_0 (the initial balance), b_1, …, b_n and its running high
H_i = max(b_0..b_i):

- absolute drawdown = max(0, b_0 − min(b_0..b_n)): how far the balance fell
  below the initial deposit;
- maximal drawdown = max_i (H_i − b_i): the largest fall from a high to a
  later low, in money; ``maximal_pct`` is that fall as % of its own high;
- relative drawdown = max_i (H_i − b_i) / H_i × 100: the largest such fall as
  a percentage of its high; ``relative`` is that fall in money. The largest
  fall in money and the largest in % may be different falls. On ties the
  earliest fall counts. A percentage is the ``Decimal`` quotient (28 digits)
  turned into a float, so it is the same whatever unit the curve is in.

Example (MetaTrader's): 5000 → 4000 → 6000 → 4000 → 8000 → 5500 gives
absolute 1000, maximal 2500 (31.25 % of 8000), relative 33.33 % (2000 of 6000).

The work is vectorised with numpy over the curve as exact integers (amounts
scaled by 10**scale, see ``scaled_amounts``); money results are exact.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import cast

import numpy as np

from engine.values import money

_ZERO = Decimal("0.00")
# Integers below this fit a float64 exactly and their running sums fit int64.
_EXACT_LIMIT = 2**52
# Relative slack when picking the candidates of the largest percentage by float.
_PCT_SLACK = 1e-9


@dataclass(frozen=True, slots=True)
class Drawdowns:
    """Drawdown figures of one balance curve (money in account currency, % as floats)."""

    absolute: Decimal
    maximal: Decimal
    maximal_pct: float
    relative_pct: float
    relative: Decimal


def scaled_amounts(amounts: Sequence[Decimal]) -> tuple[np.ndarray, int]:
    """Return ``(units, scale)``: each amount × 10**scale as an exact integer array.

    ``scale`` is 2 (cents) when every amount is a whole number of cents, else the
    most decimals any amount has. The array is int64 when every partial sum fits
    (|Σ| < 2**52), else of Python integers (dtype object), so sums stay exact.
    """
    scale = 2
    units: list[int] = []
    for amount in amounts:
        shifted = amount.scaleb(2)
        whole = int(shifted)
        if whole != shifted:
            break
        units.append(whole)
    else:
        return _as_array(units), scale
    scale = max(2, *(-cast(int, amount.as_tuple().exponent) for amount in amounts))  # finite amounts
    return _as_array([int(amount.scaleb(scale)) for amount in amounts]), scale


def _as_array(units: list[int]) -> np.ndarray:
    total = sum(abs(u) for u in units) if units else 0
    return np.array(units, dtype=np.int64 if total < _EXACT_LIMIT else object)


def as_money(units: int, scale: int) -> Decimal:
    """The amount ``units`` × 10**−scale as money (to the cent, half up)."""
    value = Decimal(int(units)).scaleb(-scale)
    return value if scale == 2 else money(value)


def _pct(fall: int, high: int) -> float:
    """fall / high × 100 as the ``Decimal`` quotient turned into a float (0.0 when high ≤ 0)."""
    return float(Decimal(int(fall)) / Decimal(int(high)) * 100) if high > 0 else 0.0


def scaled_drawdowns(initial: int, balances: np.ndarray, scale: int) -> Drawdowns:
    """Drawdowns of the curve ``initial``, ``balances`` given as integers of 10**−scale."""
    curve = np.concatenate((np.array([initial], dtype=balances.dtype), balances))
    highs = np.maximum.accumulate(curve)
    falls = highs - curve
    absolute = max(0, initial - curve.min())
    first = int(np.argmax(falls))
    maximal = falls[first]
    maximal_pct = _pct(maximal, highs[first]) if maximal > 0 else 0.0
    relative, relative_pct = 0, 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        approx = np.where(highs > 0, falls.astype(np.float64) / highs.astype(np.float64), 0.0)
    top = float(approx.max())
    if top > 0:
        for index in np.flatnonzero(approx >= top * (1 - _PCT_SLACK)):
            pct = _pct(falls[index], highs[index])
            if pct > relative_pct:
                relative, relative_pct = falls[index], pct
    return Drawdowns(
        absolute=as_money(absolute, scale),
        maximal=as_money(maximal, scale),
        maximal_pct=round(maximal_pct, 2),
        relative_pct=round(relative_pct, 2),
        relative=as_money(relative, scale),
    )


def balance_drawdowns(initial: Decimal, balances: Iterable[Decimal]) -> Drawdowns:
    """Return the drawdowns of the curve that starts at ``initial`` then goes through ``balances``."""
    units, scale = scaled_amounts([initial, *balances])
    return scaled_drawdowns(units[0], units[1:], scale)
