"""Table columns that use the table's width: sized to their contents, the rest shared out.

Qt's ``ResizeToContents`` packs every column at the left and
``stretchLastSection`` gives all the spare width to the last column (a
650-px Net column at 1600 px). ``ColumnFitter`` sizes each visible column to
its contents, then adds the spare width of the viewport to the columns in
equal parts (never to the ``fixed`` ones, e.g. a column of buttons); it runs
after the table is filled (``fit()``) and, on the next turn of the event loop,
after the table or its viewport is shown or changes width (a height change, as
when the separator above the bottom row is dragged, refits nothing: a long
History would be measured again at every step of the drag). The viewport counts: it
narrows when a vertical scroll bar appears, and a table moved between dock
layouts (signals tabbed below 1500 px) kept columns fitted to its old width,
scrolling sideways at 1600 and 1920 px.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import cast

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QHeaderView, QTableWidget


class ColumnFitter(QObject):
    """Fit the columns of ``table`` to its width (see the module docstring)."""

    def __init__(self, table: QTableWidget, fixed: Iterable[int] = ()) -> None:
        super().__init__(table)
        self.table = table
        self.fixed = set(fixed)
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        table.installEventFilter(self)
        table.viewport().installEventFilter(self)
        self._fitting = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self.fit)

    def fit(self) -> None:
        if self._fitting:
            return
        self._fitting = True
        try:
            table = self.table
            table.resizeColumnsToContents()
            columns = [c for c in range(table.columnCount()) if not table.isColumnHidden(c)]
            used = sum(table.columnWidth(c) for c in columns)
            spare = table.viewport().width() - used
            growing = [c for c in columns if c not in self.fixed]
            if spare > 0 and growing:
                extra, rest = divmod(spare, len(growing))
                for i, c in enumerate(growing):
                    table.setColumnWidth(c, table.columnWidth(c) + extra + (1 if i < rest else 0))
        finally:
            self._fitting = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt name
        # Every event of the table and its viewport passes here (paints too): the cheap test first.
        kind = event.type()
        if kind == QEvent.Type.Resize and not self._fitting:
            resized = cast(QResizeEvent, event)
            if resized.size().width() != resized.oldSize().width():  # not a separator dragged up or down
                self._timer.start()
        elif kind == QEvent.Type.Show and not self._fitting:
            self._timer.start()
        return False
