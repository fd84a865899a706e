"""Dark and light themes: one palette for widgets, chart and P&L colours.

A theme travels one way: the window's ``Theme`` is the one place that sets
it (``Theme.set``: the application's style, then ``changed``), and every
widget that draws in its own colours receives the palette through its
``apply_palette`` (``Theme.follow``); no widget sets another's palette.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication, QObject
from PySide6.QtCore import Signal as QtSignal
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication


@dataclass(frozen=True, slots=True)
class Palette:
    """Colours (``#rrggbb``) of one theme."""

    name: str
    background: str
    panel: str
    alt_row: str
    border: str
    text: str
    muted: str
    accent: str
    profit: str
    loss: str
    bid: str
    ask: str
    entry: str
    pattern: str
    crosshair: str
    grid: str
    highlight: str


DARK = Palette(
    name="dark",
    background="#131722",
    panel="#1e222d",
    alt_row="#191d28",
    border="#2a2e39",
    text="#d1d4dc",
    muted="#787b86",
    accent="#2962ff",
    profit="#26a69a",
    loss="#ef5350",
    bid="#f0b90b",
    ask="#a0a4b0",
    entry="#42a5f5",
    pattern="#ab47bc",
    crosshair="#9598a1",
    grid="#1c2030",
    highlight="#2d3a5c",
)
LIGHT = Palette(
    name="light",
    background="#ffffff",
    panel="#f4f5f7",
    alt_row="#fafbfc",
    border="#d6d9de",
    text="#131722",
    muted="#6a6d78",
    accent="#2962ff",
    profit="#089981",
    loss="#f23645",
    bid="#d48806",
    ask="#7a7e89",
    entry="#1e63d6",
    pattern="#8e24aa",
    crosshair="#6a6d78",
    grid="#eef0f3",
    highlight="#dde7ff",
)
THEMES = {"dark": DARK, "light": LIGHT}


def palette_for(name: str) -> Palette:
    """Return the palette called ``name`` (``dark`` or ``light``); dark when unknown."""
    return THEMES.get(name, DARK)


def stylesheet(p: Palette) -> str:
    """Qt style sheet of the whole window for palette ``p``."""
    return f"""
QWidget {{ background: {p.background}; color: {p.text}; font-size: 12px; }}
QMainWindow::separator {{ background: {p.border}; width: 3px; height: 3px; }}
QDockWidget {{ titlebar-close-icon: none; }}
QDockWidget::title {{ background: {p.panel}; padding: 5px 8px; border-bottom: 1px solid {p.border};
    font-weight: 600; text-transform: uppercase; }}
QTabWidget::pane {{ border: 1px solid {p.border}; top: -1px; }}
QTabBar::tab {{ background: {p.panel}; color: {p.muted}; padding: 5px 12px; border: 1px solid {p.border};
    border-bottom: none; }}
QTabBar::tab:selected {{ background: {p.background}; color: {p.text}; }}
QTableView, QTreeView, QListView {{ background: {p.background}; alternate-background-color: {p.alt_row};
    gridline-color: {p.border}; border: 1px solid {p.border}; selection-background-color: {p.highlight};
    selection-color: {p.text}; }}
QHeaderView::section {{ background: {p.panel}; color: {p.muted}; padding: 4px 6px; border: none;
    border-right: 1px solid {p.border}; border-bottom: 1px solid {p.border}; font-weight: 600; }}
QPushButton {{ background: {p.panel}; border: 1px solid {p.border}; border-radius: 3px; padding: 4px 10px; }}
QPushButton:hover {{ border-color: {p.accent}; }}
QPushButton:checked {{ background: {p.accent}; color: #ffffff; border-color: {p.accent}; }}
QPushButton:disabled {{ color: {p.muted}; }}
QPushButton[role="buy"] {{ background: {p.profit}; color: #ffffff; border-color: {p.profit}; font-weight: 600; }}
QPushButton[role="sell"] {{ background: {p.loss}; color: #ffffff; border-color: {p.loss}; font-weight: 600; }}
QPushButton[role="buy"]:disabled, QPushButton[role="sell"]:disabled {{ background: {p.panel}; color: {p.muted};
    border-color: {p.border}; }}
QLineEdit, QComboBox, QSpinBox, QDoubleSpinBox, QDateEdit {{ background: {p.panel};
    border: 1px solid {p.border}; border-radius: 3px; padding: 3px 5px; }}
QComboBox QAbstractItemView {{ background: {p.panel}; selection-background-color: {p.highlight};
    border: 1px solid {p.border}; }}
QSpinBox, QDoubleSpinBox {{ padding-right: 18px; }}
QSpinBox::up-button, QDoubleSpinBox::up-button, QSpinBox::down-button, QDoubleSpinBox::down-button {{
    subcontrol-origin: border; width: 16px; background: {p.panel}; border-left: 1px solid {p.border}; }}
QSpinBox::up-button, QDoubleSpinBox::up-button {{ subcontrol-position: top right;
    border-bottom: 1px solid {p.border}; border-top-right-radius: 3px; }}
QSpinBox::down-button, QDoubleSpinBox::down-button {{ subcontrol-position: bottom right;
    border-bottom-right-radius: 3px; }}
QSpinBox::up-button:hover, QDoubleSpinBox::up-button:hover, QSpinBox::down-button:hover,
QDoubleSpinBox::down-button:hover {{ background: {p.highlight}; }}
QSpinBox::up-arrow, QDoubleSpinBox::up-arrow {{ width: 0; height: 0; border-left: 4px solid transparent;
    border-right: 4px solid transparent; border-bottom: 5px solid {p.text}; }}
QSpinBox::down-arrow, QDoubleSpinBox::down-arrow {{ width: 0; height: 0; border-left: 4px solid transparent;
    border-right: 4px solid transparent; border-top: 5px solid {p.text}; }}
QSpinBox::up-arrow:disabled, QDoubleSpinBox::up-arrow:disabled {{ border-bottom-color: {p.muted}; }}
QSpinBox::down-arrow:disabled, QDoubleSpinBox::down-arrow:disabled {{ border-top-color: {p.muted}; }}
QMenu {{ background: {p.panel}; color: {p.text}; border: 1px solid {p.border}; padding: 4px 0; }}
QMenu::item {{ padding: 4px 22px 4px 14px; background: transparent; }}
QMenu::item:selected {{ background: {p.highlight}; }}
QMenu::item:disabled {{ color: {p.muted}; }}
QMenu::separator {{ height: 1px; background: {p.border}; margin: 4px 8px; }}
QMenuBar::item:selected {{ background: {p.highlight}; }}
QStatusBar {{ background: {p.panel}; border-top: 1px solid {p.border}; }}
QStatusBar QLabel {{ background: transparent; padding: 0 6px; }}
QToolBar {{ background: {p.panel}; border-bottom: 1px solid {p.border}; spacing: 2px; }}
QGroupBox {{ border: 1px solid {p.border}; border-radius: 4px; margin-top: 14px; padding-top: 6px; }}
QGroupBox::title {{ subcontrol-origin: margin; left: 8px; color: {p.muted}; }}
QProgressBar {{ border: 1px solid {p.border}; border-radius: 2px; background: {p.panel}; text-align: center;
    max-height: 12px; }}
QProgressBar::chunk {{ background: {p.accent}; }}
QLineEdit[invalid="true"] {{ border: 1px solid {p.loss}; background: {p.panel}; }}
QLabel[role="error"] {{ color: {p.loss}; }}
QLabel[role="muted"] {{ color: {p.muted}; }}
QLabel[role="figure"] {{ font-size: 15px; font-weight: 600; }}
QToolTip {{ background: {p.panel}; color: {p.text}; border: 1px solid {p.border}; }}
"""


def apply_theme(app: QCoreApplication | None, p: Palette) -> None:
    """Apply palette ``p`` to ``app`` (Qt palette and style sheet); nothing when it is applied already.

    ``app`` is ``QApplication.instance()``: without a widget application there is nothing to paint.
    (Re-applying a style sheet re-polishes every widget of the process, which is slow.)
    """
    if not isinstance(app, QApplication) or app.property("paper_terminal_theme") == p.name:
        return
    app.setProperty("paper_terminal_theme", p.name)
    qp = QPalette()
    for role, colour in (
        (QPalette.ColorRole.Window, p.background),
        (QPalette.ColorRole.Base, p.background),
        (QPalette.ColorRole.AlternateBase, p.alt_row),
        (QPalette.ColorRole.Text, p.text),
        (QPalette.ColorRole.WindowText, p.text),
        (QPalette.ColorRole.Button, p.panel),
        (QPalette.ColorRole.ButtonText, p.text),
        (QPalette.ColorRole.Highlight, p.highlight),
        (QPalette.ColorRole.HighlightedText, p.text),
        (QPalette.ColorRole.ToolTipBase, p.panel),
        (QPalette.ColorRole.ToolTipText, p.text),
    ):
        qp.setColor(role, QColor(colour))
    app.setStyle("Fusion")
    app.setPalette(qp)
    app.setStyleSheet(stylesheet(p))


class Theme(QObject):
    """The window's theme: the palette in use, set in one place and handed to every receiver."""

    changed = QtSignal(object)  # Palette

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.palette = palette_for(name)

    def follow(self, *receivers: Callable[[Palette], None]) -> None:
        """Hand every later palette to each of ``receivers`` (a widget's ``apply_palette``)."""
        for receiver in receivers:
            self.changed.connect(receiver)

    def apply(self) -> None:
        """Style the application in the palette in use (at start-up)."""
        app = QApplication.instance()
        if isinstance(app, QApplication):
            apply_theme(app, self.palette)

    def set(self, name: str) -> None:
        """Switch to the theme ``name``: style the application, then hand the palette to every receiver."""
        palette = palette_for(name)
        if palette == self.palette:
            return
        self.palette = palette
        self.apply()
        self.changed.emit(palette)
