"""The live signal feed: one row per signal, newest first, one-click Execute.

Each row shows symbol, side, model (the signal's ``source``), confidence as a
bar, entry/SL/TP, reward:risk at the entry, age and time to expiry on the
engine's market clock, and Execute / Dismiss. Whether a signal can be
executed, at what lots and R:R, is the engine's answer
(``SignalBook.assess``, one rule for the panel, the REST API and
auto-execution): the button (``BUY 0.52 · R:R 1.21``) shows the side, the lots and the R:R *at the live price*
(refreshed every second), and a signal whose price has drifted beyond the
max drift asks first, showing the effective R:R. A signal that cannot be
executed says why in its Action cell (expired, already executed, risk too
small, no price, beyond its SL, limit of open trades). New signals are
highlighted for ``HIGHLIGHT_SECONDS`` of wall time.
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QRectF, QSize, Qt, QTimer
from PySide6.QtCore import Signal as QtSignal
from PySide6.QtGui import QBrush, QColor, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from engine.errors import NotFound, ValidationError
from engine.signals.executable import Assessment
from engine.values import Signal, SignalStatus
from terminal.panels import format as fmt
from terminal.panels.cells import child, item_at, widget_at
from terminal.prefs import Preferences
from terminal.tasks import TaskOwner, disabled_while, error_text
from terminal.theme import DARK, Palette

if TYPE_CHECKING:
    from engine.service import TradingEngine
    from engine.signals.book import SignalBook
    from terminal.bridge import EngineBridge

log = logging.getLogger(__name__)

HIGHLIGHT_SECONDS = 15
COLUMNS = ("Age · left", "Symbol", "Side", "Model", "Conf.", "Entry", "SL", "TP", "R:R", "Action")
COL = {name: i for i, name in enumerate(COLUMNS)}
COL_ACTIONS = COL["Action"]


class ConfidenceBar(QWidget):
    """A signal's confidence (0..1) as a filled bar with the percentage on it.

    Painted by hand: a QProgressBar animates through style timers, and
    switching the application's style sheet while such animations run
    crashed Qt here.
    """

    def __init__(self, confidence: float, palette: Palette) -> None:
        super().__init__()
        self.confidence = min(max(confidence, 0.0), 1.0)
        self._palette = palette
        self.setToolTip(f"confidence {self.confidence:.0%}")

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt name
        return QSize(56, 18)

    def paintEvent(self, _event) -> None:  # noqa: N802 - Qt name
        painter = QPainter(self)
        rect = QRectF(self.rect()).adjusted(3, 4, -3, -4)
        painter.fillRect(rect, QColor(self._palette.panel))
        filled = QRectF(rect)
        filled.setWidth(rect.width() * self.confidence)
        painter.fillRect(filled, QColor(self._palette.accent))
        painter.setPen(QColor(self._palette.text))
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, f"{self.confidence:.0%}")
        painter.end()


class SignalsPanel(QWidget):
    """Live feed of signals with one-click execution."""

    signal_selected = QtSignal(object)  # Signal: show it on the chart
    message = QtSignal(str)  # a line for the status bar
    count_changed = QtSignal(int)  # how many signals the table lists

    def __init__(
        self, engine: TradingEngine, prefs: Preferences, palette: Palette = DARK, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.engine = engine
        self.prefs = prefs
        self.palette_ = palette
        self.tasks = TaskOwner(lambda name, exc: self.message.emit(f"{name}: {error_text(exc)}"))
        self._signals: dict[int, Signal] = {}
        self._errors: dict[int, str] = {}
        self._seen_at: dict[int, float] = {}  # monotonic seconds when a fresh signal arrived
        self.confirmation: QMessageBox | None = None  # the open "price has moved" question, if any
        self._status: dict[int, str] = {}
        self.header = QLabel("No signals yet — they appear here as the models produce them.")
        self.header.setProperty("role", "muted")
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(False)
        header.setMinimumSectionSize(36)
        # The Action column is as wide as its widest button (never cut); the model name gives way.
        header.setSectionResizeMode(COL["Model"], QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(COL_ACTIONS, QHeaderView.ResizeMode.Fixed)
        self.table.setColumnWidth(COL_ACTIONS, 160)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.setWordWrap(False)
        self.table.cellClicked.connect(self._on_clicked)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.header)
        layout.addWidget(self.table, 1)
        self._clock = QTimer(self)
        self._clock.setInterval(1000)
        self._clock.timeout.connect(self.refresh_times)
        self._clock.start()

    @property
    def book(self) -> SignalBook:
        """The engine's signal book (the window shows this panel only when signals are on)."""
        book = self.engine.signals
        if book is None:
            raise LookupError("signals are not enabled in this terminal")
        return book

    def follow(self, bridge: EngineBridge) -> None:
        """Add new signals and update changed ones as the engine announces them (the window calls it once)."""
        bridge.signal_received.connect(self.upsert)
        bridge.signal_updated.connect(self.upsert)

    def apply_palette(self, palette: Palette) -> None:
        """Recolour every row in ``palette`` (the window's theme)."""
        self.palette_ = palette
        self._rebuild()

    # --- data ------------------------------------------------------------------
    async def reload(self) -> None:
        """Load the latest signals from the engine's signal book."""
        signals = await self.book.list(limit=200)
        for signal in sorted(signals, key=lambda s: (s.created_at, s.id or 0)):
            self.upsert(signal, fresh=False)

    def upsert(self, signal: Signal, fresh: bool = True) -> None:
        """Add a signal (newest on top) or update its row."""
        if signal.id is None:
            return
        known = signal.id in self._signals
        self._signals[signal.id] = signal
        if not known and fresh:
            self._seen_at[signal.id] = time.monotonic()
        if not known:
            self.table.insertRow(0)
            self._build_row(0, signal)
        else:
            self._build_row(self.row_of(signal.id), signal)
        count = len(self._signals)
        self.header.setText(f"{count} signal{'' if count == 1 else 's'} · risk {self.prefs.risk_percent:g}% per trade")
        if not known:
            self.count_changed.emit(len(self._signals))

    def set_prefs(self, prefs: Preferences) -> None:
        self.prefs = prefs
        self._rebuild()

    def _rebuild(self) -> None:
        for signal_id, signal in list(self._signals.items()):
            self._build_row(self.row_of(signal_id), signal)

    def row_of(self, signal_id: int) -> int:
        for row in range(self.table.rowCount()):
            item = self.table.item(row, COL["Symbol"])
            if item is not None and item.data(Qt.ItemDataRole.UserRole) == signal_id:
                return row
        raise KeyError(signal_id)

    def signal_at(self, row: int) -> Signal:
        return self._signals[item_at(self.table, row, COL["Symbol"]).data(Qt.ItemDataRole.UserRole)]

    def execute_button(self, signal_id: int) -> QPushButton:
        return child(widget_at(self.table, self.row_of(signal_id), COL_ACTIONS), QPushButton, "execute")

    def dismiss_button(self, signal_id: int) -> QPushButton:
        return child(widget_at(self.table, self.row_of(signal_id), COL_ACTIONS), QPushButton, "dismiss")

    def status_text(self, signal_id: int) -> str:
        """What the Action cell says: ``ready`` or why the signal cannot be executed."""
        return self._status.get(signal_id, "")

    # --- can it be executed: the engine's answer ---------------------------------------
    def assessment(self, signal: Signal) -> Assessment:
        """The engine's answer for ``signal`` now (``SignalBook.assess``) at the preferences' risk %
        (the engine's ``max_open_trades`` included)."""
        return self.book.assess(signal, risk_percent=self.prefs.risk_percent)

    def blocker(self, signal: Signal) -> str | None:
        """The reason ``signal`` cannot be executed now, or None when it can."""
        verdict = self.assessment(signal)
        if not verdict.executable:
            return verdict.reason
        return self._errors.get(signal.id or 0)

    # --- rows ----------------------------------------------------------------------
    def _item(self, text: str, align_right: bool = False, data: Any = None) -> QTableWidgetItem:
        item = QTableWidgetItem(text)
        if align_right:
            item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if data is not None:
            item.setData(Qt.ItemDataRole.UserRole, data)
        return item

    def _build_row(self, row: int, s: Signal) -> None:
        p = self.palette_
        side = self._item(s.side.value.upper())
        side.setForeground(QBrush(QColor(p.profit if s.side.sign > 0 else p.loss)))
        cells = {
            "Symbol": self._item(s.symbol, data=s.id),
            "Side": side,
            "Model": self._item(s.source),
            "Entry": self._item(fmt.price(s.symbol, s.entry), True),
            "SL": self._item(fmt.price(s.symbol, s.sl), True),
            "TP": self._item(fmt.price(s.symbol, s.tp), True),
            "R:R": self._item(f"{s.rr:.2f}", True),
        }
        for name, item in cells.items():
            self.table.setItem(row, COL[name], item)
        item_at(self.table, row, COL["R:R"]).setToolTip(
            "reward:risk at the signal's entry; Execute shows it at the live price"
        )
        self.table.setCellWidget(row, COL["Conf."], ConfidenceBar(s.confidence, self.palette_))
        actions = QWidget()
        box = QHBoxLayout(actions)
        box.setContentsMargins(1, 1, 1, 1)
        box.setSpacing(2)
        execute = QPushButton("Execute")
        execute.setObjectName("execute")
        execute.setProperty("role", "buy" if s.side.sign > 0 else "sell")
        execute.clicked.connect(lambda _=False, sid=s.id: self.execute(sid))
        why = QLabel("")
        why.setObjectName("reason")
        why.setProperty("role", "muted")
        dismiss = QPushButton("✕")
        dismiss.setObjectName("dismiss")
        dismiss.setToolTip("Dismiss this signal")
        dismiss.setFixedWidth(22)
        dismiss.clicked.connect(lambda _=False, sid=s.id: self.dismiss(sid))
        box.addWidget(execute)
        box.addWidget(why)
        box.addWidget(dismiss)
        box.addStretch(1)
        self.table.setCellWidget(row, COL_ACTIONS, actions)
        self._refresh_action(row, s)
        self._paint_times(row, s)

    def _refresh_action(self, row: int, s: Signal) -> None:
        """Show the engine's answer in the Action cell: Execute with lots and R:R at the live price, or why not."""
        actions = widget_at(self.table, row, COL_ACTIONS)
        execute = child(actions, QPushButton, "execute")
        why = child(actions, QLabel, "reason")
        dismiss = child(actions, QPushButton, "dismiss")
        signal_id = s.id or 0  # a shown signal is a stored one, with its id
        verdict = self.assessment(s)
        reason = verdict.reason if not verdict.executable else self._errors.get(signal_id)
        if reason is None:
            drifted = verdict.needs_confirmation
            self._status[signal_id] = (
                f"ready · drifted {verdict.drift_pips:.1f} pips (max {verdict.max_drift_pips:.1f}): asks first"
                if drifted
                else "ready"
            )
            # as MetaTrader's one-click buttons: the side and the size, then the R:R it really gets
            text = f"{s.side.value.upper()} {verdict.lots} · R:R {verdict.rr:.2f}" + (" ⚠" if drifted else "")
            tip = (
                f"Open {s.side.value} {verdict.lots} lots at market, now {fmt.price(s.symbol, verdict.price)} "
                f"(risk {self.prefs.risk_percent:g}% of equity, from the settings); R:R {verdict.rr:.2f} at "
                f"that price, {s.rr:.2f} at the signal's entry"
            )
            if drifted:
                tip += f". {verdict.confirmation_text} You will be asked first."
        else:
            self._status[signal_id] = reason
            text, tip = "Execute", reason
        if execute.text() != text:
            execute.setText(text)
            execute.setMinimumWidth(execute.fontMetrics().horizontalAdvance(text) + 22)
        self._fit_action_column(actions)
        execute.setToolTip(tip)
        execute.setEnabled(reason is None)
        execute.setVisible(reason is None)
        if why.text() != (reason or ""):
            why.setText(reason or "")
            why.setToolTip(reason or "")
        why.setVisible(reason is not None)
        dismiss.setEnabled(s.status is SignalStatus.NEW)
        dismiss.setVisible(s.status is SignalStatus.NEW)

    def _fit_action_column(self, actions: QWidget) -> None:
        """Widen the Action column to the cell's needs (buttons or reason), never narrower than it is."""
        needed = actions.sizeHint().width() + 2
        if needed > self.table.columnWidth(COL_ACTIONS):
            self.table.setColumnWidth(COL_ACTIONS, min(needed, 420))

    def _paint_times(self, row: int, s: Signal) -> None:
        now = self.engine.clock.now()  # the market clock: a fast simulation or a replay is not the wall clock
        left = s.expires_at - now
        remaining = fmt.duration(left) if left.total_seconds() > 0 else "expired"
        age = self._item(f"{fmt.duration(now - s.created_at)} · {remaining}")
        age.setToolTip(
            f"created {fmt.when(s.created_at)} UTC, expires {fmt.when(s.expires_at)} UTC "
            f"(market time now {fmt.when(now)} UTC)"
        )
        self.table.setItem(row, COL["Age · left"], age)
        seen = self._seen_at.get(s.id or 0)  # the highlight lasts HIGHLIGHT_SECONDS of the user's (wall) time
        highlight = seen is not None and time.monotonic() - seen < HIGHLIGHT_SECONDS
        brush = QBrush(QColor(self.palette_.highlight)) if highlight else QBrush()
        for col in range(len(COLUMNS)):
            item = self.table.item(row, col)
            if item is not None:
                item.setBackground(brush)

    def is_highlighted(self, signal_id: int) -> bool:
        item = item_at(self.table, self.row_of(signal_id), COL["Symbol"])
        return item.background().style() != Qt.BrushStyle.NoBrush

    def refresh_times(self) -> None:
        """Update ages, expiries and highlights (every second) and every new signal's live lots and R:R."""
        for row in range(self.table.rowCount()):
            signal = self.signal_at(row)
            self._paint_times(row, signal)
            if signal.status is SignalStatus.NEW:
                self._refresh_action(row, signal)

    def _on_clicked(self, row: int, _column: int) -> None:
        self.signal_selected.emit(self.signal_at(row))

    # --- commands --------------------------------------------------------------------
    def execute(self, signal_id: int) -> None:
        """Execute at the live price; beyond the max drift, ask first showing the effective R:R."""
        verdict = self.assessment(self._signals[signal_id])
        if verdict.executable and verdict.needs_confirmation:
            self.confirm_drift(signal_id, verdict)
            return
        self.tasks.spawn(self._execute(signal_id, confirmed=False), f"execute-signal-{signal_id}")

    def confirm_drift(self, signal_id: int, verdict: Assessment) -> None:
        """Ask (non-modal: ``open()``) before executing a signal whose price has drifted."""
        signal = self._signals[signal_id]
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            "Price has moved",
            f"Signal #{signal_id} {signal.side.value.upper()} {signal.symbol}: "
            f"{verdict.confirmation_text}\n\nExecute anyway?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            self,
        )
        box.setObjectName("drift_confirmation")
        box.setDefaultButton(QMessageBox.StandardButton.No)

        def answered(result: int) -> None:
            self.confirmation = None
            if result == QMessageBox.StandardButton.Yes:
                self.tasks.spawn(self._execute(signal_id, confirmed=True), f"execute-signal-{signal_id}")
            else:
                self.message.emit(f"signal #{signal_id} not executed: the price has moved")
            box.deleteLater()

        box.finished.connect(answered)
        self.confirmation = box
        box.open()

    async def _execute(self, signal_id: int, confirmed: bool) -> None:
        button = self.execute_button(signal_id)
        with disabled_while(button):
            try:
                trade = await self.book.execute(
                    signal_id, risk_percent=self.prefs.risk_percent, confirm_drift=confirmed
                )
            except (ValidationError, NotFound) as exc:
                if getattr(exc, "code", None) == "drift":  # the price moved between the look and the click
                    self.confirm_drift(signal_id, self.assessment(self._signals[signal_id]))
                    return
                self._errors[signal_id] = error_text(exc)
                self.message.emit(f"signal #{signal_id} not executed: {error_text(exc)}")
                self._refresh_action(self.row_of(signal_id), self._signals[signal_id])
                return
        self._errors.pop(signal_id, None)
        self.message.emit(
            f"signal #{signal_id} executed: trade #{trade.id} {trade.side.value} "
            f"{trade.lots} {trade.symbol} at {fmt.price(trade.symbol, trade.entry_price)}"
        )
        signal = self._signals[signal_id]
        if signal.status is SignalStatus.NEW:  # the SignalUpdated event may not have arrived yet
            self.upsert(replace(signal, status=SignalStatus.EXECUTED, trade_id=trade.id))

    def dismiss(self, signal_id: int) -> None:
        self.tasks.spawn(self._dismiss(signal_id), f"dismiss-signal-{signal_id}")

    async def _dismiss(self, signal_id: int) -> None:
        with disabled_while(self.dismiss_button(signal_id)):
            signal = await self.book.dismiss(signal_id)
        self.upsert(signal)
