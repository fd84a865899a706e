"""Conversion of amounts between currencies at the current rates.

A rate path is the list of quoted pairs that turn one currency into another,
each used as is (``invert=False``: multiply by the pair's mid) or inverted
(``invert=True``: divide by it). Rules, in order:

1. same currency: no pair, factor 1;
2. a direct pair: FROM/TO multiplies (GBP→USD: × GBPUSD), TO/FROM divides
   (JPY→USD: ÷ USDJPY; USD→EUR for a EUR account: ÷ EURUSD);
3. otherwise the cross via USD: FROM→USD then USD→TO, each by rule 2.

Only pairs that have a quote count. No path means the rate is unknown and
callers must refuse rather than guess (``no_rate``).
"""

from __future__ import annotations

from collections.abc import Mapping

from engine.instruments import SPECS

RatePath = tuple[tuple[str, bool], ...]


def _direct(ccy_from: str, ccy_to: str, mids: Mapping[str, float]) -> RatePath | None:
    forward = ccy_from + ccy_to
    if forward in SPECS and forward in mids:
        return ((forward, False),)
    backward = ccy_to + ccy_from
    if backward in SPECS and backward in mids:
        return ((backward, True),)
    return None


def rate_path(ccy_from: str, ccy_to: str, mids: Mapping[str, float]) -> RatePath | None:
    """Return the pairs that convert ``ccy_from`` into ``ccy_to``, or None when unknown."""
    if ccy_from == ccy_to:
        return ()
    path = _direct(ccy_from, ccy_to, mids)
    if path is not None:
        return path
    if "USD" in (ccy_from, ccy_to):
        return None
    first = _direct(ccy_from, "USD", mids)
    second = _direct("USD", ccy_to, mids)
    if first is None or second is None:
        return None
    return first + second


def path_factor(path: RatePath, mids: Mapping[str, float]) -> float:
    """Return the factor of ``path``: amount_to = amount_from × factor."""
    factor = 1.0
    for symbol, invert in path:
        mid = mids[symbol]
        factor = factor / mid if invert else factor * mid
    return factor


def rate(ccy_from: str, ccy_to: str, mids: Mapping[str, float]) -> float | None:
    """Return the factor converting ``ccy_from`` into ``ccy_to`` at the mids, or None."""
    path = rate_path(ccy_from, ccy_to, mids)
    return None if path is None else path_factor(path, mids)
