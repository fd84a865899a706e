"""The chart's axes: time (x is a bar index) and price (fixed digits, bid/ask tags)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFontMetricsF, QPainter, QRegion

import pyqtgraph as pg

from terminal.chart.series import BarSeries


class IndexTimeAxis(pg.AxisItem):
    """Bottom axis that labels bar indexes with their UTC open time.

    The label format follows the time between two ticks: dates when a tick
    spans a day or more, date and time when it spans hours, time otherwise.
    """

    def __init__(self, series: Callable[[], BarSeries | None], **kwargs) -> None:
        super().__init__(orientation="bottom", **kwargs)
        self._series = series
        self.drawn_labels: list[str] = []  # the labels of the last drawing

    def relabel(self) -> None:
        """Label again (the bars behind the indexes changed: another symbol, timeframe or history)."""
        self.picture = None  # pyqtgraph redraws its cached picture only when the range changes
        self.update()

    def drawPicture(self, painter, axis_spec, tick_specs, text_specs) -> None:  # noqa: N802 - pyqtgraph API
        self.drawn_labels = [text for _, _, text in text_specs]
        super().drawPicture(painter, axis_spec, tick_specs, text_specs)

    def tickStrings(self, values, scale, spacing):  # noqa: N802 - pyqtgraph API
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

    def paint(self, painter, option, widget=None) -> None:
        rect = self.viewRect()
        if rect is None:
            return
        painter.setPen(self._pen)
        lines = []
        bottom = self._plot.getAxis("bottom")
        right = self._plot.getAxis("right")
        for axis, lo, hi, vertical in (
            (bottom, rect.left(), rect.right(), True),
            (right, rect.top(), rect.bottom(), False),
        ):
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


@dataclass(frozen=True, slots=True)
class _Tag:
    value: float
    colour: str
    text: str
    rank: int  # breaks ties between equal prices: lower ranks sit higher


def spread_apart(centres: list[float], height: float, low: float, high: float) -> list[float]:
    """Move boxes of ``height`` centred at ``centres`` (ascending) so no two overlap.

    Each box moves as little as a two-pass sweep allows: down past the one
    above it, then, at the bottom edge ``high``, back up; boxes stay inside
    ``low..high`` when they fit there.
    """
    out: list[float] = []
    for centre in centres:
        centre = min(max(centre, low + height / 2), high - height / 2)
        if out and centre < out[-1] + height:
            centre = out[-1] + height
        out.append(centre)
    for i in range(len(out) - 1, -1, -1):
        limit = high - height / 2 if i == len(out) - 1 else out[i + 1] - height
        out[i] = min(out[i], limit)
    return out


class PriceAxis(pg.AxisItem):
    """Right price axis: labels with the instrument's fixed digits and coloured price tags.

    Tags (bid, ask, the crosshair's price) are drawn on the axis, outside the
    plot, centred on their price and moved apart so they never overlap; a
    tag whose price is off-screen sticks to the nearest edge; tick labels
    under a tag are left out.
    """

    PAD = 3.0

    def __init__(self, digits: Callable[[], int], **kwargs) -> None:
        super().__init__(orientation="right", **kwargs)
        self._digits = digits
        self._tags: dict[str, _Tag] = {}
        self._label_rects: list[tuple[QRectF, str]] = []
        self.drawn_labels: list[str] = []  # the tick labels visible after the last paint

    def tickStrings(self, values, scale, spacing):  # noqa: N802 - pyqtgraph API
        digits = self._digits()
        return [f"{value * scale:.{digits}f}" for value in values]

    # --- tags ---------------------------------------------------------------
    def set_tag(self, name: str, value: float, colour: str, rank: int = 0) -> None:
        """Show (or move) tag ``name`` at ``value`` in ``colour``."""
        tag = _Tag(value, colour, f"{value:.{self._digits()}f}", rank)
        if self._tags.get(name) != tag:
            self._tags[name] = tag
            self._redraw()

    def remove_tag(self, name: str) -> None:
        if self._tags.pop(name, None) is not None:
            self._redraw()

    def _redraw(self) -> None:
        self.update()  # tags are painted over the cached axis picture: no regeneration

    def drawPicture(self, painter, axis_spec, tick_specs, text_specs) -> None:  # noqa: N802 - pyqtgraph API
        """Draw the axis and remember where each tick label went (to hide those under a tag)."""
        self._label_rects = [(QRectF(rect), text) for rect, _, text in text_specs]
        super().drawPicture(painter, axis_spec, tick_specs, text_specs)

    def tag_colour(self, name: str) -> str | None:
        tag = self._tags.get(name)
        return tag.colour if tag else None

    def tag_text(self, name: str) -> str | None:
        tag = self._tags.get(name)
        return tag.text if tag else None

    def tag_rects(self) -> dict[str, QRectF]:
        """Where each tag is drawn, in the axis' own coordinates."""
        box = self.linkedView()
        if box is None or not self._tags:
            return {}
        height = QFontMetricsF(self.style.get("tickFont") or self.font()).height() + 2 * self.PAD
        rect = QRectF(QPointF(0.0, 0.0), self.size())
        order = sorted(self._tags.items(), key=lambda item: (-item[1].value, item[1].rank))
        centres = []
        for _, tag in order:
            scene = box.mapViewToScene(QPointF(0.0, tag.value))
            centres.append(self.mapFromScene(scene).y())
        placed = spread_apart(centres, height, rect.top(), rect.bottom())
        left = rect.left() + 1.0
        return {
            name: QRectF(left, centre - height / 2, rect.width() - 2.0, height)
            for (name, _), centre in zip(order, placed, strict=True)
        }

    def paint(self, painter: QPainter, *args) -> None:
        rects = self.tag_rects()
        hidden = [label for label, _ in self._label_rects if any(label.intersects(r) for r in rects.values())]
        if hidden:  # clip away whole tick labels a tag covers, so none peeks out beside it
            region = QRegion(QRectF(QPointF(0.0, 0.0), self.size()).toAlignedRect().adjusted(-2, -20, 2, 20))
            for label in hidden:
                region -= QRegion(label.toAlignedRect().adjusted(-1, -1, 1, 1))
            painter.save()
            painter.setClipRegion(region, Qt.ClipOperation.IntersectClip)
            super().paint(painter, *args)
            painter.restore()
        else:
            super().paint(painter, *args)
        self.drawn_labels = [text for label, text in self._label_rects if label not in hidden]
        if not rects:
            return
        font = self.style.get("tickFont")
        if font is not None:
            painter.setFont(font)
        for name, rect in rects.items():
            tag = self._tags[name]
            fill = QColor(tag.colour)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(fill)
            painter.drawRect(rect)
            luma = 0.299 * fill.redF() + 0.587 * fill.greenF() + 0.114 * fill.blueF()  # perceived brightness
            painter.setPen(QColor("#000000") if luma > 0.55 else QColor("#ffffff"))
            painter.drawText(
                rect.adjusted(self.PAD + 2, 0, 0, 0),
                int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft),
                tag.text,
            )
