"""``PaperBroker``: the commands and queries of the paper trading account.

The price-driven half (ticks, fills, closes, valuation, stop-out) is in
core.py; the rules of each field in rules.py; lot sizing in sizing.py.
Every method is synchronous, in memory and does no I/O; each command returns
the events it caused, each carrying a full ``TradeRecord``.

Times: a record's ``open_time``/``close_time`` is the time of the quote that
caused it, or ``now`` when a command passes one (commands default to the time
of the symbol's last quote).
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import ROUND_HALF_UP, Decimal

from engine.broker import savepoint as _savepoint
from engine.broker.book import SymbolBook
from engine.broker.core import BrokerCore
from engine.broker.position import Position
from engine.broker.requests import UNSET
from engine.broker.rules import (
    as_lots,
    check_expiry,
    check_pending_price,
    check_stops,
    price_value,
    reject,
)
from engine.broker.sizing import risk_lots
from engine.broker.triggers import pending_heap
from engine.errors import NotFound
from engine.events import Event, OrderPlaced, TradeModified
from engine.orders import OrderRequest, check_trailing
from engine.values import AccountSnapshot, CloseReason, OrderType, Quote, Side, TradeRecord, TradeStatus, money, utc

_PIP_VALUE_QUANTUM = Decimal("0.0001")


@dataclass(frozen=True, slots=True)
class _Order:
    """An order request that passed every rule (``PaperBroker._validated``)."""

    book: SymbolBook
    side: Side
    order_type: OrderType
    price: float
    sl: float | None
    tp: float | None
    trailing: float | None
    lots: Decimal
    when: datetime
    expires_at: datetime | None
    request: OrderRequest  # as validated (normalised)


class PaperBroker(BrokerCore):
    """A simulated forex account (see docs/ARCHITECTURE.md for the API)."""

    _last_rollover: date | None = None

    # ------------------------------------------------------------ commands
    def place(self, request: OrderRequest, now: datetime | None = None) -> list[Event]:
        """Place a market or pending order; raise ``OrderRejectedError`` naming the field."""
        order = self._validated(request, now)
        pos = Position(
            id=self._take_id(),
            spec=order.book.spec,
            side=order.side,
            order_type=order.order_type,
            status=TradeStatus.PENDING,
            lots=order.lots,
            requested_price=order.price,
            sl=order.sl,
            tp=order.tp,
            trailing_pips=order.trailing,
            created_at=order.when,
            expires_at=order.expires_at,
            signal_id=order.request.signal_id,
            parent_id=None,
            comment=order.request.comment,
        )
        book = order.book
        self._positions[pos.id] = pos
        book.positions[pos.id] = pos
        if order.order_type is not OrderType.MARKET:
            self._watch_pending(book, pos)
            return [OrderPlaced(pos.record())]
        return [self._open(book, pos, self._open_price(book, pos, slip=True), order.when)]

    def check(self, request: OrderRequest, now: datetime | None = None) -> None:
        """Raise the ``OrderRejectedError`` that ``place(request)`` would raise now; change nothing.

        The one definition of an order's rules, for a ticket's pre-check.
        """
        self._validated(request, now)

    def _validated(self, request: OrderRequest, now: datetime | None) -> _Order:
        if not isinstance(request, OrderRequest):
            raise TypeError(f"place() needs an OrderRequest, got {type(request).__name__}")
        request = request.validate()  # the rules that need no market: engine.orders
        book = self._book(request.symbol)
        spec = book.spec
        side, order_type = request.side, request.order_type
        bid, ask = book.bid, book.ask
        if bid is None or ask is None or book.time is None:
            raise reject(f"No price yet for {spec.symbol}", "symbol", "no_price")
        when = book.time if now is None else now if now.tzinfo is timezone.utc else utc(now)
        if not self._market_open(spec.symbol, when):
            raise reject(f"The market for {spec.symbol} is closed", "symbol", "market_closed")
        pending = order_type is not OrderType.MARKET
        expires_at = None
        if pending:
            price = price_value(request.price, spec, "price", "invalid_price")
            check_pending_price(side, order_type, price, bid, ask, spec.digits)
            reference, what = price, f"{order_type.value} price"
            expires_at = check_expiry(request.expires_at, when)
        else:
            price = spec.round_price(ask if side is Side.BUY else bid)
            reference, what = (bid, "bid") if side is Side.BUY else (ask, "ask")
        sl = None if request.sl is None else price_value(request.sl, spec, "sl", "invalid_stops")
        tp = None if request.tp is None else price_value(request.tp, spec, "tp", "invalid_stops")
        check_stops(side, reference, sl, tp, what, spec.digits)
        trailing = request.trailing_pips
        factor = self._factor(book)
        if factor is None:
            raise reject(
                f"No rate to convert {spec.quote} into {self._currency}: "
                f"quote {spec.quote}{self._currency} or a USD cross first",
                "symbol",
                "no_rate",
            )
        if request.lots is not None:
            lots = as_lots(request.lots, spec)
        else:  # validate(): a risk % and an SL
            assert request.risk_percent is not None and sl is not None
            lots = self.lot_size(spec.symbol, request.risk_percent, price, sl)
        needed = float(lots) * spec.contract_size * price / self._leverage * factor
        free = self.equity_f() - self._margin_total
        if needed > free:
            raise reject(
                f"Not enough free margin: {lots} lots of {spec.symbol} need "
                f"{needed or 0:.2f} {self._currency}, free margin is {free:.2f}",
                "lots",
                "no_money",
            )
        return _Order(book, side, order_type, price, sl, tp, trailing, lots, when, expires_at, request)

    def modify(
        self,
        trade_id: int,
        *,
        sl: object = UNSET,
        tp: object = UNSET,
        trailing_pips: object = UNSET,
        price: object = UNSET,
        expires_at: object = UNSET,
        now: datetime | None = None,
    ) -> list[Event]:
        """Change SL/TP/trailing of a trade or order, and the price/expiry of a pending order.

        ``None`` removes a stop; ``UNSET`` (default) leaves it. A manual SL
        change makes a later stop-loss close ``sl`` again (not ``trailing``). The values
        are raw input, validated here (``price_value``, ``check_trailing``, ``check_expiry``).
        """
        pos = self._active(trade_id)
        book = self._books[pos.spec.symbol]
        spec = book.spec
        pending = pos.status is TradeStatus.PENDING
        bid, ask = book.bid, book.ask
        if bid is None or ask is None or book.time is None:
            raise reject(f"No price yet for {spec.symbol}", "symbol", "no_price")
        new_price = pos.requested_price
        if not pending:
            if price is not UNSET:
                raise reject("Only a pending order's price can change", "price", "invalid_state")
            if expires_at is not UNSET:
                raise reject("Only a pending order has an expiry", "expires_at", "invalid_state")
            reference, what = (bid, "bid") if pos.sign > 0 else (ask, "ask")
        else:
            if price is not UNSET:
                new_price = price_value(price, spec, "price", "invalid_price")
                check_pending_price(pos.side, pos.order_type, new_price, bid, ask, spec.digits)
            assert new_price is not None  # a pending order always has its price
            reference, what = new_price, f"{pos.order_type.value} price"
        new_sl = pos.sl if sl is UNSET else (None if sl is None else price_value(sl, spec, "sl", "invalid_stops"))
        new_tp = pos.tp if tp is UNSET else (None if tp is None else price_value(tp, spec, "tp", "invalid_stops"))
        price_changed = price is not UNSET
        check_stops(
            pos.side,
            reference,
            new_sl if (sl is not UNSET or price_changed) else None,
            new_tp if (tp is not UNSET or price_changed) else None,
            what,
            spec.digits,
        )
        new_trailing = pos.trailing_pips if trailing_pips is UNSET else check_trailing(trailing_pips)
        new_expiry = pos.expires_at
        if pending and expires_at is not UNSET:
            new_expiry = check_expiry(expires_at, utc(now) if now is not None else book.time)
        # Every check passed: apply.
        lv = book.levels
        if sl is not UNSET:
            pos.sl = new_sl
            pos.trailed = False
        pos.tp = new_tp
        pos.set_trailing(new_trailing)
        if pending:
            pos.requested_price = new_price
            pos.expires_at = new_expiry
            self._watch_pending(book, pos)
        else:
            side = pos.side.value
            lv.push(f"{side}_sl", pos.sl, pos.id)
            lv.push(f"{side}_tp", pos.tp, pos.id)
            pos.trail_key = pos.next_trail_level()
            lv.push(f"trail_{side}", pos.trail_key, pos.id)
            lv.refresh()
        return [TradeModified(self._open_record(book, pos))]

    def close(self, trade_id: int, lots: Decimal | None = None, now: datetime | None = None) -> list[Event]:
        """Close a trade at market (wholly, or ``lots`` of it), or cancel a pending order."""
        pos = self._active(trade_id)
        book = self._books[pos.spec.symbol]
        when = utc(now) if now is not None else (book.time or pos.created_at)
        if pos.status is TradeStatus.PENDING:
            if lots is not None:
                raise reject(
                    f"order #{pos.id} is pending: it can only be cancelled whole (close without lots)",
                    "lots",
                    "invalid_state",
                )
            return [self._cancel(book, pos, when, CloseReason.CANCELLED)]
        if book.bid is None:
            raise reject(f"No price yet for {book.symbol}", "symbol", "no_price")
        assert when is not None  # book.time is set with the first price
        if not self._market_open(book.symbol, when):
            raise reject(f"The market for {book.symbol} is closed", "symbol", "market_closed")
        amount = pos.lots
        if lots is not None:
            amount = as_lots(lots, book.spec)
            if amount >= pos.lots:
                raise reject(
                    f"A partial close needs fewer lots than the open {pos.lots}; close without lots to close it all",
                    "lots",
                    "invalid_lots",
                )
            if pos.lots - amount < book.spec.lot_min:
                raise reject(
                    f"Closing {amount} of {pos.lots} lots would leave less than the minimum {book.spec.lot_min}",
                    "lots",
                    "invalid_lots",
                )
        price = self._close_price(book, pos, slip=True)
        return [self._close_lots(book, pos, amount, price, when, CloseReason.MANUAL)]

    def expire(self, now: datetime) -> list[Event]:
        """Cancel, with close_reason ``expired``, pending orders whose expiry is at or before ``now``."""
        return self._expire_until(utc(now))

    def rollover(self, now: datetime) -> list[Event]:
        """Apply one night of swap to every open trade (once per UTC date; off unless enabled).

        swap = pips per night (long for buys, short for sells; + credit,
        − charge) × pip value of the trade's lots, rounded to the cent and
        added to the trade's ``swap`` (settled into the balance at close).
        """
        if not self.config.swap_enabled:
            return []
        day = utc(now).date()
        if day == self._last_rollover:
            return []
        self._last_rollover = day
        events: list[Event] = []
        for pos in sorted(self._positions.values(), key=lambda p: p.id):
            if pos.status is not TradeStatus.OPEN:
                continue
            pips = self.config.swap_long_pips_per_night if pos.sign > 0 else self.config.swap_short_pips_per_night
            book = self._books[pos.spec.symbol]
            value = self._pip_value_exact(book, pos.lots)
            if pips == 0 or value is None:
                continue
            amount = money(Decimal(repr(pips)) * value)
            pos.swap += amount
            self._add_costs(-amount)
            events.append(TradeModified(self._open_record(book, pos)))
        return events

    def restore(
        self, balance: Decimal, trades: Iterable[TradeRecord], next_id: int, initial_balance: Decimal | None = None
    ) -> None:
        """Reload the account after a restart: balance, open trades and pending orders, next id.

        Closed records in ``trades`` are only remembered as finished ids.
        Open trades resume being watched (their stored MFE/MAE are kept as a floor).
        """
        for book in self._books.values():
            book.positions.clear()
            for heap in book.levels.heaps.values():
                heap.clear()
            book.levels.refresh()
            book.n_open = 0
            book.recount()
            book.excursions.reset()
        self._positions.clear()
        self._finished.clear()
        self._expiry.clear()
        self._balance = money(balance)
        self._balance_f = float(self._balance)
        if initial_balance is not None:
            self._initial = money(initial_balance)
        self._open_costs = Decimal("0")
        self._open_costs_f = 0.0
        top = max(1, int(next_id))
        for rec in trades:
            top = max(top, rec.id + 1)
            if rec.status not in (TradeStatus.OPEN, TradeStatus.PENDING):
                self._finished.add(rec.id)
                continue
            book = self._book(rec.symbol)
            pos = Position(
                id=rec.id,
                spec=book.spec,
                side=rec.side,
                order_type=rec.order_type,
                status=rec.status,
                lots=rec.lots,
                requested_price=rec.requested_price,
                sl=rec.sl,
                tp=rec.tp,
                trailing_pips=rec.trailing_pips,
                created_at=rec.created_at,
                expires_at=rec.expires_at,
                signal_id=rec.signal_id,
                parent_id=rec.parent_id,
                comment=rec.comment,
            )
            pos.mirror_ticket, pos.mirror_state = rec.mirror_ticket, rec.mirror_state
            self._positions[pos.id] = pos
            book.positions[pos.id] = pos
            if rec.status is TradeStatus.PENDING:
                self._watch_pending(book, pos)
                continue
            if rec.entry_price is None:
                raise ValueError(f"trade {rec.id} is open but has no entry price")
            pos.entry, pos.open_time = rec.entry_price, rec.open_time
            pos.commission, pos.swap = rec.commission, rec.swap
            pos.mfe0, pos.mae0 = rec.mfe_pips, rec.mae_pips
            pos.trailed = (
                rec.trailing_pips is not None and rec.sl is not None and pos.sign * (rec.sl - rec.entry_price) >= 0
            )
            self._add_costs(pos.commission - pos.swap)
            self._activate(book, pos)
        self._next_id = top
        for book in self._books.values():
            self._revalue(book)
        self._resum()

    def savepoint(self, trade_ids: Iterable[int] = ()) -> _savepoint.Savepoint:
        """Remember the account before a command on ``trade_ids`` (O(1); see savepoint.py)."""
        return _savepoint.take(self, trade_ids)

    def rollback(self, point: _savepoint.Savepoint) -> None:
        """Undo the command run since ``point`` (its journal write failed); see savepoint.py."""
        _savepoint.roll_back(self, point)

    def set_mirror(self, trade_id: int, ticket: str | None, state: str | None) -> TradeRecord:
        """Record a bridge's ticket/state on an active trade; return its new record (``NotFound`` otherwise)."""
        pos = self._positions.get(trade_id)
        if pos is None:
            raise NotFound(f"no active trade {trade_id}", field="trade_id")
        pos.mirror_ticket, pos.mirror_state = ticket, state
        return self._open_record(self._books[pos.spec.symbol], pos)

    # ------------------------------------------------------------- queries
    @property
    def next_id(self) -> int:
        """The id the next trade or partial-close record will get."""
        return self._next_id

    def account(self) -> AccountSnapshot:
        """Balance, equity, margin, free margin and margin level now (account currency)."""
        equity = money(self._balance + Decimal(repr(self._gross_total)) - self._open_costs)
        margin = money(repr(self._margin_total))
        level = float(equity) / float(margin) * 100.0 if margin > 0 else None
        return AccountSnapshot(
            balance=self._balance,
            equity=equity,
            margin=margin,
            free_margin=equity - margin,
            margin_level=level,
            currency=self._currency,
            leverage=self.config.leverage,
            initial_balance=self._initial,
        )

    def trade(self, trade_id: int) -> TradeRecord:
        """Return the record of an open trade or pending order; ``NotFound`` otherwise."""
        pos = self._positions.get(trade_id)
        if pos is None:
            raise NotFound(f"no active trade {trade_id}", field="trade_id")
        return self._open_record(self._books[pos.spec.symbol], pos)

    def active_trades(self) -> list[TradeRecord]:
        """Records of every open trade and pending order, by id."""
        return [
            self._open_record(self._books[p.spec.symbol], p)
            for p in sorted(self._positions.values(), key=lambda p: p.id)
        ]

    def last_quote(self, symbol: str) -> Quote | None:
        book = self._books.get(symbol.upper()) if isinstance(symbol, str) else None
        return None if book is None else book.last_quote()

    def lot_size(self, symbol: str, risk_percent: float, entry: float, sl: float) -> Decimal:
        """Lots risking ``risk_percent`` % of equity between ``entry`` and ``sl`` (see sizing.py)."""
        book = self._book(symbol.upper())
        entry_price = price_value(entry, book.spec, "entry", "invalid_price")
        sl_price = price_value(sl, book.spec, "sl", "invalid_stops")
        per_lot = self._pip_value_exact(book, Decimal(1))
        if per_lot is None:
            raise reject(f"no rate to convert {book.spec.quote} into {self._currency}", "symbol", "no_rate")
        return risk_lots(book.spec, risk_percent, self.account().equity, entry_price, sl_price, per_lot)

    def pip_value(self, symbol: str, lots: Decimal) -> Decimal:
        """Account-currency value of one pip on ``lots`` now (to 0.0001; ``no_rate`` when unknown)."""
        book = self._book(symbol.upper())
        value = self._pip_value_exact(book, Decimal(lots))
        if value is None:
            raise reject(f"no rate to convert {book.spec.quote} into {self._currency}", "symbol", "no_rate")
        return value.quantize(_PIP_VALUE_QUANTUM, rounding=ROUND_HALF_UP)

    def trigger_bounds(self, symbol: str) -> tuple[float | None, float | None, float | None, float | None]:
        """Nearest levels that would trigger anything: (low_bid, high_bid, low_ask, high_ask).

        A bid at or below ``low_bid`` or at or above ``high_bid`` (an ask at or
        beyond its bounds) may fill, close or trail something; prices strictly
        inside cannot. None means no level on that side. Stop-out and expiry
        are not price levels of one symbol and are not included.
        """
        book = self._books.get(symbol.upper())
        if book is None:
            return None, None, None, None
        book.levels.fresh()
        return book.levels.bounds()

    # ------------------------------------------------------------ helpers
    def _active(self, trade_id: int) -> Position:
        pos = self._positions.get(trade_id)
        if pos is not None:
            return pos
        if trade_id in self._finished:
            raise reject(f"Trade #{trade_id} is already closed", "trade_id", "invalid_state")
        raise NotFound(f"no trade {trade_id}", field="trade_id")

    def _watch_pending(self, book: SymbolBook, pos: Position) -> None:
        book.levels.push(pending_heap(pos.side, pos.order_type), pos.requested_price, pos.id)
        book.levels.refresh()
        if pos.expires_at is not None:
            heapq.heappush(self._expiry, (pos.expires_at, pos.id))

    def _pip_value_exact(self, book: SymbolBook, lots: Decimal) -> Decimal | None:
        factor = self._factor(book)
        if factor is None:
            return None
        spec = book.spec
        return Decimal(repr(spec.pip_size)) * spec.contract_size * lots * Decimal(repr(factor))
