"""ColumnFitter: columns refit when the table's width changes, never for a height change alone."""

from __future__ import annotations

from PySide6.QtWidgets import QTableWidget, QTableWidgetItem

from terminal.panels.columns import ColumnFitter


def test_a_new_width_refits_the_columns_and_a_new_height_measures_nothing(qtbot, qloop):
    table = QTableWidget(200, 3)
    for row in range(200):
        for col in range(3):
            table.setItem(row, col, QTableWidgetItem(f"{row * 1000 + col}"))
    qtbot.addWidget(table)
    ColumnFitter(table)
    fits = []  # every measuring of the contents (200 rows each time)
    measure = table.resizeColumnsToContents
    table.resizeColumnsToContents = lambda: (fits.append(table.width()), measure())[1]  # type: ignore[method-assign]
    table.resize(600, 300)
    table.show()
    qloop.spin(0.1)
    assert fits, "shown: fitted"
    used = sum(table.columnWidth(c) for c in range(3))
    assert used == table.viewport().width()  # the spare width shared out
    fits.clear()
    table.resize(600, 200)  # only shorter, as when the separator above the bottom row is dragged
    qloop.spin(0.1)
    assert fits == []
    table.resize(800, 200)
    qloop.spin(0.1)
    assert fits and sum(table.columnWidth(c) for c in range(3)) == table.viewport().width()
