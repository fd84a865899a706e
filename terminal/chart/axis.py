"""The chart's time axis: x is a bar index, labels are the bars' open times."""

from __future__ import annotations

from collections.abc import Callable

import pyqtgraph as pg
from PySide6.QtCore import QLineF, QRectF

from terminal.chart.series import BarSeries


class IndexTimeAxis(pg.AxisItem):
    """Bottom axis that labels bar indexes with their UTC open time.

    The label format follows the time between two ticks: dates when a tick
    spans a day or more, date and time when it spans hours, time otherwise.
    """

    def __init__(self, series: Callable[[], BarSeries | None], **kwargs) -> None:  # noqa: ANN003
        super().__init__(orientation="bottom", **kwargs)
        self._series = series

    def tickStrings(self, values, scale, spacing):  # noqa: ANN001, N802 - pyqtgraph API
        series = self._series()
        if series is None or len(series) == 0:
            return ["" for _ in values]
        span = spacing * series.timeframe.seconds
        if span >= 86_400 * 28:
            fmt = "%b %Y"
        elif span >= 86_400:
            fmt = "%d %b"
        elif span >= 4 * 3600 or series.timeframe.seconds >= 3600:
            fmt = "%d %b %H:%M"
        else:
            fmt = "%H:%M"
        labels = []
        for value in values:
            when = series.time_at(int(round(value)))
            labels.append("" if when is None else when.strftime(fmt))
        return labels


class TickGrid(pg.GraphicsObject):
    """Grid lines at the ticks of the bottom and right axes, drawn with one opaque pen.

    (pyqtgraph's own axis grid replays a picture covering the whole plot and
    costs ~30 ms per 1600×900 frame offscreen; this draws two line batches.)
    """

    def __init__(self, plot: pg.PlotItem, colour: str) -> None:
        super().__init__()
        self._plot = plot
        self._pen = pg.mkPen(colour)
        self._pen.setCosmetic(True)
        self.setZValue(-100)

    def set_colour(self, colour: str) -> None:
        self._pen = pg.mkPen(colour)
        self._pen.setCosmetic(True)
        self.update()

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt name
        rect = self.viewRect()
        return QRectF(rect) if rect is not None else QRectF()

    def paint(self, painter, option, widget=None) -> None:  # noqa: ANN001
        rect = self.viewRect()
        if rect is None:
            return
        painter.setPen(self._pen)
        lines = []
        bottom = self._plot.getAxis("bottom")
        right = self._plot.getAxis("right")
        for axis, lo, hi, vertical in ((bottom, rect.left(), rect.right(), True),
                                       (right, rect.top(), rect.bottom(), False)):
            length = axis.geometry().width() if vertical else axis.geometry().height()
            for _, values in axis.tickValues(lo, hi, max(length, 1.0))[:2]:
                for v in values:
                    if vertical:
                        lines.append(QLineF(v, rect.top(), v, rect.bottom()))
                    else:
                        lines.append(QLineF(rect.left(), v, rect.right(), v))
        if lines:
            painter.drawLines(lines)

    def viewRangeChanged(self) -> None:  # noqa: N802 - pyqtgraph hook
        self.prepareGeometryChange()
