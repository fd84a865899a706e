"""The trade history tab: closed trades with filters and export to CSV.

Filters: symbol, date range (close time, UTC, both days inclusive) and result
(wins: net > 0, losses: net < 0, breakeven: net = 0; net = pnl − commission
+ swap). The columns are ``engine.trade_schema``'s ``TABLE`` fields, with their
labels; the CSV is its ``SHEET`` view (what ``paper-terminal export --format
csv`` writes, plus ``net``), written on a worker thread.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QDate, Qt
from PySide6.QtCore import Signal as QtSignal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from engine.events import TradeClosed
from engine.trade_schema import NUMERIC, View, csv_text, fields
from engine.values import TradeRecord, TradeStatus
from terminal.panels import format as fmt
from terminal.panels.columns import ColumnFitter
from terminal.tasks import TaskOwner, disabled_while, error_text
from terminal.theme import DARK, Palette

if TYPE_CHECKING:
    from engine.service import TradingEngine
    from terminal.bridge import EngineBridge

log = logging.getLogger(__name__)

COLOURED = frozenset({"pips", "net"})  # coloured by the trade's net result
RESULTS = ("All results", "Wins", "Losses", "Breakeven")
MAX_ROWS = 1000


def matches_result(trade: TradeRecord, result: str) -> bool:
    """Whether ``trade`` passes the result filter (on the net result)."""
    if result == "Wins":
        return trade.net > 0
    if result == "Losses":
        return trade.net < 0
    if result == "Breakeven":
        return trade.net == 0
    return True


def write_csv(path: Path, trades: list[TradeRecord]) -> None:
    """Write ``trades`` to ``path`` as the ``SHEET`` view's CSV (blocking: call it on a worker thread)."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        handle.write(csv_text(trades, View.SHEET))


