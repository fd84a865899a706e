"""Account valuation: conversion paths, floating P&L, margin, equity and stop-out.

A mixin of ``BrokerCore`` (core.py). The state it reads and the two fill methods it
calls are declared once, in ``BrokerState``: ``BrokerCore`` owns and writes them (mypy
refuses to instantiate a broker that lacks any of them).

Definitions (account currency):

- floating pnl of a symbol = C × (Σbuy lots × bid − Σbuy lots×entry +
  Σsell lots×entry − Σsell lots × ask) × factor (C = contract size, factor =
  quote → account currency, conversion.py);
- margin of a symbol = C × (Σbuy lots + Σsell lots) × mid / leverage × factor;
- equity = balance + Σ floating pnl − Σ commission charged on open trades +
  Σ swap of open trades; margin level = equity / margin × 100 (None without margin);
- stop-out: while the margin level is below ``stop_out_level``, close the open
  trade with the worst floating net result (ties: the lowest id) at market.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Protocol

from engine.broker.book import SymbolBook
from engine.broker.conversion import path_factor, rate_path
from engine.broker.position import Position
from engine.events import Event, StopOutTriggered, TradeClosed
from engine.values import CloseReason, TradeStatus

_OPEN = TradeStatus.OPEN


class BrokerState(Protocol):
    """What ``AccountValuation`` reads of the broker; ``BrokerCore`` (core.py) owns and writes it.

    Money here is in the account currency, as floats (the booked ``Decimal`` figures live
    beside them in ``BrokerCore``).
    """

    _books: dict[str, SymbolBook]  # per-symbol state, by symbol
    _mids: dict[str, float]  # last (bid + ask) / 2, by symbol: the conversion rates
    _positions: dict[int, Position]  # open and pending positions, by trade id
    _currency: str  # the account currency (ISO code)
    _leverage: float  # margin = notional / leverage
    _stop_out: float  # stop-out margin level, percent
    _balance_f: float  # the balance
    _open_costs_f: float  # Σ (commission − swap) of open trades
    _gross_total: float  # Σ floating gross P&L of the books
    _margin_total: float  # Σ used margin of the books

    def _close_price(self, book: SymbolBook, pos: Position, slip: bool) -> float: ...

    def _close_lots(
        self,
        book: SymbolBook,
        pos: Position,
        lots: Decimal,
        price: float,
        time: datetime,
        reason: CloseReason,
        refresh: bool = True,
    ) -> TradeClosed: ...


class AccountValuation(BrokerState):
    """Valuation and stop-out methods of the broker (see the module doc)."""

    def _rebuild_paths(self) -> None:
        """Recompute every book's conversion path and dependants (a new pair got its first price)."""
        for book in self._books.values():
            book.dependants = []
        for book in self._books.values():
            book.path = rate_path(book.spec.quote, self._currency, self._mids)
            if book.path is None or book.bid is None:
                continue
            book.dependants.append(book)
            for symbol, _ in book.path:
                if symbol != book.symbol:
                    self._books[symbol].dependants.append(book)
        for book in self._books.values():
            self._revalue(book)
        self._resum()

    def _factor(self, book: SymbolBook) -> float | None:
        """Quote-currency → account-currency factor of ``book`` now, or None when unknown."""
        if book.path is None:
            book.path = rate_path(book.spec.quote, self._currency, self._mids)
            if book.path is None:
                return None
        return path_factor(book.path, self._mids)

    def _revalue(self, book: SymbolBook) -> None:
        """Recompute ``book``'s floating pnl and margin in account currency."""
        if not book.n_open or book.bid is None or book.ask is None or book.path is None:
            book.gross = book.margin = 0.0
            return
        c = book.spec.contract_size * path_factor(book.path, self._mids)
        book.gross = c * (
            book.buy_lots * book.bid - book.buy_lots_entry + book.sell_lots_entry - book.sell_lots * book.ask
        )
        book.margin = c * (book.buy_lots + book.sell_lots) * (book.bid + book.ask) * 0.5 / self._leverage

    def _resum(self) -> None:
        """Recompute the running totals from the books (in book order, as ``sum`` would)."""
        gross = margin = 0.0
        for book in self._books.values():
            gross += book.gross
            margin += book.margin
        self._gross_total = gross
        self._margin_total = margin

    def _margin_for(self, book: SymbolBook, lots: float, price: float) -> float | None:
        """Margin of ``lots`` at ``price`` in account currency (None when no rate)."""
        factor = self._factor(book)
        if factor is None:
            return None
        return lots * book.spec.contract_size * price / self._leverage * factor

    def equity_f(self) -> float:
        return self._balance_f + self._gross_total - self._open_costs_f

    def _floating_net(self, book: SymbolBook, pos: Position) -> float:
        """Floating net result of open ``pos`` in account currency (float)."""
        close = book.bid if pos.sign > 0 else book.ask
        assert close is not None and pos.entry is not None  # a priced book, an open position
        factor = path_factor(book.path, self._mids) if book.path is not None else 0.0
        gross = pos.sign * (close - pos.entry) * book.spec.contract_size * pos.lots_f * factor
        return gross - float(pos.commission) + float(pos.swap)

    def valuation_f(self) -> tuple[float, float]:
        """(equity, used margin) now, account currency, as unrounded floats (for fast checks;
        ``account()`` gives the booked, cent-rounded figures)."""
        return self._balance_f + self._gross_total - self._open_costs_f, self._margin_total

    def pip_value_f(self, symbol: str, lots: float) -> float | None:
        """Account-currency value of one pip on ``lots`` now, unrounded (None when no rate)."""
        book = self._books.get(symbol)
        if book is None:
            return None
        factor = self._factor(book)
        if factor is None:
            return None
        return book.spec.pip_size * book.spec.contract_size * lots * factor

    def margin_level_f(self) -> float | None:
        return self.equity_f() / self._margin_total * 100.0 if self._margin_total > 0 else None

    def _stop_out_now(self, time: datetime) -> list[Event]:
        """Close the worst losers until the margin level is back at or above the stop-out level."""
        level = self.margin_level_f()
        closed: list[TradeClosed] = []
        while (current := self.margin_level_f()) is not None and current < self._stop_out:  # None: no margin used
            candidates = [
                (self._floating_net(self._books[p.spec.symbol], p), p.id, p)
                for p in self._positions.values()
                if p.status is _OPEN and self._books[p.spec.symbol].bid is not None
            ]
            if not candidates:
                break
            _, _, worst = min(candidates, key=lambda item: (item[0], item[1]))
            book = self._books[worst.spec.symbol]
            price = self._close_price(book, worst, slip=True)
            closed.append(self._close_lots(book, worst, worst.lots, price, time, CloseReason.STOP_OUT))
            book.levels.refresh()
        if not closed:
            return []
        return [*closed, StopOutTriggered(level if level is not None else 0.0, tuple(event.trade for event in closed))]
