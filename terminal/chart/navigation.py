"""Moving around the chart: the x range, following the last bar, fitting y, keys.

Mixed into ``ChartView``. x is the bar index; the view follows the right
edge until the user scrolls away. Keys: ← → pan by a tenth of the view,
+ = − zoom, Home/End jump. They are taken on the plot widget before its
ViewBox, which would swallow + − = after a click on the plot (pitfalls.md).
A range wider than all the bars (D1 or W1 with little history, or zoomed far
out) shows all of them, and the view never shows more than ``LEFT_PAD`` of
empty room left of the first bar. y fits the visible bars, the live ask and
the overlay indicators.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QWidget

if TYPE_CHECKING:
    from engine.values import Quote
    from terminal.chart.indicator_layer import IndicatorLayer
    from terminal.chart.series import BarSeries

    _ChartBase = QWidget  # the mixin's host is a QWidget (ChartView): super() reaches Qt's handlers
else:
    _ChartBase = object

DEFAULT_VISIBLE = 120
RIGHT_MARGIN = 6  # empty bars kept right of the last one
LEFT_PAD = 1.0  # at most this much empty room left of the first bar
ZOOM_IN, ZOOM_OUT = 0.8, 1.25
NAVIGATION_KEYS = {
    Qt.Key.Key_Left,
    Qt.Key.Key_Right,
    Qt.Key.Key_Plus,
    Qt.Key.Key_Equal,
    Qt.Key.Key_Minus,
    Qt.Key.Key_End,
    Qt.Key.Key_Home,
}


class Navigation(_ChartBase):
    """x range, follow mode, y fit and navigation keys of ``ChartView``."""

    if TYPE_CHECKING:  # what navigation reads and moves of ChartView, declared once (view.py creates it)
        plot: Any  # pyqtgraph's PlotItem (pyqtgraph has no types)
        plot_widget: Any  # pyqtgraph's PlotWidget
        series: BarSeries
        indicators: IndicatorLayer
        follow: bool  # the view follows the last bar
        _adjusting: bool  # a y fit is under way (its own range change must not refit)
        _quote: Quote | None

        @property
        def symbol(self) -> str: ...

    def visible_range(self) -> tuple[float, float]:
        (left, right), _ = self.plot.vb.viewRange()
        return left, right

    def set_x_range(self, left: float, right: float) -> None:
        """Show bars ``left..right`` (clamped as the module docstring says) and fit y."""
        n = len(self.series)
        if right - left >= n + LEFT_PAD + RIGHT_MARGIN:
            left, right = -LEFT_PAD, n + RIGHT_MARGIN
        elif left < -LEFT_PAD:
            left, right = -LEFT_PAD, right - left - LEFT_PAD
        self.plot.vb.setLimits(xMin=-LEFT_PAD, maxXRange=max(n + LEFT_PAD + RIGHT_MARGIN, 2 * RIGHT_MARGIN))
        self.plot.vb.setXRange(left, right, padding=0)
        self._fit_y()

    def scroll_to_end(self, keep_width: bool = False) -> None:
        n = len(self.series)
        width: float = DEFAULT_VISIBLE
        if keep_width:
            left, right = self.visible_range()
            width = max(right - left - RIGHT_MARGIN, 10)
        self.follow = True
        self.set_x_range(n - width, n + RIGHT_MARGIN)

    def _on_user_range(self, *_: object) -> None:
        _left, right = self.visible_range()
        self.follow = right >= len(self.series) - 1

    def _fit_y(self, *_: object) -> None:
        if self._adjusting:
            return
        left, right = self.visible_range()
        start, stop = int(left), int(right) + 1
        span = self.series.price_range(start, stop)
        if span is None:
            return
        low, high = span
        overlays = self.indicators.price_range(start, stop)
        if overlays is not None:
            low, high = min(low, overlays[0]), max(high, overlays[1])
        if self._quote is not None and self._quote.symbol == self.symbol and self.follow:
            high = max(high, self._quote.ask)
        pad = (high - low) * 0.08 or low * 1e-4
        self._adjusting = True
        try:
            self.plot.vb.setYRange(low - pad, high + pad, padding=0)
        finally:
            self._adjusting = False

    def zoom(self, factor: float) -> None:
        left, right = self.visible_range()
        centre = right if self.follow else (left + right) / 2
        half = max((right - left) * factor / 2, 5)
        if self.follow:
            self.set_x_range(right - 2 * half, right)
        else:
            self.set_x_range(centre - half, centre + half)

    def pan(self, bars: float) -> None:
        left, right = self.visible_range()
        self.set_x_range(left + bars, right + bars)
        self._on_user_range()

    def navigate(self, key: int) -> bool:
        """Pan, zoom or jump for a navigation key; False when ``key`` is not one."""
        left, right = self.visible_range()
        step = max((right - left) / 10, 1)
        if key == Qt.Key.Key_Left:
            self.pan(-step)
        elif key == Qt.Key.Key_Right:
            self.pan(step)
        elif key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.zoom(ZOOM_IN)
        elif key == Qt.Key.Key_Minus:
            self.zoom(ZOOM_OUT)
        elif key == Qt.Key.Key_End:
            self.scroll_to_end(keep_width=True)
        elif key == Qt.Key.Key_Home:
            self.follow = False
            self.set_x_range(-LEFT_PAD, right - left - LEFT_PAD)
        else:
            return False
        return True

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt name
        if not self.navigate(event.key()):
            super().keyPressEvent(event)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt name
        """Take navigation keys pressed in the plot before its ViewBox swallows + − =."""
        if (
            watched is self.plot_widget
            and isinstance(event, QKeyEvent)
            and event.type() == QEvent.Type.KeyPress
            and event.key() in NAVIGATION_KEYS
            and not event.modifiers() & (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier)
        ):
            return self.navigate(event.key())
        return super().eventFilter(watched, event)
