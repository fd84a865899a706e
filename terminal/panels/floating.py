"""Live (floating) result of an open trade at the latest quotes, for display.

The definitions live in ``engine.floating`` (shared with the API); the
order manager shows the net money: gross pnl − commission + swap.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from engine.floating import exit_price, floating_gross, pip_value_per_lot
from engine.values import Quote, TradeRecord

__all__ = ["exit_price", "floating", "pip_value_per_lot"]


def floating(
    trade: TradeRecord, quotes: Mapping[str, Quote], account_currency: str
) -> tuple[float | None, Decimal | None]:
    """(pips, net money) of an open trade at ``quotes``; (None, None) without a quote."""
    pips, gross = floating_gross(trade, quotes, account_currency)
    if gross is None:
        return pips, None
    return pips, gross - trade.commission + trade.swap
