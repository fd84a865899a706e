"""The broker's state and its price-driven half: ticks, fills, closes, valuation, stop-out.

``PaperBroker`` (broker.py) adds the commands and queries on top of this.

Hot path: ``on_price`` costs O(1) when nothing triggers — four comparisons
against the cached nearest levels (triggers.py), four for the extremes
(excursions.py) — plus the revaluation of the symbols whose value the price
moves (its own book and the books it converts for) and one stop-out test on
running totals. Only when a level is crossed does it touch heaps or build
records. Floats are used for prices and valuation on the hot path; every
booked amount (pnl, commission, swap, balance) is an exact ``Decimal``.

Valuation, equity, margin and stop-out are in account.py.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal

from engine.broker.account import AccountValuation
from engine.broker.book import SymbolBook
from engine.broker.excursions import excursion_pips
from engine.broker.position import ZERO, Position
from engine.broker.requests import BrokerConfig
from engine.broker.rules import reject
from engine.events import Event, OrderCancelled, TradeClosed, TradeModified, TradeOpened
from engine.instruments import SPECS, get_spec
from engine.values import CloseReason, OrderType, Quote, TradeRecord, TradeStatus, money

_OPEN = TradeStatus.OPEN
_PENDING = TradeStatus.PENDING
_RESUM_EVERY = 1 << 16
# side sign -> (SL heap, TP heap, trailing heap) of an open trade
_HEAP_NAMES = {1: ("buy_sl", "buy_tp", "trail_buy"), -1: ("sell_sl", "sell_tp", "trail_sell")}


class BrokerCore(AccountValuation):
    """State, ticks and fills (see the module doc)."""

    def __init__(
        self,
        config: BrokerConfig | None = None,
        next_id: int = 1,
        market_open: Callable[[str, datetime], bool] | None = None,
    ) -> None:
        self.config = config or BrokerConfig()
        # The state AccountValuation reads is typed once, in account.BrokerState.
        self._currency = self.config.currency
        self._leverage = float(self.config.leverage)
        self._stop_out = float(self.config.stop_out_level)
        self._commission = self.config.commission_per_lot_side
        self._slippage = self.config.slippage
        self._market_open = market_open or (lambda symbol, when: True)
        self._books = {}
        self._positions = {}
        self._finished: set[int] = set()
        self._mids = {}
        self._initial = money(self.config.balance)
        self._balance = self._initial
        self._balance_f = float(self._balance)
        self._open_costs = ZERO  # Σ (commission − swap) of open trades, account currency
        self._open_costs_f = 0.0
        self._gross_total = 0.0
        self._margin_total = 0.0
        self._expiry: list[tuple[datetime, int]] = []
        self._next_id = max(1, int(next_id))
        self._ticks = 0

    # ----------------------------------------------------------------- ticks
    def on_quote(self, quote: Quote) -> list[Event]:
        """Apply one quote: fill pending orders, SL/TP/trailing, expiry, stop-out."""
        return self.on_price(quote.symbol, quote.bid, quote.ask, quote.time, quote.stale, quote)

    def on_price(
        self, symbol: str, bid: float, ask: float, time: datetime, stale: bool = False, quote: Quote | None = None
    ) -> list[Event]:
        """Fast path of ``on_quote`` taking floats; a stale price values but never triggers.

        Unknown symbols are ignored (nothing can trade on them).
        """
        book = self._books.get(symbol)
        if book is None:
            if symbol not in SPECS:
                return []
            book = self._book(symbol)
        first = book.bid is None
        book.bid = bid
        book.ask = ask
        book.time = time
        book.stale = stale
        book.quote = quote
        self._mids[symbol] = (bid + ask) * 0.5
        if first:
            self._rebuild_paths()
        # Revalue first, so that fills and stops below see current equity and margin.
        mids = self._mids
        leverage = self._leverage
        for dep in book.dependants:
            if dep.n_open:
                path, dep_bid, dep_ask = dep.path, dep.bid, dep.ask
                # A book becomes a dependant once it has a rate path and a price (_rebuild_paths).
                assert path is not None and dep_bid is not None and dep_ask is not None
                f = 1.0
                for sym, inv in path:
                    f = f / mids[sym] if inv else f * mids[sym]
                c = dep.spec.contract_size * f
                g = c * (dep.buy_lots * dep_bid - dep.buy_lots_entry + dep.sell_lots_entry - dep.sell_lots * dep_ask)
                m = c * (dep.buy_lots + dep.sell_lots) * (dep_bid + dep_ask) * 0.5 / leverage
                self._gross_total += g - dep.gross
                dep.gross = g
                self._margin_total += m - dep.margin
                dep.margin = m
        events = None
        if not stale:
            if book.n_open:
                ex = book.excursions
                if bid > ex.max_bid:
                    ex.max_bid = bid
                if bid < ex.min_bid:
                    ex.min_bid = bid
                if ask > ex.max_ask:
                    ex.max_ask = ask
                if ask < ex.min_ask:
                    ex.min_ask = ask
            lv = book.levels
            # Without a conversion rate (a restored cross before its USD pair is quoted)
            # nothing can be valued, so levels wait for a later tick.
            if book.path is not None and (
                bid <= lv.lo_bid
                or bid >= lv.hi_bid
                or ask <= lv.lo_ask
                or ask >= lv.hi_ask
                or (self._expiry and time >= self._expiry[0][0])
            ):
                events = self._on_levels(book, bid, ask, time)
        self._ticks += 1
        if self._ticks & (_RESUM_EVERY - 1) == 0:
            self._resum()
        if (
            self._margin_total > 0.0
            and not stale
            and (
                (self._balance_f + self._gross_total - self._open_costs_f) * 100.0 < self._stop_out * self._margin_total
            )
        ):
            stop_events = self._stop_out_now(time)
            events = stop_events if events is None else events + stop_events
        return events if events is not None else []

    def observe(self, symbol: str, low_bid: float, high_bid: float, low_ask: float, high_ask: float) -> None:
        """Record prices reached between quotes for MFE/MAE only (no valuation, no trigger).

        The extremes of ``symbol``'s open trades take in the range [low, high] of the bid and
        of the ask, as quotes at those prices would. The caller guarantees that no such price
        reaches a trigger level (``trigger_bounds``) or a stop-out: the replay's skip-ahead
        shows a skipped stretch of rows this way.
        """
        book = self._books.get(symbol)
        if book is None or not book.n_open:
            return
        book.excursions.observe(low_bid, low_ask)
        book.excursions.observe(high_bid, high_ask)

    def last_prices(self, symbol: str) -> tuple[float, float] | None:
        """The last (bid, ask) of ``symbol`` as floats, or None before its first price."""
        book = self._books.get(symbol)
        if book is None or book.bid is None or book.ask is None:
            return None
        return book.bid, book.ask

    def _on_levels(self, book: SymbolBook, bid: float, ask: float, time: datetime) -> list[Event]:
        """Slow path: something may trigger on ``book`` at this price (empty heaps are skipped)."""
        events: list[Event] = []
        if self._expiry and time >= self._expiry[0][0]:
            events += self._expire_until(time)
        lv = book.levels
        heaps = lv.heaps
        for name, price in (("buy_limit", ask), ("buy_stop", ask), ("sell_limit", bid), ("sell_stop", bid)):
            if not heaps[name]:
                continue
            for pos in list(lv.triggered(name, price)):
                if pos.status is _PENDING:
                    events.append(self._fill_pending(book, pos, time))
        for name, price, is_sl in (
            ("buy_sl", bid, True),
            ("buy_tp", bid, False),
            ("sell_sl", ask, True),
            ("sell_tp", ask, False),
        ):
            if not heaps[name]:
                continue
            for pos in list(lv.triggered(name, price)):
                if pos.status is not _OPEN:
                    continue
                reason = (CloseReason.TRAILING if pos.trailed else CloseReason.SL) if is_sl else CloseReason.TP
                exec_price = self._close_price(book, pos, slip=is_sl)
                # the levels are refreshed once, at the end of this method
                events.append(self._close_lots(book, pos, pos.lots, exec_price, time, reason, refresh=False))
        for name, price in (("trail_buy", bid), ("trail_sell", ask)):
            if not heaps[name]:
                continue
            for pos in list(lv.triggered(name, price)):
                if pos.status is not _OPEN:
                    continue
                event = self._trail(book, pos, price)
                if event is not None:
                    events.append(event)
        lv.refresh()
        return events

    # ------------------------------------------------------------ internals
    def _book(self, symbol: str) -> SymbolBook:
        """Return the book of ``symbol``, creating it (``unknown_symbol`` when not tradable)."""
        book = self._books.get(symbol)
        if book is None:
            book = self._books[symbol] = SymbolBook(get_spec(symbol))
        return book

    def _slip(self, book: SymbolBook) -> float:
        return self._slippage.next_pips() * book.spec.pip_size

    def _open_price(self, book: SymbolBook, pos: Position, slip: bool) -> float:
        """Fill price of opening ``pos`` now: ask for a buy, bid for a sell, ± adverse slippage."""
        s = self._slip(book) if slip else 0.0
        assert book.bid is not None and book.ask is not None  # fills happen on a priced book
        price = book.ask + s if pos.sign > 0 else book.bid - s
        return book.spec.round_price(price)

    def _close_price(self, book: SymbolBook, pos: Position, slip: bool) -> float:
        """Fill price of closing ``pos`` now: bid for a buy, ask for a sell, ± adverse slippage."""
        s = self._slip(book) if slip else 0.0
        assert book.bid is not None and book.ask is not None  # fills happen on a priced book
        price = book.bid - s if pos.sign > 0 else book.ask + s
        return book.spec.round_price(price)

    def _add_costs(self, amount: Decimal) -> None:
        self._open_costs += amount
        self._open_costs_f = float(self._open_costs)

    def _book_to_balance(self, amount: Decimal) -> None:
        self._balance += amount
        self._balance_f = float(self._balance)

    def _open(self, book: SymbolBook, pos: Position, price: float, time: datetime) -> TradeOpened:
        """Turn ``pos`` into an open trade filled at ``price``."""
        pos.status = _OPEN
        pos.entry = price
        pos.open_time = time
        pos.commission = money(self._commission * pos.lots)
        self._add_costs(pos.commission - pos.swap)
        self._activate(book, pos)
        return TradeOpened(self._open_record(book, pos))

    def _activate(self, book: SymbolBook, pos: Position) -> None:
        """Start watching open ``pos``: extremes, exposure, SL/TP/trailing levels, valuation."""
        pos.segment = book.excursions.start_segment(book.bid, book.ask)
        book.n_open += 1
        book.add_exposure(pos, pos.lots_f)
        lv = book.levels
        sl_heap, tp_heap, trail_heap = _HEAP_NAMES[pos.sign]
        lv.push(sl_heap, pos.sl, pos.id)
        lv.push(tp_heap, pos.tp, pos.id)
        pos.trail_key = pos.next_trail_level()
        lv.push(trail_heap, pos.trail_key, pos.id)
        lv.refresh()
        self._revalue(book)
        self._resum()

    def _open_record(self, book: SymbolBook, pos: Position) -> TradeRecord:
        """Snapshot of an active position, with its excursions so far."""
        if pos.status is not _OPEN:
            return pos.record()
        mfe, mae = self._excursions(book, pos)
        return pos.record(mfe=mfe, mae=mae)

    def _excursions(self, book: SymbolBook, pos: Position) -> tuple[float, float]:
        assert pos.entry is not None  # only an open position has excursions
        mfe, mae = excursion_pips(pos.sign, pos.entry, book.spec.pip_size, book.excursions.since(pos.segment))
        return max(mfe, pos.mfe0), min(mae, pos.mae0)

    def _fill_pending(self, book: SymbolBook, pos: Position, time: datetime) -> Event:
        """Fill a triggered pending order at the price seen (stops also slip)."""
        price = self._open_price(book, pos, slip=pos.order_type is OrderType.STOP)
        needed = self._margin_for(book, pos.lots_f, price)
        if needed is None or needed > self.equity_f() - self._margin_total:
            return self._cancel(book, pos, time, CloseReason.CANCELLED)
        return self._open(book, pos, price, time)

    def _cancel(self, book: SymbolBook, pos: Position, time: datetime | None, reason: CloseReason) -> OrderCancelled:
        """Cancel a pending order (``cancelled`` or ``expired``)."""
        self._forget(book, pos)
        record = pos.record(status=TradeStatus.CANCELLED, close_time=time, close_reason=reason)
        return OrderCancelled(record)

    def _forget(self, book: SymbolBook, pos: Position, refresh: bool = True) -> None:
        """Stop tracking ``pos``; ``refresh=False`` leaves the level cache to the caller."""
        pos.status = TradeStatus.CLOSED if pos.status is _OPEN else TradeStatus.CANCELLED
        del self._positions[pos.id]
        del book.positions[pos.id]
        self._finished.add(pos.id)
        if refresh:
            book.levels.refresh()

    def _pnl(self, book: SymbolBook, pos: Position, close: float, lots: Decimal) -> Decimal:
        """Gross pnl in account currency: sign × (close − entry) × contract × lots × factor."""
        factor = self._factor(book)
        if factor is None:
            raise reject(f"no conversion rate from {book.spec.quote} to {self._currency}", "symbol", "no_rate")
        diff = Decimal(repr(close)) - Decimal(repr(pos.entry))
        quote_amount = pos.sign * diff * book.spec.contract_size * lots
        if factor == 1.0:  # quoted in the account currency: × 1 changes no digit
            return money(quote_amount)
        return money(quote_amount * Decimal(repr(factor)))

    def _close_lots(
        self,
        book: SymbolBook,
        pos: Position,
        lots: Decimal,
        price: float,
        time: datetime,
        reason: CloseReason,
        refresh: bool = True,
    ) -> TradeClosed:
        """Close ``lots`` of open ``pos`` at ``price``; a part makes a new ``partial`` record."""
        pnl = self._pnl(book, pos, price, lots)
        assert pos.entry is not None  # only an open position closes
        pips = round(pos.sign * (price - pos.entry) / book.spec.pip_size, 1)
        mfe, mae = self._excursions(book, pos)
        close_commission = money(self._commission * lots)
        if lots >= pos.lots:
            commission, swap = pos.commission + close_commission, pos.swap
            self._add_costs(-(pos.commission - pos.swap))
            book.n_open -= 1
            self._forget(book, pos, refresh)
            book.remove_exposure(pos, pos.lots_f)
            record = pos.record(
                status=TradeStatus.CLOSED,
                close_time=time,
                close_price=price,
                close_reason=reason,
                pips=pips,
                pnl=pnl,
                commission=commission,
                swap=swap,
                mfe=mfe,
                mae=mae,
            )
            remaining = None
        else:
            share_commission = money(pos.commission * lots / pos.lots)
            share_swap = money(pos.swap * lots / pos.lots)
            commission, swap = share_commission + close_commission, share_swap
            record = pos.record(
                status=TradeStatus.CLOSED,
                lots=lots,
                id=self._take_id(),
                parent_id=pos.id,
                close_time=time,
                close_price=price,
                close_reason=CloseReason.PARTIAL,
                pips=pips,
                pnl=pnl,
                commission=commission,
                swap=swap,
                mfe=mfe,
                mae=mae,
            )
            self._finished.add(record.id)
            pos.lots -= lots
            pos.lots_f = float(pos.lots)
            pos.commission -= share_commission
            pos.swap -= share_swap
            self._add_costs(-(share_commission - share_swap))
            book.remove_exposure(pos, float(lots))
            remaining = pos.record(mfe=mfe, mae=mae)
        self._book_to_balance(pnl - commission + swap)
        self._revalue(book)
        self._resum()
        return TradeClosed(record, remaining)

    def _trail(self, book: SymbolBook, pos: Position, price: float) -> TradeModified | None:
        """Move the trailing stop of ``pos`` behind ``price`` if that is in its favour."""
        lv = book.levels
        candidate = book.spec.round_price(price - pos.sign * pos.trail_dist)
        moved = pos.sl is None or pos.sign * (candidate - pos.sl) > 0
        if moved:
            pos.sl = candidate
            pos.trailed = True
            lv.push(f"{pos.side.value}_sl", candidate, pos.id)
        level = pos.next_trail_level()
        assert level is not None  # an open position with a trailing distance
        # Move again only on a price beyond this one.
        pos.trail_key = max(level, price) if pos.sign > 0 else min(level, price)
        lv.push(f"trail_{pos.side.value}", pos.trail_key, pos.id)
        return TradeModified(self._open_record(book, pos)) if moved else None

    def _take_id(self) -> int:
        trade_id = self._next_id
        self._next_id += 1
        return trade_id

    def _expire_until(self, now: datetime) -> list[Event]:
        """Cancel (``expired``) every pending order whose expiry is at or before ``now``."""
        events: list[Event] = []
        while self._expiry and self._expiry[0][0] <= now:
            expires_at, trade_id = heapq.heappop(self._expiry)
            pos = self._positions.get(trade_id)
            if pos is None or pos.status is not _PENDING or pos.expires_at != expires_at:
                continue
            events.append(self._cancel(self._books[pos.spec.symbol], pos, now, CloseReason.EXPIRED))
        return events
