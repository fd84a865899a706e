"""The chart on a running engine: history, live prices and bars, trade levels, markers, dragged levels.

``LiveChart`` keeps a ``ChartView`` in step with a ``TradingEngine``. It
loads the history of the symbol and timeframe shown through ``engine.bars``
whenever they change (and again once the start-up backfill is in), applies
every price and closed bar the engine publishes, draws the levels of the
active trades whenever they change, and marks opens, closes and signals.
A level the user drags is confirmed first (when ``confirm_drag()`` says so)
and sent through ``engine.modify_trade``; a refusal puts the line back.
Lines for the status bar go out through ``message``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt
from PySide6.QtCore import Signal as QtSignal
from PySide6.QtWidgets import QMessageBox

from engine.errors import NotFound, ValidationError
from engine.events import TradeClosed
from engine.values import Bar, Signal, Timeframe, TradeRecord, TradeStatus
from terminal.chart.overlays import Marker
from terminal.chart.view import ChartView
from terminal.tasks import TaskOwner, error_text

if TYPE_CHECKING:
    from engine.events import HistoryBackfillProgressed
    from engine.service import TradingEngine
    from terminal.bridge import EngineBridge

log = logging.getLogger(__name__)

HISTORY_LIMIT = 1500  # bars loaded per symbol and timeframe
MIN_HALF_WIDTH = 60  # bars each side of a trade shown by ``show_trade``


def trade_markers(trades: list[TradeRecord], *, opens: bool = True, closes: bool = True) -> list[Marker]:
    """An arrow at the open (``opens``) and one at the close (``closes``) of each trade that has them."""
    markers = []
    for t in trades:
        if opens and t.open_time and t.entry_price:
            markers.append(Marker(t.symbol, t.open_time, t.entry_price, t.side, "open"))
        if closes and t.close_time and t.close_price:
            markers.append(Marker(t.symbol, t.close_time, t.close_price, t.side, "close"))
    return markers


class LiveChart(QObject):
    """Keeps ``chart`` in step with ``engine`` (see the module docstring)."""

    message = QtSignal(str)

    def __init__(
        self,
        chart: ChartView,
        engine: TradingEngine,
        *,
        tasks: TaskOwner,
        confirm_drag: Callable[[], bool],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.chart = chart
        self.engine = engine
        self.tasks = tasks
        self.confirm_drag = confirm_drag
        chart.symbol_changed.connect(lambda _symbol: self.reload())
        chart.timeframe_changed.connect(lambda _timeframe: self.reload())
        chart.level_dragged.connect(self.on_level_dragged)

    def follow(self, bridge: EngineBridge) -> None:
        """Apply the engine's prices, bars, trades and signals as it publishes them (the window calls it once)."""
        bridge.quote_received.connect(self.chart.apply_quote)
        bridge.bar_closed.connect(self.chart.apply_bar)
        bridge.frame.connect(lambda _quotes: self.chart.repaint_now())
        bridge.trades_changed.connect(self.redraw_trades)
        bridge.trade_event.connect(self._on_trade_event)
        bridge.signal_received.connect(self._on_signal)
        bridge.history_progress.connect(self._on_history_progress)

    # --- history ---------------------------------------------------------------------
    async def bars(self, symbol: str, timeframe: Timeframe) -> list[Bar]:
        """The engine's bars of ``symbol`` and ``timeframe``: closed ones and the forming one."""
        return await self.engine.bars(symbol, timeframe, limit=HISTORY_LIMIT)

    async def load(self) -> None:
        """Load the history of the symbol and timeframe shown, then draw the trades on it."""
        await self.chart.load(self.bars)
        self.redraw_trades()

    def reload(self) -> None:
        """``load`` in the background."""
        self.tasks.spawn(self.load(), "chart-load")

    def _on_history_progress(self, event: HistoryBackfillProgressed) -> None:
        if event.done == event.total:
            self.reload()

    # --- trades and markers ------------------------------------------------------------
    def redraw_trades(self) -> None:
        """Draw the levels of the active trades and an arrow at each open trade's entry."""
        active = self.engine.active_trades()
        self.chart.set_trades(active)
        opened = [t for t in active if t.status is TradeStatus.OPEN]
        self.chart.markers.add_many(trade_markers(opened, closes=False), self.chart.series)

    def mark(self, trades: list[TradeRecord]) -> None:
        """Arrows at the opens and closes of ``trades`` (the closed trades the history holds)."""
        self.chart.markers.add_many(trade_markers(trades), self.chart.series)

    def _on_trade_event(self, event: object) -> None:
        if isinstance(event, TradeClosed):
            for marker in trade_markers([event.trade], opens=False):
                self.chart.add_marker(marker)

    def _on_signal(self, signal: Signal) -> None:
        self.chart.add_marker(Marker(signal.symbol, signal.created_at, signal.entry, signal.side, "signal"))

    def show_signal(self, signal: Signal) -> None:
        """Show ``signal`` on the chart: its symbol (loaded first when it is another), levels and pattern."""
        symbol_before = self.chart.symbol
        self.chart.show_signal(signal)
        if signal.symbol != symbol_before:
            self.tasks.spawn(self._show_after_load(signal), "chart-show-signal")

    async def _show_after_load(self, signal: Signal) -> None:
        await self.load()
        self.chart.show_signal(signal)

    async def show_trade(self, trade: TradeRecord) -> None:
        """Show ``trade``'s symbol, centred on its life (at least ``MIN_HALF_WIDTH`` bars each side)."""
        if trade.symbol != self.chart.symbol:
            self.chart.set_symbol(trade.symbol)
            await self.load()
        when = trade.open_time or trade.created_at
        index = self.chart.series.index_at(when) if when else -1
        if index >= 0:
            self.chart.follow = False
            end = self.chart.series.index_at(trade.close_time) if trade.close_time else index
            half = max(MIN_HALF_WIDTH, (end - index) // 2 + 20)
            self.chart.set_x_range((index + end) / 2 - half, (index + end) / 2 + half)

    # --- dragged SL/TP -------------------------------------------------------------------
    def on_level_dragged(self, trade_id: int, field: str, price: float) -> None:
        """Confirm (when ``confirm_drag()``) and send a dragged SL/TP/price through ``engine.modify_trade``."""
        if not self.confirm_drag():
            self.tasks.spawn(self._modify(trade_id, field, price), f"drag-modify-{trade_id}", user=True)
            return
        text = f"Move {field.upper() if field != 'price' else 'the order price'} of #{trade_id} to {price}?"
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Modify trade",
            text,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            self.chart.window(),
        )
        box.setObjectName("confirm_drag")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def answered(result: int) -> None:
            if result == QMessageBox.StandardButton.Yes:
                self.tasks.spawn(self._modify(trade_id, field, price), f"drag-modify-{trade_id}", user=True)
            else:
                self.redraw_trades()  # put the line back

        box.finished.connect(answered)
        box.open()

    async def _modify(self, trade_id: int, field: str, price: float) -> None:
        try:
            await self.engine.modify_trade(trade_id, **{field: price})
        except (ValidationError, NotFound) as exc:
            self.message.emit(f"#{trade_id} not modified: {error_text(exc)}")
            self.redraw_trades()
            return
        self.message.emit(f"#{trade_id} {field} moved to {price}")
