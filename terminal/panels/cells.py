"""Cells and child widgets that a panel put there itself, looked up with their types.

Qt answers None for a table cell or a child widget that is not there. For one the
panel built itself that can only be a bug, so these raise ``LookupError`` naming
what is missing instead of letting None travel on to the first attribute access.
"""

from __future__ import annotations

from typing import TypeVar

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QTableWidget, QTableWidgetItem, QWidget

_Q = TypeVar("_Q", bound=QObject)


def item_at(table: QTableWidget, row: int, column: int) -> QTableWidgetItem:
    """The item of cell (``row``, ``column``) of ``table``."""
    item = table.item(row, column)
    if item is None:
        raise LookupError(f"no item in cell ({row}, {column}) of {table.objectName() or 'the table'}")
    return item


def widget_at(table: QTableWidget, row: int, column: int) -> QWidget:
    """The widget of cell (``row``, ``column``) of ``table``."""
    widget = table.cellWidget(row, column)
    if widget is None:
        raise LookupError(f"no widget in cell ({row}, {column}) of {table.objectName() or 'the table'}")
    return widget


def child(parent: QObject, kind: type[_Q], name: str) -> _Q:
    """The child of ``parent`` of type ``kind`` named ``name``."""
    found = parent.findChild(kind, name)
    if found is None:
        raise LookupError(f"no {kind.__name__} named {name!r} in {type(parent).__name__}")
    return found
