"""Indicator drawing: a line and a histogram that draw only the visible bars of a numpy column.

x is the bar index, as for the candles. When several bars fall on one pixel
the line takes every k-th value (k = bars per pixel), so a frame costs the
same at any zoom and any series length; NaN values (an indicator warming up)
leave a gap.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPen

import numpy as np
import pyqtgraph as pg

from terminal.chart.levels import cosmetic_pen

Column = Callable[[], np.ndarray]


class _VisibleItem(pg.GraphicsObject):
    """An item as large as the view (it never widens the range) that draws the visible bars."""

    def __init__(self, column: Column) -> None:
        super().__init__()
        self._column = column
        self.painted = 0  # values drawn by the last paint (tests and benchmarks)

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt name
        rect = self.viewRect()
        return QRectF(rect) if rect is not None else QRectF()

    def viewRangeChanged(self) -> None:  # noqa: N802 - pyqtgraph hook
        self.prepareGeometryChange()

    def _visible(self) -> tuple[np.ndarray, np.ndarray] | None:
        view = self.viewRect()
        values = self._column()
        if view is None or len(values) == 0:
            return None
        first = max(int(np.floor(view.left())) - 1, 0)
        last = min(int(np.ceil(view.right())) + 2, len(values))
        if last <= first:
            return None
        step = max(int(self.pixelWidth() or 1.0), 1)
        xs = np.arange(first, last, step, dtype=np.float64)
        ys = values[first:last:step]
        return xs, ys

    def paint(self, painter: QPainter, option, widget=None) -> None:
        self.painted = 0
        visible = self._visible()
        if visible is None:
            return
        xs, ys = visible
        finite = np.isfinite(ys)
        self._draw(painter, xs, ys, finite)
        self.painted = int(finite.sum())

    def _draw(self, painter: QPainter, xs: np.ndarray, ys: np.ndarray, finite: np.ndarray) -> None:
        raise NotImplementedError


class LineItem(_VisibleItem):
    """One indicator column as a polyline."""

    def __init__(self, column: Column, colour: str, width: float = 1.0, dashed: bool = False) -> None:
        super().__init__(column)
        self.pen = QPen()
        self.set_colour(colour, width, dashed)

    def set_colour(self, colour: str, width: float = 1.0, dashed: bool = False) -> None:
        """Colour and width (pixels; 1 px lines draw several times faster than wider ones)."""
        self.pen = cosmetic_pen(colour, width, Qt.PenStyle.DashLine if dashed else Qt.PenStyle.SolidLine)
        self.update()

    def _draw(self, painter: QPainter, xs: np.ndarray, ys: np.ndarray, finite: np.ndarray) -> None:
        painter.setPen(self.pen)
        if finite.all():
            painter.drawPolyline(pg.functions.arrayToQPolygonF(xs, ys))
            return
        # One polyline per run of defined values (an indicator warming up leaves a gap).
        edges = np.flatnonzero(np.diff(np.r_[False, finite, False].astype(np.int8)))
        for start, stop in zip(edges[::2], edges[1::2], strict=True):
            if stop - start > 1:
                painter.drawPolyline(pg.functions.arrayToQPolygonF(xs[start:stop], ys[start:stop]))


class HistogramItem(_VisibleItem):
    """One indicator column as bars from zero, coloured by sign (filled rectangles, no outline)."""

    HALF_WIDTH = 0.3

    def __init__(self, column: Column, up: str, down: str) -> None:
        super().__init__(column)
        self.set_colours(up, down)

    def set_colours(self, up: str, down: str) -> None:
        self._brushes = [QBrush(QColor(up)), QBrush(QColor(down))]
        self.update()

    def _draw(self, painter: QPainter, xs: np.ndarray, ys: np.ndarray, finite: np.ndarray) -> None:
        half = self.HALF_WIDTH * (xs[1] - xs[0] if len(xs) > 1 else 1.0)  # a gap between bars at any zoom
        painter.setPen(Qt.PenStyle.NoPen)
        for brush, mask in zip(self._brushes, (finite & (ys >= 0), finite & (ys < 0)), strict=True):
            if mask.any():
                painter.setBrush(brush)
                painter.drawRects(
                    [
                        QRectF(x - half, 0.0, 2 * half, y)
                        for x, y in zip(xs[mask].tolist(), ys[mask].tolist(), strict=True)
                    ]
                )
