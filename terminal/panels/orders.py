"""The order manager: open positions, pending orders and the trade history.

Positions show live P&L in pips and money (``terminal.panels.floating``),
SL and TP editable in place (double-click, type a price, Enter; empty
removes it), Close, and partial close (25/50/75 % or a typed amount of lots).
Pending orders allow editing price/SL/TP and Cancel. With a MetaTrader
mirror, the "Mirror" column shows each trade's ticket and mirror state
(``#123456 open``, ``refused: not enough money``; the tooltip explains the
state). A trade closed on paper whose MetaTrader close failed stays in the
Positions tab (``close_failed``, in red, with the venue's reason) until
MetaTrader confirms the close. Every change goes
through the engine's commands; the table is redrawn from the engine's state
when the resulting event arrives, so a refused change snaps back.
"""

from __future__ import annotations

import logging
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtCore import Signal as QtSignal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QInputDialog,
    QMenu,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from engine.errors import NotFound, ValidationError
from engine.events import MirrorStateChanged
from engine.instruments import SPECS
from engine.values import Quote, TradeRecord, TradeStatus
from terminal.panels import format as fmt
from terminal.panels.cells import item_at
from terminal.panels.columns import ColumnFitter
from terminal.panels.floating import exit_price, floating
from terminal.panels.history import HistoryTab
from terminal.tasks import TaskOwner, disabled_while, error_text
from terminal.theme import DARK, Palette

if TYPE_CHECKING:
    from engine.service import TradingEngine
    from terminal.bridge import EngineBridge

log = logging.getLogger(__name__)

POSITION_COLUMNS = (
    "#",
    "Opened",
    "Symbol",
    "Side",
    "Lots",
    "Entry",
    "SL",
    "TP",
    "Price",
    "Pips",
    "Profit",
    "Mirror",
    "",
)
PENDING_COLUMNS = (
    "#",
    "Placed",
    "Symbol",
    "Type",
    "Side",
    "Lots",
    "Price",
    "SL",
    "TP",
    "Market",
    "Expires",
    "Mirror",
    "",
)
MIRROR_STATES = {
    "open": "mirrored: the MetaTrader position is open",
    "pending": "mirrored as a pending order in MetaTrader",
    "closed": "the MetaTrader position was closed with the paper trade",
    "cancelled": "the MetaTrader pending order was cancelled",
    "refused": "MetaTrader refused to open it; the paper trade goes on alone",
    "modify_refused": "MetaTrader refused the last SL/TP change; its levels differ from the paper trade",
    "close_refused": "MetaTrader refused the close; the MetaTrader position is still open",
    "close_failed": "closed on paper, but MetaTrader did not close the position: it is still open there and "
    "the terminal keeps retrying",
    "closed_externally": "closed by hand in MetaTrader",
    "not_mirrored": "opened while mirroring was paused; not sent to MetaTrader",
    "error": "mirroring failed (see the log)",
}
MIRROR_PROBLEMS = frozenset(
    {"refused", "modify_refused", "close_refused", "close_failed", "error", "closed_externally"}
)
EDITABLE = {"SL": "sl", "TP": "tp", "Price": "price"}
DETAIL_CHARS = 40  # a longer reason is cut in the cell (the tooltip has it all): the column must not widen the window
PARTS = (25, 50, 75)


def parse_price(text: str, symbol: str, field: str) -> float | None:
    """A typed price: empty → None (remove); else a positive number; ValidationError naming ``field``."""
    text = text.strip().replace(",", ".")
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise ValidationError(f"{text!r} is not a price", field=field) from None
    if not value > 0:
        raise ValidationError(f"{field} must be a positive price, got {text}", field=field)
    spec = SPECS.get(symbol)
    return round(value, spec.digits) if spec else value


def part_lots(lots: Decimal, percent: int, symbol: str) -> Decimal:
    """``percent`` % of ``lots`` rounded down to the symbol's lot step (at least one step)."""
    step = SPECS[symbol].lot_step if symbol in SPECS else Decimal("0.01")
    raw = lots * Decimal(percent) / Decimal(100)
    return max((raw / step).to_integral_value(rounding=ROUND_DOWN) * step, step)


