"""The replay loop: signals over recorded prices through the same ``PaperBroker`` as live trading.

Rules (DESIGN's ``replay``):

- A signal at time t executes at the first price strictly after t: for bars,
  the open of the first bar whose open time is after t; for ticks, the first
  tick after t. A bar's open at exactly t is not after t, so a signal stamped
  with the open time of the bar it was computed on can never trade on that
  bar's own prices (no look-ahead); a signal stamped at a bar's close waits
  one bar. A signal with no such price is reported
  ``not_executed``; one the broker refuses (margin, lots, stops…) is
  ``rejected`` with the broker's code and reason. A trade's ``signal_id`` is
  the line of its signal in the signals file and its ``comment`` the
  signal's ``source``.
- A bar is walked as four quotes: open (at the bar's time), the first
  extreme (at +¼ of the bar), the other extreme (+½), the close (+¾). The
  first extreme is normally the one nearer the open. When an open trade of
  the symbol has both its SL and its TP inside the bar, ``pessimistic`` walks
  towards its SL first and ``optimistic`` towards its TP first (with several
  such trades the oldest decides). Bars are bid prices; ask = bid + spread.
- Inside a bar the price moves continuously along that path, so a level it
  passes fills at the level itself (each passed level is sent to the broker
  as its own quote, nearest first). A stop or target that the price gaps
  through between bars fills at that price (the bar's open), as the broker
  does for any quote.

Speed: between signals, the rows that cannot trigger anything (per
``broker.trigger_bounds``) are skipped with numpy (``MarketRows.next_reach``);
for a skipped stretch the broker is still shown the stretch's lowest and
highest prices (in time order) so MFE/MAE see them, and, with several
symbols, each symbol's last close (conversion rates). With one symbol of bars
and no pending order, those extremes go to ``broker.observe`` (they can only
move MFE/MAE: the stretch reaches no level and no stop-out) instead of being
sent as quotes. Stop-out is not a price
level, so a guard adds levels that come before any possible stop-out (see
``engine.replay.guard``). The outcome is the same as walking every bar
(``skip_ahead=False``), which the tests check.
"""

from __future__ import annotations

import math
import time as _time
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

import numpy as np

from engine.errors import OrderRejectedError
from engine.events import StopOutTriggered
from engine.replay.collector import collector_paused
from engine.replay.files import PriceData
from engine.replay.guard import StopOutGuard
from engine.replay.market import MarketRows, levels_rows
from engine.replay.results import Intrabar, Outcome, ReplayResult, SignalOutcome
from engine.replay.signals import ReplaySignal
from engine.replay.stretch import StretchView
from engine.values import Side, TradeRecord, TradeStatus

# The replay's entry points, with the result types it returns (defined in results.py).
__all__ = ["Intrabar", "Outcome", "ReplayResult", "ReplayRunner", "SignalOutcome", "build_broker"]

_UTC = timezone.utc


def _ns_to_dt(ns: int) -> datetime:
    return datetime.fromtimestamp(ns / 1e9, tz=_UTC)


