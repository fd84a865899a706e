"""Market watch: the configured symbols with bid, ask, spread, daily change and a stale mark.

- spread (pips) = (ask − bid) / pip size;
- daily change (%) = (bid − open of the day) / open of the day × 100, the
  day being the engine's forming D1 bar (UTC day; the simulator's own clock
  when it runs one); its tooltip gives the change in pips;
- stale: the quote came from a cache or the journal (``quote.stale``: no
  provider has answered lately) — the row is greyed and marked ``⚠``, and it
  triggers nothing in the engine.

Double-click a row to open the symbol on the chart; its context menu opens
the chart or a new-order ticket for it. Prices repaint with the window's
frames (about ten a second).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QPoint, Qt
from PySide6.QtCore import Signal as QtSignal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QMenu,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from engine.instruments import SPECS
from engine.orders import spread_pips as engine_spread_pips
from engine.values import Bar, Quote, Timeframe
from terminal.panels import format as fmt
from terminal.panels.cells import item_at
from terminal.tasks import TaskOwner, error_text
from terminal.theme import DARK, Palette

if TYPE_CHECKING:
    from engine.service import TradingEngine
    from terminal.bridge import EngineBridge

log = logging.getLogger(__name__)

COLUMNS = ("Symbol", "Bid", "Ask", "Spread", "Day")
HEADERS = ("Symbol", "Bid", "Ask", "Spr.", "Day")
ROW_HEIGHT = 20
STALE_MARK = "⚠ "


def spread_pips(symbol: str, quote: Quote) -> float:
    """(ask − bid) / pip size of ``symbol`` (``engine.orders.spread_pips``)."""
    return engine_spread_pips(symbol, quote.bid, quote.ask)


def day_change(symbol: str, bid: float, day_open: float | None) -> tuple[float, float] | None:
    """(change in %, change in pips) of ``bid`` since ``day_open``; None without an open."""
    if not day_open:
        return None
    spec = SPECS.get(symbol)
    return (bid - day_open) / day_open * 100.0, (bid - day_open) / (spec.pip_size if spec else 0.0001)


class MarketWatchPanel(QWidget):
    """One row per symbol of the engine; signals for the chart and the ticket."""

    chart_requested = QtSignal(str)  # open the symbol on the chart
    ticket_requested = QtSignal(str)  # open a new-order ticket for the symbol
    message = QtSignal(str)

    def __init__(self, engine: TradingEngine, palette: Palette = DARK, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.engine = engine
        self.palette_ = palette
        self.symbols = list(engine.symbols)
        self.day_open: dict[str, float] = {}
        self.tasks = TaskOwner(lambda name, exc: self.message.emit(f"{name}: {error_text(exc)}"))
        self.table = QTableWidget(len(self.symbols), len(COLUMNS))
        self.table.setObjectName("market_watch")
        self.table.setHorizontalHeaderLabels(HEADERS)
        for column, tip in ((3, "spread in pips"), (4, "change since the open of the day, %")):
            header_item = self.table.horizontalHeaderItem(column)
            if header_item is not None:  # set by setHorizontalHeaderLabels
                header_item.setToolTip(tip)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(ROW_HEIGHT)
        self.table.setStyleSheet("QTableWidget { font-size: 11px; } QHeaderView::section { padding: 2px 3px; }")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setMinimumSectionSize(30)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._menu)
        self.table.cellDoubleClicked.connect(lambda row, _col: self.chart_requested.emit(self.symbols[row]))
        for row, symbol in enumerate(self.symbols):
            self._set(row, 0, symbol, right=False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table)

    def rows_height(self, rows: int = 6) -> int:
        """Height that shows the header and up to ``rows`` symbols without scrolling."""
        shown = min(len(self.symbols), rows)
        return self.table.horizontalHeader().sizeHint().height() + shown * ROW_HEIGHT + 4

    def row_of(self, symbol: str) -> int:
        return self.symbols.index(symbol)

    def cell(self, symbol: str, column: str) -> QTableWidgetItem:
        return item_at(self.table, self.row_of(symbol), COLUMNS.index(column))

    def _set(
        self, row: int, col: int, text: str, *, right: bool = True, colour: str | None = None, tooltip: str = ""
    ) -> None:
        item = self.table.item(row, col)
        if item is None:
            item = QTableWidgetItem()
            self.table.setItem(row, col, item)
            if right:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if item.text() != text:
            item.setText(text)
        item.setForeground(QBrush(QColor(colour or self.palette_.text)))
        item.setToolTip(tooltip)

    def follow(self, bridge: EngineBridge) -> None:
        """Repaint on every price frame and read the day's open when a D1 bar closes (the window calls it once)."""
        bridge.frame.connect(self.on_frame)
        bridge.bar_closed.connect(self.on_bar)

    # --- data ------------------------------------------------------------------------
    async def reload(self) -> None:
        """Read each symbol's open of the day (the forming D1 bar) and paint the last quotes."""
        for symbol in self.symbols:
            bars = await self.engine.bars(symbol, Timeframe.D1, 1)
            if bars:
                self.day_open[symbol] = bars[-1].open
        self.on_frame({s: q for s in self.symbols if (q := self.engine.quote(s)) is not None})

    def on_bar(self, bar: Bar) -> None:
        """A D1 bar closed: the next day's open is the forming bar's (read it again)."""
        if bar.timeframe is Timeframe.D1 and bar.symbol in self.symbols:
            self.tasks.spawn(self.reload(), "market-watch-day-open")

    def on_frame(self, quotes: dict[str, Quote]) -> None:
        """Repaint the rows of the symbols in ``quotes``."""
        p = self.palette_
        for symbol, quote in quotes.items():
            if symbol not in self.symbols:
                continue
            row = self.row_of(symbol)
            muted = p.muted if quote.stale else None
            stale_tip = (
                (
                    "stale: no provider has answered lately; this price comes from the cache or the "
                    "journal and triggers nothing"
                )
                if quote.stale
                else f"{quote.source} · {fmt.when(quote.time)} UTC"
            )
            self._set(
                row, 0, (STALE_MARK if quote.stale else "") + symbol, right=False, colour=muted, tooltip=stale_tip
            )
            self._set(row, 1, fmt.price(symbol, quote.bid), colour=muted or p.bid)
            self._set(row, 2, fmt.price(symbol, quote.ask), colour=muted)
            self._set(row, 3, f"{spread_pips(symbol, quote):.1f}", colour=muted, tooltip="spread in pips")
            change = day_change(symbol, quote.bid, self.day_open.get(symbol))
            if change is None:
                self._set(row, 4, "—", colour=p.muted, tooltip="no open of the day yet")
            else:
                percent, pips = change
                colour = muted or (p.profit if percent > 0 else p.loss if percent < 0 else None)
                self._set(
                    row,
                    4,
                    f"{percent:+.2f}%",
                    colour=colour,
                    tooltip=f"{pips:+.1f} pips since the day's open {fmt.price(symbol, self.day_open[symbol])}",
                )

    def _menu(self, pos: QPoint) -> None:
        row = self.table.rowAt(pos.y())
        if row < 0:
            return
        symbol = self.symbols[row]
        menu = QMenu(self)
        menu.addAction(f"New order for {symbol}…").triggered.connect(lambda: self.ticket_requested.emit(symbol))
        menu.addAction(f"Open {symbol} on the chart").triggered.connect(lambda: self.chart_requested.emit(symbol))
        menu.popup(self.table.viewport().mapToGlobal(pos))
        self.context_menu = menu  # kept for tests (and alive while open)

    def apply_palette(self, palette: Palette) -> None:
        """Recolour the rows in ``palette`` (the window's theme)."""
        self.palette_ = palette
        self.on_frame({s: q for s in self.symbols if (q := self.engine.quote(s)) is not None})
