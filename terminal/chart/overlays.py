"""Things drawn over the candles: bid/ask lines, markers, patterns.

All x coordinates are bar indexes of the chart's ``BarSeries``; every overlay
keeps the *times* it was given and re-maps them on ``relayout(series)``, so a
timeframe switch keeps arrows and patterns where they belong. Trade levels
live in ``levels``, the crosshair and legend in ``cursor``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QFont

import pyqtgraph as pg

from engine.values import Side, Signal
from terminal.chart.axis import PriceAxis
from terminal.chart.levels import cosmetic_pen, discard
from terminal.chart.series import BarSeries
from terminal.theme import Palette


class PriceLines:
    """Horizontal bid and ask lines; their prices are tags on the price axis, not in the plot."""

    def __init__(self, plot: pg.PlotItem, palette: Palette, axis: PriceAxis) -> None:
        self._axis = axis
        self._palette = palette
        self.bid = pg.InfiniteLine(angle=0, movable=False)
        self.ask = pg.InfiniteLine(angle=0, movable=False)
        for line in (self.bid, self.ask):
            line.setZValue(20)
            line.setVisible(False)
            plot.addItem(line, ignoreBounds=True)
        self.set_palette(palette)

    def set_palette(self, palette: Palette) -> None:
        """Colour the bid line (solid), the ask line (dotted) and their tags."""
        self._palette = palette
        self.bid.setPen(cosmetic_pen(palette.bid))
        self.ask.setPen(cosmetic_pen(palette.ask, style=Qt.PenStyle.DotLine))
        if self.bid.isVisible():
            self.set_prices(float(self.bid.value()), float(self.ask.value()))

    def set_prices(self, bid: float, ask: float) -> None:
        for line, value, name, colour, rank in (
            (self.bid, bid, "bid", self._palette.bid, 1),
            (self.ask, ask, "ask", self._palette.ask, 0),
        ):
            line.setValue(value)
            line.setVisible(True)
            self._axis.set_tag(name, value, colour, rank=rank)

    def hide(self) -> None:
        self.bid.setVisible(False)
        self.ask.setVisible(False)
        self._axis.remove_tag("bid")
        self._axis.remove_tag("ask")


@dataclass(frozen=True)
class Marker:
    """An arrow at a time and price: buy (up, below) or sell (down, above)."""

    symbol: str
    time: datetime
    price: float
    side: Side
    kind: str  # "signal", "open", "close"


class Markers:
    """Buy/sell arrows at signals and at trade opens and closes."""

    _LIMIT = 2000

    def __init__(self, plot: pg.PlotItem, palette: Palette) -> None:
        self._palette = palette
        self._markers: dict[Marker, None] = {}  # an ordered set: the same arrow is drawn once
        self._scatter = pg.ScatterPlotItem(pxMode=True)
        self._scatter.setZValue(25)
        plot.addItem(self._scatter, ignoreBounds=True)

    @property
    def markers(self) -> list[Marker]:
        return list(self._markers)

    def add(self, marker: Marker, series: BarSeries) -> None:
        self.add_many([marker], series)

    def add_many(self, markers: list[Marker], series: BarSeries) -> None:
        """Add arrows (duplicates ignored; the oldest dropped beyond ``_LIMIT``) and redraw once."""
        for marker in markers:
            self._markers[marker] = None
        while len(self._markers) > self._LIMIT:
            del self._markers[next(iter(self._markers))]
        self.relayout(series)

    def clear(self) -> None:
        self._markers.clear()
        self._scatter.clear()

    def set_palette(self, palette: Palette, series: BarSeries) -> None:
        """Redraw the arrows in ``palette``'s colours."""
        self._palette = palette
        self.relayout(series)

    def relayout(self, series: BarSeries) -> None:
        spots = []
        for marker in self._markers:
            if marker.symbol != series.symbol:
                continue
            index = series.index_at(marker.time)
            if index < 0:
                continue
            buy = marker.side is Side.BUY
            colour = self._palette.profit if buy else self._palette.loss
            if marker.kind == "close":
                symbol, brush = "x", QColor(self._palette.text)
            else:
                symbol, brush = ("t1" if buy else "t"), QColor(colour)
            size = 13 if marker.kind == "signal" else 10
            spots.append(
                {
                    "pos": (index, marker.price),
                    "symbol": symbol,
                    "size": size,
                    "brush": brush,
                    "pen": pg.mkPen(QColor(self._palette.background)),
                }
            )
        self._scatter.setData(spots)


class PatternOverlay:
    """A chart pattern from ``signal.pattern``: its legs as lines and labelled points."""

    def __init__(self, plot: pg.PlotItem, palette: Palette) -> None:
        self._plot = plot
        self._palette = palette
        self._curve = pg.PlotDataItem(symbol="o", symbolSize=6, symbolPen=None)
        self._curve.setZValue(22)
        plot.addItem(self._curve, ignoreBounds=True)
        self._labels: list[pg.TextItem] = []
        self._signal: Signal | None = None
        self._colour_curve()

    def set_palette(self, palette: Palette, series: BarSeries) -> None:
        """Redraw the pattern in ``palette``'s colours."""
        self._palette = palette
        self._colour_curve()
        self.relayout(series)

    def _colour_curve(self) -> None:
        self._curve.setPen(cosmetic_pen(self._palette.pattern, 1.6))
        self._curve.setSymbolBrush(QColor(self._palette.pattern))

    @property
    def labels(self) -> list[str]:
        return [item.toPlainText() for item in self._labels]

    def show(self, signal: Signal | None, series: BarSeries) -> None:
        self._signal = signal
        self.relayout(series)

    def relayout(self, series: BarSeries) -> None:
        for item in self._labels:
            discard(self._plot, item)
        self._labels.clear()
        points = (self._signal.pattern or {}).get("points", []) if self._signal else []
        xs, ys = [], []
        for point in points:
            time = point.time if hasattr(point, "time") else datetime.fromisoformat(str(point["time"]))
            price = float(point.price if hasattr(point, "price") else point["price"])
            label = str(point.label if hasattr(point, "label") else point["label"])
            index = series.index_at(time)
            if index < 0:
                continue
            xs.append(index)
            ys.append(price)
            fill = QColor(self._palette.background)
            fill.setAlpha(190)
            text = pg.TextItem(label, color=QColor(self._palette.pattern), anchor=(0.5, 1.15), fill=fill)
            font = QFont()
            font.setBold(True)
            text.setFont(font)
            text.setPos(QPointF(index, price))
            text.setZValue(23)
            self._plot.addItem(text, ignoreBounds=True)
            self._labels.append(text)
        self._curve.setData(xs, ys)