def mirror_cell(ticket: str | None, state: str | None, detail: str | None = None) -> tuple[str, str]:
    """(text, tooltip) of a trade's mirror: ``#123456 open``, ``refused: <detail>``, ``""`` when unmirrored."""
    if state is None and ticket is None:
        return "", ""
    head = f"#{ticket} " if ticket else ""
    state_text = state or "?"
    short = detail if detail is None or len(detail) <= DETAIL_CHARS else detail[: DETAIL_CHARS - 1] + "…"
    text = f"{head}{state_text}: {short}" if detail and state in MIRROR_PROBLEMS else f"{head}{state_text}"
    tooltip = MIRROR_STATES.get(state_text, state_text)
    if ticket:
        tooltip = f"MetaTrader ticket {ticket}\n{tooltip}"
    if detail:
        tooltip = f"{tooltip}\n{detail}"
    return text, tooltip


class _TradeTable(QTableWidget):
    """A table of trades keyed by id in the first column's UserRole."""

    def __init__(self, columns: tuple[str, ...]) -> None:
        super().__init__(0, len(columns))
        self.columns = columns
        self.col = {name: i for i, name in enumerate(columns)}
        self.setHorizontalHeaderLabels(columns)
        self.verticalHeader().setVisible(False)
        self.setAlternatingRowColors(True)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked | QAbstractItemView.EditTrigger.EditKeyPressed)
        self.verticalHeader().setDefaultSectionSize(26)
        self.fitter = ColumnFitter(self, fixed=[len(columns) - 1])  # the buttons keep their width

    def row_of(self, trade_id: int) -> int:
        for row in range(self.rowCount()):
            if item_at(self, row, 0).data(Qt.ItemDataRole.UserRole) == trade_id:
                return row
        raise KeyError(trade_id)

    def trade_id(self, row: int) -> int:
        return int(item_at(self, row, 0).data(Qt.ItemDataRole.UserRole))

    def cell(self, trade_id: int, column: str) -> QTableWidgetItem:
        return item_at(self, self.row_of(trade_id), self.col[column])

    def set_text(
        self,
        row: int,
        column: str,
        text: str,
        *,
        editable: bool = False,
        right: bool = True,
        colour: str | None = None,
        data: object = None,
    ) -> None:
        item = QTableWidgetItem(text)
        flags = Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEnabled
        if editable:
            flags |= Qt.ItemFlag.ItemIsEditable
            item.setToolTip("Double-click to edit; leave empty to remove")
        item.setFlags(flags)
        if right:
            item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if colour:
            item.setForeground(QBrush(QColor(colour)))
        if data is not None:
            item.setData(Qt.ItemDataRole.UserRole, data)
        self.setItem(row, self.col[column], item)


