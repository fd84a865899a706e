"""A pyqtgraph item that draws candles from a ``BarSeries``, visible bars only.

x is the bar index (no weekend gaps); y is price. Closed bars are drawn into
cached ``QPicture`` chunks of ``CHUNK`` bars, so a frame replays at most a few
pictures and a price on the forming bar redraws that one bar only. When more
than one bar falls on a pixel the item draws one high–low line per pixel
column instead (the same look, a bounded cost at any zoom).
"""

from __future__ import annotations

from collections import OrderedDict

from PySide6.QtCore import QLineF, QPointF, QRectF
from PySide6.QtGui import QBrush, QColor, QPainter, QPen, QPicture

import numpy as np
import pyqtgraph as pg

from terminal.chart.series import BarSeries

CHUNK = 128
_MAX_CACHED_CHUNKS = 96
BODY_HALF_WIDTH = 0.34


class CandleStyle:
    """Colours of rising and falling candles."""

    def __init__(self, up: str = "#26a69a", down: str = "#ef5350") -> None:
        self.up = QColor(up)
        self.down = QColor(down)


class CandleItem(pg.GraphicsObject):
    """Candlesticks of one ``BarSeries``; call ``refresh()`` after changing the series."""

    def __init__(self, series: BarSeries, style: CandleStyle | None = None) -> None:
        super().__init__()
        self._series = series
        self._style = style or CandleStyle()
        self._chunks: OrderedDict[int, QPicture] = OrderedDict()
        self._generation = -1
        self._closed_count = 0
        self._bounds = QRectF()
        self.painted_bars = 0  # bars drawn by the last paint (for tests and benchmarks)
        self.setFlag(self.GraphicsItemFlag.ItemUsesExtendedStyleOption, True)
        self.reset()

    # --- model -----------------------------------------------------------
    @property
    def series(self) -> BarSeries:
        return self._series

    def set_series(self, series: BarSeries) -> None:
        self._series = series
        self.reset()

    def set_style(self, style: CandleStyle) -> None:
        self._style = style
        self._chunks.clear()
        self.update()

    def reset(self) -> None:
        """Drop every cached picture and recompute the bounds (after a reload)."""
        self._chunks.clear()
        self._generation = self._series.version
        self._closed_count = max(len(self._series) - 1, 0)
        self.prepareGeometryChange()
        self._bounds = self._compute_bounds()
        self.update()

    def refresh(self) -> None:
        """Take in appended bars and the forming bar's new price; repaint."""
        series = self._series
        closed = max(len(series) - 1, 0)
        changed = series.first_change_since(self._generation)
        if closed < self._closed_count or changed == 0:
            self.reset()
            return
        if closed != self._closed_count or changed is not None:
            # Chunks that were partial when cached, or hold a bar merged late, are drawn again.
            first_dirty = min(self._closed_count, changed if changed is not None else closed) // CHUNK
            for key in [k for k in self._chunks if k >= first_dirty]:
                del self._chunks[key]
            self._closed_count = closed
            span = series.price_range(changed, len(series)) if changed is not None and changed < len(series) else None
            if span is not None:  # bars from ``changed`` on have a range
                self._widen(*span)
        self._generation = series.version
        if len(series):
            self._widen(float(series.low[-1]), float(series.high[-1]))
        self.update()

    def _widen(self, low: float, high: float) -> None:
        """Grow the bounds to take in prices ``low..high`` and the last bar."""
        bounds = self._bounds
        right = len(self._series) + 1.0
        if bounds.isNull() or high > bounds.bottom() or low < bounds.top() or right > bounds.right():
            top = min(low, bounds.top()) if not bounds.isNull() else low
            bottom = max(high, bounds.bottom()) if not bounds.isNull() else high
            self.prepareGeometryChange()
            self._bounds = QRectF(-1.0, top, right + 1.0, bottom - top)

    def _compute_bounds(self) -> QRectF:
        series = self._series
        if len(series) == 0:
            return QRectF(0.0, 0.0, 1.0, 1.0)
        low = float(series.low.min())
        high = float(series.high.max())
        return QRectF(-1.0, low, len(series) + 2.0, max(high - low, 1e-9))

    # --- QGraphicsItem -----------------------------------------------------
    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt name
        return QRectF(self._bounds)

    def paint(self, painter: QPainter, option, widget=None) -> None:
        series = self._series
        n = len(series)
        self.painted_bars = 0
        if n == 0:
            return
        view = self.viewRect()
        if view is None:
            return
        first = max(int(np.floor(view.left())), 0)
        last = min(int(np.ceil(view.right())) + 1, n)
        if last <= first:
            return
        pixel_width = self.pixelWidth() or 0.0
        if pixel_width > 1.0:
            self._paint_columns(painter, first, last, pixel_width)
            return
        closed = n - 1
        if first < closed:
            for chunk in range(first // CHUNK, (min(last, closed) - 1) // CHUNK + 1):
                painter.drawPicture(QPointF(0.0, 0.0), self._chunk_picture(chunk))
                self.painted_bars += min(chunk * CHUNK + CHUNK, closed) - chunk * CHUNK
        if last == n:
            self._draw_bars(painter, n - 1, n)
            self.painted_bars += 1

    # --- drawing -----------------------------------------------------------
    def _chunk_picture(self, chunk: int) -> QPicture:
        picture = self._chunks.get(chunk)
        if picture is not None:
            self._chunks.move_to_end(chunk)
            return picture
        picture = QPicture()
        painter = QPainter(picture)
        start = chunk * CHUNK
        self._draw_bars(painter, start, min(start + CHUNK, self._closed_count))
        painter.end()
        self._chunks[chunk] = picture
        while len(self._chunks) > _MAX_CACHED_CHUNKS:
            self._chunks.popitem(last=False)
        return picture

    def _draw_bars(self, painter: QPainter, start: int, stop: int) -> None:
        """Draw bars ``start..stop-1`` as wick lines and body rectangles."""
        _, rows = self._series.ohlc(start, stop)
        if len(rows) == 0:
            return
        xs = np.arange(start, start + len(rows), dtype=np.float64)
        opens, highs, lows, closes = rows[:, 0], rows[:, 1], rows[:, 2], rows[:, 3]
        rising = closes >= opens
        for mask, colour in ((rising, self._style.up), (~rising, self._style.down)):
            if not mask.any():
                continue
            pen = QPen(colour)
            pen.setCosmetic(True)
            pen.setWidth(1)
            painter.setPen(pen)
            painter.setBrush(QBrush(colour))
            x, hi, lo = xs[mask], highs[mask], lows[mask]
            painter.drawLines(
                [QLineF(a, b, a, c) for a, b, c in zip(x.tolist(), lo.tolist(), hi.tolist(), strict=True)]
            )
            top = np.minimum(opens[mask], closes[mask])
            height = np.abs(closes[mask] - opens[mask])
            painter.drawRects(
                [
                    QRectF(a - BODY_HALF_WIDTH, b, 2 * BODY_HALF_WIDTH, h)
                    for a, b, h in zip(x.tolist(), top.tolist(), height.tolist(), strict=True)
                ]
            )

    def _paint_columns(self, painter: QPainter, first: int, last: int, bars_per_pixel: float) -> None:
        """Zoomed far out: one high–low line per pixel column, coloured by the column's move."""
        step = max(int(bars_per_pixel), 1)
        _, rows = self._series.ohlc(first, last)
        starts = np.arange(0, len(rows), step)
        ends = np.r_[starts[1:], len(rows)] - 1
        highs = np.maximum.reduceat(rows[:, 1], starts)
        lows = np.minimum.reduceat(rows[:, 2], starts)
        rising = rows[ends, 3] >= rows[starts, 0]
        xs = (first + starts + step / 2.0).astype(np.float64)
        for mask, colour in ((rising, self._style.up), (~rising, self._style.down)):
            if not mask.any():
                continue
            pen = QPen(colour)
            pen.setCosmetic(True)
            painter.setPen(pen)
            painter.drawLines(
                [
                    QLineF(a, b, a, c)
                    for a, b, c in zip(xs[mask].tolist(), lows[mask].tolist(), highs[mask].tolist(), strict=True)
                ]
            )
        self.painted_bars = last - first