class HistoryTab(QWidget):
    """Closed trades of the journal, filtered, exportable."""

    message = QtSignal(str)

    def __init__(self, engine: TradingEngine, palette: Palette = DARK, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.engine = engine
        self.palette_ = palette
        self.trades: list[TradeRecord] = []
        self.tasks = TaskOwner(lambda name, exc: self.message.emit(f"{name}: {error_text(exc)}"))
        self.symbol = QComboBox()
        self.symbol.addItem("All symbols")
        self.symbol.addItems(list(engine.symbols))
        today = QDate.currentDate()
        self.since = QDateEdit(today.addDays(-30))
        self.until = QDateEdit(today)
        for edit in (self.since, self.until):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
        self.result = QComboBox()
        self.result.addItems(RESULTS)
        self.apply_button = QPushButton("Apply")
        self.apply_button.clicked.connect(self.reload)
        self.export_button = QPushButton("Export CSV…")
        self.export_button.clicked.connect(self.ask_export)
        self.summary = QLabel("")
        self.summary.setProperty("role", "muted")
        self.summary.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)  # elided, never widens
        self.summary.setMinimumWidth(60)
        bar = QVBoxLayout()  # two rows: the dock beside the signals may be narrow
        bar.setSpacing(3)
        filters, actions = QHBoxLayout(), QHBoxLayout()
        for widget in (self.symbol, QLabel("from"), self.since, QLabel("to"), self.until):
            filters.addWidget(widget)
        filters.addStretch(1)
        actions.addWidget(self.result)
        actions.addWidget(self.apply_button)
        actions.addWidget(self.summary, 1)
        actions.addWidget(self.export_button)
        bar.addLayout(filters)
        bar.addLayout(actions)
        self.columns = fields(View.TABLE)
        self.table = QTableWidget(0, len(self.columns))
        self.table.setHorizontalHeaderLabels([f.label for f in self.columns])
        self.table.verticalHeader().setVisible(False)
        self.table.setAlternatingRowColors(True)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setDefaultSectionSize(24)
        self.fitter = ColumnFitter(self.table)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)

    def follow(self, bridge: EngineBridge) -> None:
        """Reload when a trade closes or the account is reset (the window calls it once)."""
        bridge.trade_event.connect(lambda event: self.reload() if isinstance(event, TradeClosed) else None)
        bridge.account_reset.connect(lambda _account: self.reload())

    def apply_palette(self, palette: Palette) -> None:
        """Recolour the rows in ``palette`` (the window's theme)."""
        self.palette_ = palette
        self._fill()

    def filters(self) -> tuple[str | None, datetime, datetime, str]:
        """(symbol or None, since, until exclusive, result) from the filter widgets."""
        symbol = self.symbol.currentText()
        first, last = self.since.date(), self.until.date()
        start, end = date(first.year(), first.month(), first.day()), date(last.year(), last.month(), last.day())
        since = datetime.combine(start, time.min, tzinfo=timezone.utc)
        until = datetime.combine(end, time.min, tzinfo=timezone.utc) + timedelta(days=1)
        return (None if symbol == "All symbols" else symbol), since, until, self.result.currentText()

    def reload(self) -> None:
        self.tasks.spawn(self.load(), "history-load")

    async def load(self) -> None:
        """Query the journal with the filters and fill the table."""
        symbol, since, until, result = self.filters()
        if until <= since:
            self.message.emit("history: the 'to' date is before the 'from' date")
            return
        with disabled_while(self.apply_button):
            items, total = await self.engine.list_trades(
                status=TradeStatus.CLOSED, symbol=symbol, since=since, until=until, limit=MAX_ROWS
            )
        self.trades = [t for t in items if matches_result(t, result)]
        self._fill()
        net = sum((t.net for t in self.trades), Decimal(0))
        more = f" (newest {MAX_ROWS} of {total})" if total > MAX_ROWS else ""
        self.summary.setText(f"{len(self.trades)} trades{more} · net {fmt.money(net)}")
        self.summary.setToolTip(self.summary.text())

    def _fill(self) -> None:
        p = self.palette_
        self.table.setRowCount(len(self.trades))
        for row, t in enumerate(self.trades):
            colour = p.profit if t.net > 0 else p.loss if t.net < 0 else None
            for column, field in enumerate(self.columns):
                item = QTableWidgetItem(fmt.trade_cell(field, t))
                if field.kind in NUMERIC:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if colour and field.name in COLOURED:
                    item.setForeground(QBrush(QColor(colour)))
                if field.name == "id":
                    item.setData(Qt.ItemDataRole.UserRole, t.id)
                self.table.setItem(row, column, item)
        self.fitter.fit()

    def select(self, trade_id: int) -> bool:
        """Select and scroll to the row of ``trade_id``; False when the filters hide it."""
        for row in range(self.table.rowCount()):
            item = self.table.item(row, self._id_column())
            if item is not None and item.data(Qt.ItemDataRole.UserRole) == trade_id:
                self.table.selectRow(row)
                self.table.scrollToItem(item)
                return True
        self.message.emit(f"trade #{trade_id} is not in the history as filtered")
        return False

    def _id_column(self) -> int:
        return next(i for i, f in enumerate(self.columns) if f.name == "id")

    def ask_export(self) -> None:
        """Ask where to save the rows shown as CSV (non-blocking dialog), then write them there."""
        dialog = QFileDialog(self, "Export trade history", "paper-trades.csv", "CSV files (*.csv)")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setDefaultSuffix("csv")
        dialog.fileSelected.connect(lambda path: self.tasks.spawn(self.export_csv(Path(path)), "history-export"))
        dialog.open()

    async def export_csv(self, path: Path) -> int:
        """Write the rows shown to ``path`` as CSV; return how many were written."""
        trades = list(self.trades)
        with disabled_while(self.export_button):
            await asyncio.get_running_loop().run_in_executor(None, write_csv, path, trades)
        self.message.emit(f"exported {len(trades)} trades to {path}")
        return len(trades)
