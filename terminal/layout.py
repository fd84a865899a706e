"""Where the window's docks go and how big they are, on any screen.

Arrangement (as MetaTrader and TradingView do it): the chart in the centre;
on the right a column with the market watch over the new-order ticket; along
the bottom the trade tables (tabbed with the performance dashboard) beside
the signals. The chart gets most of the width: the right column is
``RIGHT_FRACTION`` of the window width, clamped to [``RIGHT_MIN``,
``RIGHT_MAX``] px (chart ≈ 78 % at 1280 px, 80 % at 1600 and 1920); the
bottom row is ``BOTTOM_FRACTION`` of the height (at least what shows four
signal rows), the signals taking ``SIGNALS_FRACTION`` of its width but at
least what shows all their columns.

``DockLayout`` keeps these proportions: Qt gives every change of the window
size to the central widget, so shrinking then growing a window left the
docks small. Here the fractions are re-applied after each resize of the
window; a separator the user drags changes the fractions instead.

Below ``SIDE_BY_SIDE_MIN`` px of window width the trade tables and the
signals cannot both show their columns (about 740 and 760 px: at 1280 px both
scrolled sideways, the Execute and Close buttons out of sight), so the bottom
row becomes one full-width tab group, Trade | Signals | Performance, as
MetaTrader's toolbox does; the Signals tab counts its signals. The row follows
the window across that width both ways (a restored layout too: a window saved
at 1600 px and opened on a 1280-px screen gets the tabs) until the user
tabs or untabs the signals themselves.

``fit_size`` makes a fresh window fit the screen's available geometry.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QEvent, QObject, QRect, QSize, Qt, QTimer
from PySide6.QtWidgets import QDockWidget, QFrame, QMainWindow, QScrollArea, QWidget

DEFAULT_SIZE = QSize(1600, 900)
RIGHT_FRACTION = 0.20
RIGHT_MIN, RIGHT_MAX = 280, 380
BOTTOM_FRACTION = 0.31
BOTTOM_MIN = 215  # dock title + signals header + 4 rows
SIGNALS_FRACTION = 0.42  # of the bottom row's width …
SIGNALS_PX = 760  # … but at least what shows every column of the signal feed, Execute button too (≤ 56 % of the row)
WATCH_FRACTION = 0.26  # of the right column's height
SIDE_BY_SIDE_MIN = 1500  # window width from which trade tables and signals sit side by side
DECORATION = QSize(16, 48)  # a window manager's frame and title bar, kept free on a small screen


def fit_size(available: QRect, wanted: QSize = DEFAULT_SIZE) -> QSize:
    """``wanted``, shrunk to fit ``available`` (the screen minus panels) with room for the frame."""
    width = min(wanted.width(), available.width() - (DECORATION.width() if available.width() <= wanted.width() else 0))
    height = min(
        wanted.height(), available.height() - (DECORATION.height() if available.height() <= wanted.height() else 0)
    )
    return QSize(max(width, 640), max(height, 480))


def fit_geometry(available: QRect, wanted: QSize = DEFAULT_SIZE) -> QRect:
    """A rectangle of ``fit_size`` centred in ``available``."""
    size = fit_size(available, wanted)
    rect = QRect(0, 0, size.width(), size.height())
    rect.moveCenter(available.center())
    rect.moveTop(max(rect.top(), available.top()))
    rect.moveLeft(max(rect.left(), available.left()))
    return rect


@dataclass
class Fractions:
    """The layout's proportions (see the module docstring)."""

    right: float = RIGHT_FRACTION
    bottom: float = BOTTOM_FRACTION
    signals: float = SIGNALS_FRACTION
    watch: float = WATCH_FRACTION
    captured: bool = False  # True once taken from the docks (a restored layout, a dragged separator)


