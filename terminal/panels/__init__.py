"""Dockable panels of the main window: signals, orders, ticket, dashboard."""

import os

# pyqtgraph picks PyQt when it is installed unless told otherwise (shared/reference/pitfalls.md).
os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")
os.environ.setdefault("QT_API", "pyside6")
