"""Live (floating) result of an open trade at the latest quotes, for display.

pips  = sign × (exit − entry) / pip_size, where exit is the bid for a buy
        and the ask for a sell (the price the trade would close at now);
money = sign × (exit − entry) × lots × contract_size, in the quote currency,
        converted to the account currency at the current mids
        (``engine.broker.conversion.rate``), minus commission plus swap.
money is None when no rate to the account currency is known yet.
The engine's own ``AccountSnapshot.equity`` stays the authority; this only
fills the per-row columns between account updates.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from engine.broker.conversion import rate
from engine.instruments import SPECS
from engine.values import Quote, Side, TradeRecord, TradeStatus, money


def exit_price(trade: TradeRecord, quote: Quote) -> float:
    """Price the trade would close at now: bid for a buy, ask for a sell."""
    return quote.bid if trade.side is Side.BUY else quote.ask


def floating(trade: TradeRecord, quotes: Mapping[str, Quote],
             account_currency: str) -> tuple[float | None, Decimal | None]:
    """(pips, net money) of an open trade at ``quotes``; (None, None) without a quote."""
    quote = quotes.get(trade.symbol)
    spec = SPECS.get(trade.symbol)
    if trade.status is not TradeStatus.OPEN or quote is None or spec is None or trade.entry_price is None:
        return None, None
    move = trade.side.sign * (exit_price(trade, quote) - trade.entry_price)
    pips = move / spec.pip_size
    mids = {symbol: q.mid for symbol, q in quotes.items()}
    factor = rate(spec.quote, account_currency, mids)
    if factor is None:
        return pips, None
    gross = money(move * float(trade.lots) * spec.contract_size * factor)
    return pips, gross - trade.commission + trade.swap


def pip_value_per_lot(symbol: str, quotes: Mapping[str, Quote], account_currency: str) -> float | None:
    """Account-currency value of one pip on 1.00 lot (pip size × contract size × rate); None without a rate."""
    spec = SPECS.get(symbol)
    if spec is None:
        return None
    factor = rate(spec.quote, account_currency, {s: q.mid for s, q in quotes.items()})
    return None if factor is None else spec.pip_size * spec.contract_size * factor