class DockLayout(QObject):
    """Arrange the docks of ``window`` and keep their proportions across resizes."""

    def __init__(
        self,
        window: QMainWindow,
        *,
        watch: QDockWidget,
        ticket: QDockWidget,
        trade: QDockWidget,
        dashboard: QDockWidget,
        signals: QDockWidget,
    ) -> None:
        super().__init__(window)
        self.window = window
        self.watch, self.ticket, self.trade, self.dashboard, self.signals = watch, ticket, trade, dashboard, signals
        self.fractions = Fractions()
        self._applying = False
        self._applied_size: QSize | None = None
        self._auto: bool | None = None  # the side_by_side() this layout chose (or adopted); None: the user's
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self.apply)
        window.installEventFilter(self)

    def arrange(self) -> None:
        """Put every dock in its place (a fresh window, or View → Reset layout)."""
        w = self.window
        w.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.BottomDockWidgetArea)
        w.setCorner(Qt.Corner.BottomLeftCorner, Qt.DockWidgetArea.BottomDockWidgetArea)
        for dock in (self.watch, self.ticket, self.trade, self.dashboard, self.signals):
            dock.setFloating(False)
            dock.show()
        w.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.watch)
        w.splitDockWidget(self.watch, self.ticket, Qt.Orientation.Vertical)
        self._arrange_bottom(side_by_side=w.width() >= SIDE_BY_SIDE_MIN)
        self.fractions = Fractions()
        self.schedule()

    def adopt(self) -> None:
        """Take the bottom row as it is (a restored layout) as this layout's own: it follows the width from here."""
        self._auto = self.side_by_side()

    def _arrange_bottom(self, *, side_by_side: bool) -> None:
        """Signals beside the trade tables, or one more tab of their group (module docstring)."""
        w = self.window
        for dock in (self.trade, self.signals, self.dashboard):  # out of the old group: a tabbed dock splits no more
            w.removeDockWidget(dock)
        w.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.trade)
        if side_by_side:
            w.splitDockWidget(self.trade, self.signals, Qt.Orientation.Horizontal)
            w.tabifyDockWidget(self.trade, self.dashboard)
        else:
            w.tabifyDockWidget(self.trade, self.signals)
            w.tabifyDockWidget(self.signals, self.dashboard)
        for dock in (self.trade, self.signals, self.dashboard):
            dock.show()
        self.trade.raise_()
        self._auto = side_by_side

    def side_by_side(self) -> bool:
        """Whether the signals sit beside the trade tables (not in their tab group)."""
        return self.signals not in self.window.tabifiedDockWidgets(self.trade)

    def schedule(self) -> None:
        self._timer.start()

    def apply(self) -> None:
        """Size the docks from the fractions for the window's current size."""
        w = self.window
        width, height = w.width(), w.height()
        right = int(min(max(width * self.fractions.right, RIGHT_MIN), RIGHT_MAX))
        bottom = int(max(height * self.fractions.bottom, BOTTOM_MIN))
        self._applying = True
        try:
            wide = width >= SIDE_BY_SIDE_MIN
            bottom_row = all(self._placed(d) for d in (self.trade, self.signals, self.dashboard))
            ours = self._auto is not None and self.side_by_side() == self._auto  # not changed by the user since
            if bottom_row and ours and self._auto != wide:
                self._arrange_bottom(side_by_side=wide)
            if self._docked(self.watch):
                w.resizeDocks([self.watch], [right], Qt.Orientation.Horizontal)
            if self._docked(self.trade) and self._docked(self.signals) and self.side_by_side():
                signals = int(width * self.fractions.signals)
                if not self.fractions.captured:
                    signals = max(signals, int(min(SIGNALS_PX, width * 0.56)))
                w.resizeDocks([self.trade, self.signals], [width - signals, signals], Qt.Orientation.Horizontal)
            bottom_docks = [d for d in (self.trade, self.signals) if self._docked(d)]
            if bottom_docks:
                w.resizeDocks(bottom_docks[:1], [bottom], Qt.Orientation.Vertical)
            if self._docked(self.watch) and self._docked(self.ticket):
                column = max(height - bottom - 60, 200)
                watch = int(column * self.fractions.watch)
                w.resizeDocks([self.watch, self.ticket], [watch, column - watch], Qt.Orientation.Vertical)
        finally:
            self._applying = False
        self._applied_size = w.size()

    def capture(self) -> None:
        """Take the fractions from the docks as they are (after a restored layout or a dragged separator)."""
        w = self.window
        if w.width() <= 0 or w.height() <= 0:
            return
        if self._docked(self.watch):
            self.fractions.right = self.watch.width() / w.width()
            if self._docked(self.ticket):
                column = self.watch.height() + self.ticket.height()
                if column > 0:
                    self.fractions.watch = self.watch.height() / column
        if self._docked(self.trade):
            self.fractions.bottom = self.trade.height() / w.height()
        if self._docked(self.signals) and self._docked(self.trade) and self.side_by_side():
            self.fractions.signals = self.signals.width() / w.width()
        self.fractions.captured = True
        self._applied_size = w.size()

    @staticmethod
    def _docked(dock: QDockWidget) -> bool:
        return not dock.isFloating() and not dock.isHidden()

    @staticmethod
    def _placed(dock: QDockWidget) -> bool:
        """Docked and left on by the user (a dock behind another's tab counts: it is hidden, not closed)."""
        return not dock.isFloating() and dock.toggleViewAction().isChecked()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt name
        if watched is self.window:
            if event.type() == QEvent.Type.Resize and not self._applying:
                self.schedule()
            elif event.type() == QEvent.Type.MouseButtonRelease:
                self.capture()  # the end of a separator drag (separators belong to the window itself)
        return False


def scrollable(widget: QWidget) -> QScrollArea:
    """``widget`` in a frameless scroll area: a dock of many figures never sets the window's minimum size."""
    area = QScrollArea()
    area.setWidget(widget)
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setObjectName(f"{widget.objectName() or type(widget).__name__}_scroll")
    return area