class ReplayRunner(StretchView):
    """Runs ``signals`` over ``data`` through ``broker`` (a ``PaperBroker``)."""

    def __init__(
        self,
        data: PriceData,
        signals: Sequence[ReplaySignal],
        broker: Any,
        *,
        order_factory: Callable[..., Any],
        spread_pips: float | None = None,
        intrabar: Intrabar = Intrabar.PESSIMISTIC,
        skip_ahead: bool = True,
        progress: Callable[[int, int], None] | None = None,
    ) -> None:
        self.market = MarketRows(data, spread_pips if data.kind == "bars" else None)
        self.broker = broker
        self.order_factory = order_factory
        self.intrabar = Intrabar(intrabar)
        self.skip_ahead = skip_ahead
        self.progress = progress
        self.trades: dict[int, TradeRecord] = {}
        # (open_ids, active_ids, _last_bid, _seen_low, _seen_high, _observe: typed in stretch.RunnerState)
        self.open_ids = set()
        self.active_ids = set()
        self.outcomes: dict[int, SignalOutcome] = {}
        self._signals = list(signals)
        self._due = self._schedule()
        self._feed = getattr(broker, "on_price", None)
        self._observe = getattr(broker, "observe", None)
        self._levels_cache: list[list[float]] | None = None
        self._guarded_cache: list[list[float]] | None = None
        self._quotes_sent = 0  # quotes sent to the broker so far
        self._guarded_at = -1  # ... when the guarded levels were computed
        self._guard = StopOutGuard(broker, self.market)
        self._lots_of: dict[int, Decimal] = {}  # open trade id → lots
        count = len(self.market.symbols)
        # per symbol: the last bid sent, and the lowest/highest bids sent since a trade last
        # opened on it (a stretch extreme inside them cannot change any MFE/MAE)
        self._last_bid = [math.nan] * count
        self._seen_low = [math.inf] * count
        self._seen_high = [-math.inf] * count
        self._open_lots: dict[str, Decimal] = {}  # symbol → Σ lots of its open trades

    # -- signals -------------------------------------------------------------------
    def _schedule(self) -> list[tuple[int, int]]:
        """(entry row, signal index) sorted by row; unplaceable signals get their outcome now."""
        market = self.market
        wanted: dict[int, list[int]] = {}  # symbol index -> indexes of its signals
        for index, signal in enumerate(self._signals):
            if signal.symbol not in market.symbols:
                self.outcomes[index] = SignalOutcome(
                    signal,
                    Outcome.NOT_EXECUTED,
                    code="no_prices",
                    reason=f"the data file holds no prices for {signal.symbol}",
                )
                continue
            wanted.setdefault(market.symbols.index(signal.symbol), []).append(index)
        due = []
        for k, indexes in wanted.items():
            # ``MarketRows.entry_row`` for all of the symbol's signals at once
            rows = market.rows_of(k)
            times = market.times if rows is None else market.times[rows]
            signal_times = np.array([self._signals[i].time_ns for i in indexes], dtype=np.int64)
            found = np.searchsorted(times, signal_times, side="right")
            for index, at in zip(indexes, found.tolist(), strict=True):
                if at >= times.shape[0]:
                    self.outcomes[index] = SignalOutcome(
                        self._signals[index],
                        Outcome.NOT_EXECUTED,
                        code="after_last_price",
                        reason="no price after the signal time: the data end before it",
                    )
                    continue
                due.append((at if rows is None else int(rows[at]), index))
        due.sort()
        return due

    def _place(self, index: int, when: datetime) -> None:
        signal = self._signals[index]
        self._levels_cache = self._guarded_cache = None
        request = self.order_factory(
            symbol=signal.symbol,
            side=signal.side,
            order_type=signal.order_type,
            lots=signal.lots,
            risk_percent=signal.risk_percent,
            price=signal.price,
            sl=signal.sl,
            tp=signal.tp,
            signal_id=signal.line,
            comment=signal.source,
        )
        try:
            events = self.broker.place(request, now=when)
        except OrderRejectedError as exc:
            self.outcomes[index] = SignalOutcome(signal, Outcome.REJECTED, code=exc.code, reason=exc.message)
            return
        trade_id = None
        for event in events:
            record = getattr(event, "trade", None)
            if record is not None and trade_id is None:
                trade_id = record.id
        self._absorb(events)
        self.outcomes[index] = SignalOutcome(signal, Outcome.EXECUTED, trade_id=trade_id)

    # -- broker state --------------------------------------------------------------
    def _absorb(self, events: list[Any]) -> None:
        trades, lots_of, open_lots = self.trades, self._lots_of, self._open_lots
        open_ids, active_ids = self.open_ids, self.active_ids
        for event in events:
            records = (
                event.closed
                if isinstance(event, StopOutTriggered)
                else (getattr(event, "trade", None), getattr(event, "remaining", None))
            )
            for record in records:
                if record is None:
                    continue
                trade_id, symbol, status = record.id, record.symbol, record.status
                trades[trade_id] = record
                self._guard.forget_exposure()
                was_open = lots_of.pop(trade_id, None)
                if was_open is not None:
                    open_lots[symbol] -= was_open
                if status is TradeStatus.OPEN:
                    if trade_id not in open_ids:
                        self._restart_seen(symbol)
                    open_ids.add(trade_id)
                    active_ids.add(trade_id)
                    lots_of[trade_id] = record.lots
                    open_lots[symbol] = open_lots.get(symbol, 0) + record.lots
                elif status is TradeStatus.PENDING:
                    active_ids.add(trade_id)
                else:
                    open_ids.discard(trade_id)
                    active_ids.discard(trade_id)

    def _quote(self, row: int, bid: float, ask: float, when_ns: int) -> None:
        sym = self.market.sym
        k = 0 if sym is None else int(sym[row])
        symbol = self.market.symbols[k]
        when = datetime.fromtimestamp(when_ns / 1e9, tz=_UTC)  # as _ns_to_dt
        self._last_bid[k] = bid
        if bid < self._seen_low[k]:
            self._seen_low[k] = bid
        if bid > self._seen_high[k]:
            self._seen_high[k] = bid
        self._quotes_sent += 1
        if self._feed is not None:
            events = self._feed(symbol, bid, ask, when)
        else:
            from engine.values import Quote

            events = self.broker.on_quote(Quote(symbol, bid, ask, when, "replay"))
        if events:
            self._levels_cache = self._guarded_cache = None  # levels move only with trades
            self._absorb(events)

    def _restart_seen(self, symbol: str) -> None:
        """A trade opened: extremes seen before now no longer bound its MFE/MAE."""
        if symbol in self.market.symbols:
            k = self.market.symbols.index(symbol)
            self._seen_low[k] = self._seen_high[k] = self._last_bid[k]

    # -- the walk ------------------------------------------------------------------
    def _low_first(self, row: int, o: float, h: float, low: float) -> bool:
        """Whether the bar's path visits the low before the high (see the module doc)."""
        market = self.market
        if self.open_ids and self._spans_levels(row, h, low):
            k = market.symbol_index(row)
            symbol = market.symbols[k]
            spread = market.spread_f[k]
            for trade_id in sorted(self.open_ids):
                trade = self.trades[trade_id]
                if trade.symbol != symbol or trade.sl is None or trade.tp is None:
                    continue
                if trade.side is Side.BUY:
                    both = low <= trade.sl and h >= trade.tp
                    sl_is_low = True
                else:
                    both = h + spread >= trade.sl and low + spread <= trade.tp
                    sl_is_low = False
                if both:
                    return sl_is_low if self.intrabar is Intrabar.PESSIMISTIC else not sl_is_low
        return o - low <= h - o

    def _spans_levels(self, row: int, h: float, low: float) -> bool:
        """Whether the bar reaches a trigger level below and one above (else no trade can have
        both its SL and its TP inside it)."""
        k = self.market.symbol_index(row)
        lb, hb, la, ha = self._real_levels()[k]
        spread = self.market.spread_f[k]
        eps = self.market.half_point_f[k]
        return low <= max(lb, la - spread) + eps and h >= min(hb, ha - spread) - eps

    def _walk(self, row: int, due_pos: int, levels: list[list[float]] | None) -> tuple[int, bool]:
        """Walk one row (placing the signals due on it).

        Return the next due position and whether the whole row was walked.
        With skip-ahead on single-symbol data, quotes that can change nothing
        are not sent: a path point that reaches no level (``levels``, the
        bounds the skip search used), is no new extreme since a trade last
        opened (MFE/MAE) and carries no due signal, and the rest of the path
        once no trade or order is active. When the orders placed at the open
        cannot trigger within the row, the rest of the row is left to the next
        skipped stretch (``False``), whose extremes include it.
        """
        market = self.market
        t = int(market.times[row])
        o = float(market.open[row])
        due = self._due
        signals_due = due_pos < len(due) and due[due_pos][0] == row
        lean = self.skip_ahead and market.sym is None
        k = market.symbol_index(row)
        if (
            not lean
            or signals_due
            or not self._seen_low[k] <= o <= self._seen_high[k]
            or (levels is not None and market.price_reaches(row, o, levels))
        ):
            self._quote(row, o, market.ask_at(row, o), t)
        while due_pos < len(due) and due[due_pos][0] == row:
            self._place(due[due_pos][1], _ns_to_dt(t))
            due_pos += 1
        if lean and signals_due and self.active_ids and not market.row_reaches(row, self._levels()):
            return due_pos, False
        if market.kind == "bars":
            h, low, c = float(market.high[row]), float(market.low[row]), float(market.close[row])
            step = market.bar_ns // 4
            first, second = (low, h) if self._low_first(row, o, h, low) else (h, low)
            current = o
            for part, price in enumerate((first, second, c), start=1):
                if lean and not self.active_ids:
                    break
                self._move(row, current, price, t + part * step, lean)
                current = price
        return due_pos, True

    def _move(self, row: int, current: float, target: float, when_ns: int, lean: bool) -> None:
        """Move the price within a bar from ``current`` to ``target``.

        Inside a bar the price moves continuously, so every trigger level it
        passes is touched at that level (a stop inside a bar fills at its
        price; only a gap between bars fills beyond it): each level strictly
        between is sent as its own quote, nearest first, then ``target``.
        When ``lean``, ``target`` itself is sent only when it can matter: it
        reaches a (guarded) level or is a new extreme for MFE/MAE.
        """
        market = self.market
        k = market.symbol_index(row)
        spread, digits = market.spread_f[k], market.digits[k]
        for _ in range(256):
            if not self.active_ids or target == current:
                break
            lb, hb, la, ha = self._real_levels()[k]
            # the nearest bid level strictly between (±inf never is), bid or ask side
            level = None
            if target < current:
                bid_level, ask_level = round(lb, digits), round(la - spread, digits)
                if target < bid_level < current:
                    level = bid_level
                if target < ask_level < current and (level is None or ask_level > level):
                    level = ask_level
            else:
                bid_level, ask_level = round(hb, digits), round(ha - spread, digits)
                if current < bid_level < target:
                    level = bid_level
                if current < ask_level < target and (level is None or ask_level < level):
                    level = ask_level
            if level is None:
                break
            self._quote(row, level, market.ask_at(row, level), when_ns)
            current = level
        if (
            lean
            and self._seen_low[k] <= target <= self._seen_high[k]
            and not market.price_reaches(row, target, self._levels())
        ):
            return
        self._quote(row, target, market.ask_at(row, target), when_ns)

    def _levels(self) -> list[list[float]]:
        """Every symbol's trigger bounds, tightened by the stop-out guard (cached until the
        next quote or order)."""
        if self._guarded_cache is None:
            real = self._real_levels()
            guarded = real
            if self.open_ids:
                guarded = [row[:] for row in real]
                self._guard.tighten(guarded, self._open_lots)
            self._guarded_cache = guarded
            self._guarded_at = self._quotes_sent
        return self._guarded_cache

    def _real_levels(self) -> list[list[float]]:
        """The broker's trigger levels of every symbol (symbols × 4), cached."""
        if self._levels_cache is None:
            self._levels_cache = levels_rows([self.broker.trigger_bounds(s) for s in self.market.symbols])
        return self._levels_cache

    def _end_at_last_closes(self) -> None:
        """Leave every symbol at its last close, as walking every row does (final equity)."""
        market = self.market
        for k in range(len(market.symbols)):
            rows = market.rows_of(k)
            last = market.rows - 1 if rows is None else int(rows[-1])
            close = float(market.close[last])
            self._quote(last, close, market.ask_at(last, close), int(market.times[last]) + 3 * (market.bar_ns // 4))

    def run(self) -> ReplayResult:
        """Replay every row; return the trades, outcomes and final account."""
        with collector_paused():
            return self._run()

    def _run(self) -> ReplayResult:
        started = _time.perf_counter()
        market, due = self.market, self._due
        n = market.rows
        pos = due_pos = 0
        report_every = max(1, n // 100)
        next_report = report_every
        symbols = market.symbols
        while pos < n:
            limit = due[due_pos][0] if due_pos < len(due) else n
            levels = None
            if not self.skip_ahead:
                row = pos
            elif self.active_ids:
                levels = self._levels()
                row = market.next_reach(pos, limit, levels)
            else:
                row = limit
            if row > pos and (self.open_ids or market.sym is not None):
                self._show_stretch(pos, row)
            if row >= n:
                break
            due_pos, whole = self._walk(row, due_pos, levels)
            if self._guarded_at != self._quotes_sent:
                self._guarded_cache = None  # re-anchor the stop-out guard at the new price
            pos = row + 1 if whole else row
            if self.progress is not None and pos >= next_report:
                self.progress(pos, n)
                next_report = pos + report_every
        if self.skip_ahead and n:
            self._end_at_last_closes()
        if self.progress is not None:
            self.progress(n, n)
        outcomes = [self.outcomes[i] for i in range(len(self._signals))]
        return ReplayResult(
            trades=dict(sorted(self.trades.items())),
            outcomes=outcomes,
            account=self.broker.account(),
            rows=n,
            kind=market.kind,
            seconds=_time.perf_counter() - started,
            symbols=list(symbols),
        )


def build_broker(
    *, balance: Decimal, currency: str, leverage: int, commission: Decimal, slippage_pips: float
) -> tuple[Any, Callable[..., Any]]:
    """A fresh ``PaperBroker`` with these settings, and its ``OrderRequest`` class."""
    from engine.broker import BrokerConfig, FixedSlippage, OrderRequest, PaperBroker

    config = BrokerConfig(
        balance=balance,
        currency=currency,
        leverage=leverage,
        commission_per_lot_side=commission,
        slippage=FixedSlippage(slippage_pips),
    )
    return PaperBroker(config), OrderRequest
