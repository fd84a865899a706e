"""What follows the mouse: the crosshair (with a price tag on the axis) and the OHLC legend.

The crosshair shows while the mouse is over the plot and hides as soon as it
leaves it (onto an axis, another widget or out of the window). The legend,
top left of the plot, reads the bar under the cursor, else the last bar:
``O H L C`` and the change from the previous bar's close (price and %).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QPointF, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QLabel

import pyqtgraph as pg

from terminal.chart.axis import PriceAxis
from terminal.chart.levels import cosmetic_pen
from terminal.chart.series import BarSeries
from terminal.theme import Palette

CROSSHAIR_TAG = "crosshair"


def ohlc_text(series: BarSeries, index: int, digits: int) -> tuple[str, float]:
    """(``O … H … L … C …  ±change (±%)``, change) of bar ``index`` clipped to the series; ("", 0) when empty.

    change = close − previous bar's close (close − open on the first bar);
    % = change / that reference × 100.
    """
    n = len(series)
    if n == 0:
        return "", 0.0
    i = min(max(index, 0), n - 1)
    o, h, lo, c = (float(series.open[i]), float(series.high[i]), float(series.low[i]), float(series.close[i]))
    ref = float(series.close[i - 1]) if i > 0 else o
    change = c - ref
    pct = 100.0 * change / ref if ref else 0.0
    return (
        f"O {o:.{digits}f}  H {h:.{digits}f}  L {lo:.{digits}f}  C {c:.{digits}f}  {change:+.{digits}f} ({pct:+.2f}%)",
        change,
    )


class Legend(QLabel):
    """The OHLC read-out in the plot's top-left corner, coloured by the change's sign."""

    def __init__(self, parent, palette: Palette) -> None:
        super().__init__(parent)
        self.setObjectName("chart_legend")
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
        self.move(8, 6)
        self.plain = ""
        self._palette = palette

    def set_palette(self, palette: Palette) -> None:
        self._palette = palette
        self.plain = ""  # redrawn in the new colours on the next show_bar

    def show_bar(self, title: str, series: BarSeries, index: int, digits: int) -> None:
        text, change = ohlc_text(series, index, digits)
        plain = f"{title}   {text}".rstrip()
        if plain == self.plain:
            return
        self.plain = plain
        colour = self._palette.profit if change >= 0 else self._palette.loss
        self.setText(
            f'<span style="color:{self._palette.text}; font-weight:600">{title}</span>'
            f'&nbsp;&nbsp;&nbsp;<span style="color:{colour}">{text.replace("  ", "&nbsp;&nbsp;")}</span>'
        )
        self.adjustSize()


class Crosshair(QObject):
    """Dotted cross under the mouse with a price/time read-out and a price tag on the axis."""

    def __init__(
        self,
        plot: pg.PlotItem,
        palette: Palette,
        series: Callable[[], BarSeries],
        digits: Callable[[], int],
        axis: PriceAxis,
        on_move: Callable[[int | None], None],
    ) -> None:
        super().__init__()
        self._plot = plot
        self._series = series
        self._digits = digits
        self._axis = axis
        self._on_move = on_move
        self._palette = palette
        self.index: int | None = None  # bar under the cursor, None when hidden
        self.vline = pg.InfiniteLine(angle=90, movable=False)
        self.hline = pg.InfiniteLine(angle=0, movable=False)
        self.label = pg.TextItem("", anchor=(0, 1))
        for item in (self.vline, self.hline, self.label):
            item.setZValue(40)
            item.setVisible(False)
            plot.addItem(item, ignoreBounds=True)
        self.set_palette(palette)
        self.readout = ""
        self._scene_pos: QPointF | None = None
        plot.scene().sigMouseMoved.connect(self.on_mouse_moved)
        plot.vb.sigRangeChanged.connect(self._view_moved)

    def watch(self, *widgets: QObject) -> None:
        """Hide when the mouse leaves any of ``widgets`` (the plot widget and its viewport)."""
        for widget in widgets:
            widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt name
        if event.type() == QEvent.Type.Leave:
            self.hide()
        return False

    def set_palette(self, palette: Palette) -> None:
        """Colour the cross and its read-out."""
        self._palette = palette
        pen = cosmetic_pen(palette.crosshair, style=Qt.PenStyle.DotLine)
        self.vline.setPen(pen)
        self.hline.setPen(pen)
        self.label.setColor(QColor(palette.text))
        self.label.fill = pg.mkBrush(QColor(palette.panel))
        self.label.update()

    def on_mouse_moved(self, scene_pos: QPointF) -> None:
        box = self._plot.vb
        if not box.sceneBoundingRect().contains(scene_pos):
            self.hide()
            return
        self._scene_pos = QPointF(scene_pos)
        point = box.mapSceneToView(scene_pos)
        self.move_to(point.x(), point.y())

    def _view_moved(self, *_: object) -> None:
        """The view zoomed or scrolled under a still mouse: read what is under it now."""
        if self.index is not None and self._scene_pos is not None:
            self.on_mouse_moved(self._scene_pos)

    def move_to(self, x: float, y: float) -> None:
        index = int(round(x))
        when = self._series().time_at(index)
        stamp = when.strftime("%Y-%m-%d %H:%M") if when else ""
        self.readout = f"{y:.{self._digits()}f}  {stamp} UTC"
        self.vline.setValue(index)
        self.hline.setValue(y)
        self.label.setText(self.readout)
        self.label.setPos(QPointF(x, y))
        for item in (self.vline, self.hline, self.label):
            item.setVisible(True)
        self._axis.set_tag(CROSSHAIR_TAG, y, self._palette.crosshair, rank=2)
        self.index = index
        self._on_move(index)

    def hide(self) -> None:
        if self.index is None and not self.vline.isVisible():
            return
        for item in (self.vline, self.hline, self.label):
            item.setVisible(False)
        self._axis.remove_tag(CROSSHAIR_TAG)
        self.index = None
        self._scene_pos = None
        self._on_move(None)
