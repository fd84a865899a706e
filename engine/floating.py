"""Floating (unrealised) result of open trades at the latest quotes.

For an open trade:

- exit = the bid for a buy, the ask for a sell (the price it would close at now);
- pips = sign × (exit − entry) / pip_size (+ is a gain);
- pnl (gross, account currency) = sign × (exit − entry) × lots × contract_size,
  in the quote currency, converted at the current mids
  (``engine.broker.conversion.rate``), rounded to the cent;
- net = pnl − commission + swap.

The account's equity (``PaperBroker.account()``) stays the authority; these
figures fill the per-trade columns of the window and the API.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from decimal import Decimal

from engine.broker.conversion import rate
from engine.instruments import SPECS
from engine.values import Quote, Side, TradeRecord, TradeStatus, money


def exit_price(trade: TradeRecord, quote: Quote) -> float:
    """Price the trade would close at now: bid for a buy, ask for a sell."""
    return quote.bid if trade.side is Side.BUY else quote.ask


def floating_gross(
    trade: TradeRecord, quotes: Mapping[str, Quote], account_currency: str
) -> tuple[float | None, Decimal | None]:
    """(pips, gross pnl) of an open trade at ``quotes``.

    (None, None) when the trade is not open or its symbol has no quote; the
    pnl is None while no rate to the account currency is known.
    """
    quote = quotes.get(trade.symbol)
    spec = SPECS.get(trade.symbol)
    if trade.status is not TradeStatus.OPEN or quote is None or spec is None or trade.entry_price is None:
        return None, None
    move = trade.side.sign * (exit_price(trade, quote) - trade.entry_price)
    pips = round(move / spec.pip_size, 1)
    factor = rate(spec.quote, account_currency, {symbol: q.mid for symbol, q in quotes.items()})
    if factor is None:
        return pips, None
    return pips, money(move * float(trade.lots) * spec.contract_size * factor)


def with_floating(trade: TradeRecord, quotes: Mapping[str, Quote], account_currency: str) -> TradeRecord:
    """``trade`` with ``pips`` and ``pnl`` set to their floating values when it is open and priced."""
    pips, gross = floating_gross(trade, quotes, account_currency)
    if pips is None:
        return trade
    return dataclasses.replace(trade, pips=pips, pnl=gross if gross is not None else trade.pnl)


def pip_value_per_lot(symbol: str, quotes: Mapping[str, Quote], account_currency: str) -> float | None:
    """Account-currency value of one pip on 1.00 lot (pip size × contract size × rate); None without a rate."""
    spec = SPECS.get(symbol)
    if spec is None:
        return None
    factor = rate(spec.quote, account_currency, {s: q.mid for s, q in quotes.items()})
    return None if factor is None else spec.pip_size * spec.contract_size * factor
