"""Things drawn over the candles: prices, trade levels, markers, patterns, crosshair.

All x coordinates are bar indexes of the chart's ``BarSeries``; every overlay
keeps the *times* it was given and re-maps them on ``relayout(series)``, so a
timeframe switch keeps arrows and patterns where they belong.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QFont

from engine.values import Side, Signal, TradeRecord, TradeStatus
from terminal.chart.series import BarSeries
from terminal.theme import Palette

# Trade-level labels: at LABEL_FIRST of the visible width, the next trade's LABEL_STEP further
# right, over LABEL_SLOTS slots (then round again); a shown signal's at SIGNAL_LABEL_AT, past them.
LABEL_FIRST = 0.02
LABEL_STEP = 0.18
LABEL_SLOTS = 3
SIGNAL_LABEL_AT = 0.6

# (trade id, field: "sl" | "tp" | "price", new price)
LevelDragged = Callable[[int, str, float], None]


def _pen(colour: str, width: float = 1.0, style: Qt.PenStyle = Qt.PenStyle.SolidLine):
    pen = pg.mkPen(QColor(colour), width=width, style=style)
    pen.setCosmetic(True)
    return pen


def _discard(plot: pg.PlotItem, item: pg.GraphicsObject) -> None:
    """Remove ``item`` from ``plot`` and delete it on the GUI thread now.

    A removed item is owned by Python alone; left to the cyclic garbage
    collector it may be destroyed on another thread (the journal's), which Qt
    does not allow for QObjects.
    """
    plot.removeItem(item)
    item.deleteLater()


class PriceLines:
    """Horizontal bid and ask lines with their price on the right."""

    def __init__(self, plot: pg.PlotItem, palette: Palette) -> None:
        opts = {"position": 0.985, "anchors": [(1, 1), (1, 1)], "fill": None}
        self.bid = pg.InfiniteLine(angle=0, movable=False, label="{value}", labelOpts=opts)
        self.ask = pg.InfiniteLine(angle=0, movable=False, label="{value}",
                                   labelOpts={**opts, "anchors": [(1, 0), (1, 0)]})
        for line in (self.bid, self.ask):
            line.setZValue(20)
            line.setVisible(False)
            plot.addItem(line, ignoreBounds=True)
        self.set_palette(palette)

    def set_palette(self, palette: Palette) -> None:
        """Colour the bid line (solid) and the ask line (dotted) and their labels."""
        self.bid.setPen(_pen(palette.bid))
        self.ask.setPen(_pen(palette.ask, style=Qt.PenStyle.DotLine))
        self.bid.label.setColor(QColor(palette.bid))
        self.ask.label.setColor(QColor(palette.ask))

    def set_prices(self, bid: float, ask: float, digits: int) -> None:
        for line, value in ((self.bid, bid), (self.ask, ask)):
            line.label.setFormat(f"{{value:.{digits}f}}")
            line.setValue(value)
            line.setVisible(True)

    def hide(self) -> None:
        self.bid.setVisible(False)
        self.ask.setVisible(False)


@dataclass
class _Level:
    trade_id: int
    field: str
    line: pg.InfiniteLine


class TradeLevels:
    """Entry, SL and TP lines of every open trade and pending order of the chart's symbol.

    Labels sit at the left; each trade's at its own horizontal slot (``LABEL_SLOTS``
    of them, in trade order), so trades with nearby levels do not print over each other.

    SL and TP lines (and a pending order's price) can be dragged; when the
    drag ends ``on_drag(trade_id, field, price)`` is called. The line stays
    where it was dropped until ``set_trades`` redraws the engine's state, so
    a refused change snaps back.
    """

    def __init__(self, plot: pg.PlotItem, palette: Palette, on_drag: LevelDragged) -> None:
        self._plot = plot
        self._palette = palette
        self._on_drag = on_drag
        self._levels: list[_Level] = []
        self._redraw: Callable[[], None] = lambda: None  # repeats the last set_trades/set_signal

    def set_palette(self, palette: Palette) -> None:
        """Redraw the current lines in ``palette``'s colours."""
        self._palette = palette
        self._redraw()

    @property
    def levels(self) -> list[_Level]:
        return list(self._levels)

    def line(self, trade_id: int, field: str) -> pg.InfiniteLine | None:
        for level in self._levels:
            if level.trade_id == trade_id and level.field == field:
                return level.line
        return None

    def set_trades(self, trades: list[TradeRecord], digits: int) -> None:
        self._clear()
        self._redraw = lambda: self.set_trades(trades, digits)
        for slot, trade in enumerate(sorted(trades, key=lambda t: t.id)):
            label_at = LABEL_FIRST + LABEL_STEP * (slot % LABEL_SLOTS)
            pending = trade.status is TradeStatus.PENDING
            entry = trade.requested_price if pending else trade.entry_price
            side = trade.side.value.upper()
            kind = f"{trade.order_type.value} " if pending else ""
            if entry is not None:
                self._add(trade.id, "price", entry, self._palette.entry, movable=pending,
                          text=f"#{trade.id} {kind}{side} {trade.lots}  {entry:.{digits}f}",
                          style=Qt.PenStyle.DashLine if pending else Qt.PenStyle.SolidLine, label_at=label_at)
            if trade.sl is not None:
                self._add(trade.id, "sl", trade.sl, self._palette.loss, movable=True,
                          text=f"#{trade.id} SL {trade.sl:.{digits}f}", style=Qt.PenStyle.DashLine,
                          label_at=label_at)
            if trade.tp is not None:
                self._add(trade.id, "tp", trade.tp, self._palette.profit, movable=True,
                          text=f"#{trade.id} TP {trade.tp:.{digits}f}", style=Qt.PenStyle.DashLine,
                          label_at=label_at)

    def set_signal(self, signal: Signal | None, digits: int) -> None:
        """Show a signal's entry, SL and TP as dotted, fixed lines (or clear them)."""
        self._clear()
        self._redraw = lambda: self.set_signal(signal, digits)
        if signal is None:
            return
        for field, value, colour in (("price", signal.entry, self._palette.entry),
                                     ("sl", signal.sl, self._palette.loss),
                                     ("tp", signal.tp, self._palette.profit)):
            name = "entry" if field == "price" else field.upper()
            self._add(signal.id or 0, field, value, colour, movable=False,
                      text=f"signal #{signal.id} {signal.side.value.upper()} {name} {value:.{digits}f}",
                      style=Qt.PenStyle.DotLine, label_at=SIGNAL_LABEL_AT)

    def _clear(self) -> None:
        for level in self._levels:
            _discard(self._plot, level.line)
        self._levels.clear()

    def _add(self, trade_id: int, field: str, value: float, colour: str, *, movable: bool,
             text: str, style: Qt.PenStyle, label_at: float = LABEL_FIRST) -> None:
        line = pg.InfiniteLine(
            pos=value, angle=0, movable=movable, pen=_pen(colour, 1.2, style),
            hoverPen=_pen(colour, 2.5, style), label=text,
            labelOpts={"position": label_at, "color": colour, "anchors": [(0, 1), (0, 1)],
                       "fill": None, "movable": False})
        line.setZValue(30)
        if movable:
            line.setCursor(Qt.CursorShape.SizeVerCursor)
            line.sigPositionChangeFinished.connect(
                lambda ln, tid=trade_id, fld=field: self._on_drag(tid, fld, float(ln.value())))
        self._plot.addItem(line, ignoreBounds=True)
        self._levels.append(_Level(trade_id, field, line))


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
            spots.append({"pos": (index, marker.price), "symbol": symbol, "size": size,
                          "brush": brush, "pen": pg.mkPen(QColor(self._palette.background))})
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
        self._curve.setPen(_pen(self._palette.pattern, 1.6))
        self._curve.setSymbolBrush(QColor(self._palette.pattern))

    @property
    def labels(self) -> list[str]:
        return [item.toPlainText() for item in self._labels]

    def show(self, signal: Signal | None, series: BarSeries) -> None:
        self._signal = signal
        self.relayout(series)

    def relayout(self, series: BarSeries) -> None:
        for item in self._labels:
            _discard(self._plot, item)
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


class Crosshair:
    """Dotted cross under the mouse with a price and time read-out."""

    def __init__(self, plot: pg.PlotItem, palette: Palette, series: Callable[[], BarSeries],
                 digits: Callable[[], int]) -> None:
        self._plot = plot
        self._series = series
        self._digits = digits
        self.vline = pg.InfiniteLine(angle=90, movable=False)
        self.hline = pg.InfiniteLine(angle=0, movable=False)
        self.label = pg.TextItem("", anchor=(0, 1))
        for item in (self.vline, self.hline, self.label):
            item.setZValue(40)
            item.setVisible(False)
            plot.addItem(item, ignoreBounds=True)
        self.set_palette(palette)
        self.readout = ""
        plot.scene().sigMouseMoved.connect(self.on_mouse_moved)

    def set_palette(self, palette: Palette) -> None:
        """Colour the cross and its read-out."""
        pen = _pen(palette.crosshair, style=Qt.PenStyle.DotLine)
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
        point = box.mapSceneToView(scene_pos)
        self.move_to(point.x(), point.y())

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

    def hide(self) -> None:
        for item in (self.vline, self.hline, self.label):
            item.setVisible(False)