class OrdersPanel(QWidget):
    """Positions, pending orders and history, driven by the engine."""

    message = QtSignal(str)

    def __init__(self, engine: TradingEngine, palette: Palette = DARK, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.engine = engine
        self.palette_ = palette
        self.tasks = TaskOwner(lambda name, exc: self.message.emit(f"{name}: {error_text(exc)}"))
        self._quotes: dict[str, Quote] = {}
        self._filling = False
        self._mirror_details: dict[int, str] = {}
        self._unsettled: dict[int, TradeRecord] = {}  # closed on paper, still open in MetaTrader
        self.positions = _TradeTable(POSITION_COLUMNS)
        self.pending = _TradeTable(PENDING_COLUMNS)
        self.history = HistoryTab(engine, palette)
        self.history.message.connect(self.message)
        for table in (self.positions, self.pending):
            table.itemChanged.connect(lambda item, t=table: self._on_edited(t, item))
        self.tabs = QTabWidget()
        self.tabs.addTab(self.positions, "Positions")
        self.tabs.addTab(self.pending, "Pending orders")
        self.tabs.addTab(self.history, "History")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tabs)

    def follow(self, bridge: EngineBridge) -> None:
        """Keep the tabs up to date from the engine's events (the window calls it once)."""
        bridge.frame.connect(self.on_frame)
        bridge.trades_changed.connect(self.refresh)
        bridge.mirror_changed.connect(self.on_mirror_changed)
        self.history.follow(bridge)

    def apply_palette(self, palette: Palette) -> None:
        """Recolour every tab in ``palette`` (the window's theme)."""
        self.palette_ = palette
        self.history.apply_palette(palette)
        self.refresh()

    # --- state → tables ------------------------------------------------------------
    def refresh(self) -> None:
        """Redraw positions and pending orders from ``engine.active_trades()``."""
        if any(t.state() == QAbstractItemView.State.EditingState for t in (self.positions, self.pending)):
            return  # never yank a cell from under the user's cursor
        trades = sorted(self.engine.active_trades(), key=lambda t: t.id)
        open_trades = [t for t in trades if t.status is TradeStatus.OPEN]
        pending = [t for t in trades if t.status is TradeStatus.PENDING]
        active = {t.id for t in trades}
        unsettled = [t for i, t in sorted(self._unsettled.items()) if i not in active]
        self._filling = True
        try:
            self._fill_positions(open_trades + unsettled)
            self._fill_pending(pending)
        finally:
            self._filling = False
        shown = self.engine.mirror is not None or any(t.mirror_state or t.mirror_ticket for t in trades)
        for table in (self.positions, self.pending):
            table.setColumnHidden(table.col["Mirror"], not shown)
            table.fitter.fit()
        extra = f" + {len(unsettled)} still open in MetaTrader" if unsettled else ""
        self.tabs.setTabText(0, f"Positions ({len(open_trades)}){extra}")
        self.tabs.setTabText(1, f"Pending orders ({len(pending)})")

    def _fill_positions(self, trades: list[TradeRecord]) -> None:
        table = self.positions
        table.setRowCount(len(trades))
        p = self.palette_
        for row, t in enumerate(trades):
            table.set_text(row, "#", str(t.id), right=False, data=t.id)
            table.set_text(row, "Opened", fmt.short_when(t.open_time), right=False)
            table.set_text(row, "Symbol", t.symbol, right=False)
            table.set_text(
                row, "Side", t.side.value.upper(), right=False, colour=p.profit if t.side.sign > 0 else p.loss
            )
            table.set_text(row, "Lots", str(t.lots))
            table.set_text(row, "Entry", fmt.price(t.symbol, t.entry_price))
            table.set_text(row, "SL", fmt.price(t.symbol, t.sl), editable=t.status is TradeStatus.OPEN)
            table.set_text(row, "TP", fmt.price(t.symbol, t.tp), editable=t.status is TradeStatus.OPEN)
            self._set_mirror(table, row, t)
            if t.status is TradeStatus.OPEN:
                table.setCellWidget(row, table.col[""], self._position_actions(t))
                self._paint_live(row, t)
            else:  # closed on paper; its MetaTrader position is not
                table.removeCellWidget(row, table.col[""])
                table.set_text(row, "Price", f"closed {fmt.price(t.symbol, t.close_price)}")
                table.set_text(row, "Pips", fmt.pips(t.pips))
                table.set_text(row, "Profit", fmt.money(t.net))

    def _fill_pending(self, trades: list[TradeRecord]) -> None:
        table = self.pending
        table.setRowCount(len(trades))
        p = self.palette_
        for row, t in enumerate(trades):
            table.set_text(row, "#", str(t.id), right=False, data=t.id)
            table.set_text(row, "Placed", fmt.short_when(t.created_at or t.open_time), right=False)
            table.set_text(row, "Symbol", t.symbol, right=False)
            table.set_text(row, "Type", t.order_type.value, right=False)
            table.set_text(
                row, "Side", t.side.value.upper(), right=False, colour=p.profit if t.side.sign > 0 else p.loss
            )
            table.set_text(row, "Lots", str(t.lots))
            table.set_text(row, "Price", fmt.price(t.symbol, t.requested_price), editable=True)
            table.set_text(row, "SL", fmt.price(t.symbol, t.sl), editable=True)
            table.set_text(row, "TP", fmt.price(t.symbol, t.tp), editable=True)
            quote = self._quotes.get(t.symbol) or self.engine.quote(t.symbol)
            market = "" if quote is None else fmt.price(t.symbol, quote.ask if t.side.sign > 0 else quote.bid)
            table.set_text(row, "Market", market)
            table.set_text(row, "Expires", fmt.short_when(t.expires_at) or "GTC", right=False)
            self._set_mirror(table, row, t)
            cancel = QPushButton("Cancel")
            cancel.setObjectName("cancel")
            cancel.clicked.connect(lambda _=False, tid=t.id: self.close_trade(tid))
            table.setCellWidget(row, table.col[""], cancel)

    def _set_mirror(self, table: _TradeTable, row: int, t: TradeRecord) -> None:
        text, tooltip = mirror_cell(t.mirror_ticket, t.mirror_state, self._mirror_details.get(t.id))
        problem = t.mirror_state in MIRROR_PROBLEMS
        table.set_text(row, "Mirror", text, right=False, colour=self.palette_.loss if problem else None)
        item_at(table, row, table.col["Mirror"]).setToolTip(tooltip)

    def on_mirror_changed(self, event: MirrorStateChanged) -> None:
        """A bridge changed a trade's mirror ticket/state: keep its detail (refusal reason) and redraw."""
        detail = (event.detail or {}).get("message")
        if detail:
            self._mirror_details[event.trade_id] = str(detail)
        else:
            self._mirror_details.pop(event.trade_id, None)
        if event.state == "close_failed":
            self.tasks.spawn(self._show_unsettled(event.trade_id), f"unsettled-trade-{event.trade_id}")
        else:
            self._unsettled.pop(event.trade_id, None)
        self.refresh()

    async def _show_unsettled(self, trade_id: int) -> None:
        """Keep a closed trade whose MetaTrader close failed in the Positions tab (the journal's record)."""
        if any(t.id == trade_id for t in self.engine.active_trades()):
            return  # a partial close failed: the trade itself is still open and shown
        self._unsettled[trade_id] = await self.engine.get_trade(trade_id)
        self.refresh()

    def _position_actions(self, t: TradeRecord) -> QWidget:
        box = QWidget()
        layout = QHBoxLayout(box)
        layout.setContentsMargins(2, 1, 2, 1)
        layout.setSpacing(3)
        close = QPushButton("Close")
        close.setObjectName("close")
        close.clicked.connect(lambda _=False, tid=t.id: self.close_trade(tid))
        partial = QPushButton("Partial ▾")
        partial.setObjectName("partial")
        menu = QMenu(partial)
        for percent in PARTS:
            lots = part_lots(t.lots, percent, t.symbol)
            action = menu.addAction(f"Close {percent}% ({lots} lots)")
            action.triggered.connect(lambda _=False, tid=t.id, lt=lots: self.close_trade(tid, lt))
        menu.addAction("Close an amount…").triggered.connect(lambda _=False, tr=t: self._ask_amount(tr))
        partial.setMenu(menu)
        partial.setEnabled(t.lots > (SPECS[t.symbol].lot_min if t.symbol in SPECS else Decimal("0.01")))
        layout.addWidget(close)
        layout.addWidget(partial)
        return box

    def on_frame(self, quotes: dict[str, Quote]) -> None:
        """Repaint live prices and P&L (called about ten times a second)."""
        self._quotes = quotes
        if self.positions.state() == QAbstractItemView.State.EditingState:
            return
        active = {t.id: t for t in self.engine.active_trades()}
        self._filling = True
        try:
            for row in range(self.positions.rowCount()):
                trade = active.get(self.positions.trade_id(row))
                if trade is not None:
                    self._paint_live(row, trade)
        finally:
            self._filling = False

    def _paint_live(self, row: int, t: TradeRecord) -> None:
        table = self.positions
        quote = self._quotes.get(t.symbol) or self.engine.quote(t.symbol)
        currency = self.engine.account().currency
        quotes = {**self._quotes, t.symbol: quote} if quote is not None else self._quotes
        pips, profit = floating(t, quotes, currency)
        if pips is None:
            pips, profit = t.pips, t.net
        colour = self.palette_.profit if (profit or 0) > 0 else self.palette_.loss if (profit or 0) < 0 else None
        table.set_text(row, "Price", "" if quote is None else fmt.price(t.symbol, exit_price(t, quote)))
        table.set_text(row, "Pips", fmt.pips(pips), colour=colour)
        table.set_text(row, "Profit", fmt.money(profit), colour=colour)

    def show_trade(self, trade_id: int) -> None:
        """Select trade ``trade_id`` where it is listed (positions, pending orders or history)."""
        for index, table in enumerate((self.positions, self.pending)):
            try:
                row = table.row_of(trade_id)
            except KeyError:
                continue
            self.tabs.setCurrentIndex(index)
            table.selectRow(row)
            return
        self.tabs.setCurrentWidget(self.history)
        self.history.select(trade_id)

    # --- commands ---------------------------------------------------------------------
    def _on_edited(self, table: _TradeTable, item: QTableWidgetItem) -> None:
        if self._filling:
            return
        column = table.columns[item.column()]
        field = EDITABLE.get(column)
        if field is None:
            return
        trade_id = table.trade_id(item.row())
        symbol = item_at(table, item.row(), table.col["Symbol"]).text()
        try:
            value = parse_price(item.text(), symbol, field)
            if field == "price" and value is None:
                raise ValidationError("a pending order needs a price", field="price")
        except ValidationError as exc:
            self.message.emit(f"trade #{trade_id} not modified: {error_text(exc)}")
            self.refresh()
            return
        self.modify(trade_id, **{field: value})

    def modify(self, trade_id: int, **changes: float | None) -> None:
        self.tasks.spawn(self._modify(trade_id, changes), f"modify-trade-{trade_id}")

    async def _modify(self, trade_id: int, changes: dict[str, float | None]) -> None:
        try:
            trade = await self.engine.modify_trade(trade_id, **changes)
        except (ValidationError, NotFound) as exc:
            self.message.emit(f"trade #{trade_id} not modified: {error_text(exc)}")
            self.refresh()
            return
        shown = ", ".join(
            f"{k} {fmt.price(trade.symbol, v) if v is not None else 'removed'}" for k, v in changes.items()
        )
        self.message.emit(f"trade #{trade_id} modified: {shown}")
        self.refresh()

    def close_trade(self, trade_id: int, lots: Decimal | None = None) -> None:
        """Close trade ``trade_id`` (``lots`` of it) or cancel the order (not ``QWidget.close``)."""
        self.tasks.spawn(self._close(trade_id, lots), f"close-trade-{trade_id}")

    async def _close(self, trade_id: int, lots: Decimal | None) -> None:
        buttons = []
        for table in (self.positions, self.pending):
            try:
                widget = table.cellWidget(table.row_of(trade_id), table.col[""])
            except KeyError:
                continue
            buttons.extend(widget.findChildren(QPushButton) if not isinstance(widget, QPushButton) else [widget])
        with disabled_while(*buttons):
            try:
                record = await self.engine.close_trade(trade_id, lots=lots)
            except (ValidationError, NotFound) as exc:
                self.message.emit(f"trade #{trade_id} not closed: {error_text(exc)}")
                return
        if record.status is TradeStatus.CANCELLED:
            self.message.emit(f"order #{trade_id} cancelled")
        else:
            self.message.emit(
                f"trade #{trade_id} closed {record.lots} lots at "
                f"{fmt.price(record.symbol, record.close_price)}: {fmt.money(record.net)}"
            )
        self.refresh()

    def _ask_amount(self, trade: TradeRecord) -> None:
        """Ask how many lots to close (non-blocking dialog) and close them."""
        spec = SPECS.get(trade.symbol)
        step = float(spec.lot_step) if spec else 0.01
        dialog = QInputDialog(self)
        dialog.setWindowTitle(f"Partial close of #{trade.id}")
        dialog.setLabelText(f"Lots to close (of {trade.lots}):")
        dialog.setInputMode(QInputDialog.InputMode.DoubleInput)
        dialog.setDoubleDecimals(2)
        dialog.setDoubleRange(step, float(trade.lots))
        dialog.setDoubleStep(step)
        dialog.setDoubleValue(step)

        def done(result: int) -> None:
            if result:
                try:
                    lots = Decimal(f"{dialog.doubleValue():.2f}")
                except InvalidOperation:
                    return
                self.close_trade(trade.id, lots)
            dialog.deleteLater()

        dialog.finished.connect(done)
        dialog.open()
