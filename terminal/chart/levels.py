"""Entry, SL and TP lines of trades (draggable) and of a shown signal, with their labels.

Each line has a label (a ``TextItem``) that the chart places with
``terminal.chart.labels.place_labels`` so no two labels overlap, whatever the
number of trades; ``label_boxes()`` says what to place and ``place()`` puts
the labels where the layout says. While a line is dragged its label shows the
new price and its distance from the entry in pips.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QPen

import pyqtgraph as pg

from engine.instruments import SPECS
from engine.values import Signal, TradeRecord, TradeStatus
from terminal.chart.labels import LabelBox, Placed
from terminal.theme import Palette

# (trade id, field: "sl" | "tp" | "price", new price)
LevelDragged = Callable[[int, str, float], None]


def cosmetic_pen(colour: str, width: float = 1.0, style: Qt.PenStyle = Qt.PenStyle.SolidLine) -> QPen:
    """A pen of constant pixel width at any zoom."""
    pen = pg.mkPen(QColor(colour), width=width, style=style)
    pen.setCosmetic(True)
    return pen


def discard(plot: pg.PlotItem, item: pg.GraphicsObject) -> None:
    """Remove ``item`` from ``plot`` and delete it on the GUI thread now.

    A removed item is owned by Python alone; left to the cyclic garbage
    collector it may be destroyed on another thread (the journal's), which Qt
    does not allow for QObjects.
    """
    plot.removeItem(item)
    item.deleteLater()


@dataclass
class _Level:
    trade_id: int
    field: str
    line: pg.InfiniteLine
    label: pg.TextItem
    text: Callable[[float], str]  # the label for a price


class TradeLevels:
    """Lines of the open trades and pending orders of the chart's symbol (or of one signal).

    SL and TP lines (and a pending order's price) can be dragged; when the
    drag ends ``on_drag(trade_id, field, price)`` is called. The line stays
    where it was dropped until ``set_trades`` redraws the engine's state, so
    a refused change snaps back. ``on_moved`` is called whenever a line moves
    or the set of lines changes (the chart then lays the labels out again).
    """

    def __init__(self, plot: pg.PlotItem, palette: Palette, on_drag: LevelDragged, name: str = "trade") -> None:
        self._plot = plot
        self._palette = palette
        self._on_drag = on_drag
        self.name = name
        self.on_moved: Callable[[], None] = lambda: None
        self._levels: list[_Level] = []
        self._redraw: Callable[[], None] = lambda: None  # repeats the last set_trades/set_signal

    def set_palette(self, palette: Palette) -> None:
        """Redraw the current lines in ``palette``'s colours."""
        self._palette = palette
        self._redraw()

    @property
    def levels(self) -> list[_Level]:
        return list(self._levels)

    def _find(self, trade_id: int, field: str) -> _Level | None:
        return next((lv for lv in self._levels if lv.trade_id == trade_id and lv.field == field), None)

    def line(self, trade_id: int, field: str) -> pg.InfiniteLine | None:
        level = self._find(trade_id, field)
        return level.line if level else None

    def label(self, trade_id: int, field: str) -> pg.TextItem | None:
        level = self._find(trade_id, field)
        return level.label if level else None

    def set_trades(self, trades: list[TradeRecord], digits: int) -> None:
        self._clear()
        self._redraw = lambda: self.set_trades(trades, digits)
        for trade in sorted(trades, key=lambda t: t.id):
            pending = trade.status is TradeStatus.PENDING
            entry = trade.requested_price if pending else trade.entry_price
            side = trade.side.value.upper()
            kind = f"{trade.order_type.value.upper()} " if pending else ""
            pip = SPECS[trade.symbol].pip_size if trade.symbol in SPECS else 10.0 ** -(digits - 1)
            if entry is not None:
                self._add(
                    trade.id,
                    "price",
                    entry,
                    self._palette.entry,
                    movable=pending,
                    text=functools.partial(_price_text, f"#{trade.id} {kind}{side} {trade.lots} ", digits),
                    style=Qt.PenStyle.DashLine if pending else Qt.PenStyle.SolidLine,
                )
            for field, value, colour in (("sl", trade.sl, self._palette.loss), ("tp", trade.tp, self._palette.profit)):
                if value is None:
                    continue
                self._add(
                    trade.id,
                    field,
                    value,
                    colour,
                    movable=True,
                    text=_level_text(
                        f"#{trade.id} {field.upper()}", entry, pip, digits, functools.partial(self._entry_of, trade.id)
                    ),
                    style=Qt.PenStyle.DashLine,
                )
        self.on_moved()

    def _entry_of(self, trade_id: int) -> float | None:
        level = self._find(trade_id, "price")
        return float(level.line.value()) if level else None

    def set_signal(self, signal: Signal | None, digits: int) -> None:
        """Show a signal's entry, SL and TP as dotted, fixed lines (or clear them)."""
        self._clear()
        self._redraw = lambda: self.set_signal(signal, digits)
        if signal is not None:
            for field, value, colour in (
                ("price", signal.entry, self._palette.entry),
                ("sl", signal.sl, self._palette.loss),
                ("tp", signal.tp, self._palette.profit),
            ):
                name = "entry" if field == "price" else field.upper()
                prefix = f"signal #{signal.id} {signal.side.value.upper()} {name}"
                self._add(
                    signal.id or 0,
                    field,
                    value,
                    colour,
                    movable=False,
                    text=functools.partial(_price_text, prefix, digits),
                    style=Qt.PenStyle.DotLine,
                )
        self.on_moved()

    def _clear(self) -> None:
        for level in self._levels:
            discard(self._plot, level.line)
            discard(self._plot, level.label)
        self._levels.clear()

    def _add(
        self,
        trade_id: int,
        field: str,
        value: float,
        colour: str,
        *,
        movable: bool,
        text: Callable[[float], str],
        style: Qt.PenStyle,
    ) -> None:
        line = pg.InfiniteLine(
            pos=value,
            angle=0,
            movable=movable,
            pen=cosmetic_pen(colour, 1.2, style),
            hoverPen=cosmetic_pen(colour, 2.5, style),
        )
        line.setZValue(30)
        fill = QColor(self._palette.background)
        fill.setAlpha(200)
        label = pg.TextItem(text(value), color=QColor(colour), anchor=(0, 0), fill=fill)
        label.setZValue(31)
        level = _Level(trade_id, field, line, label, text)
        if movable:
            line.setCursor(Qt.CursorShape.SizeVerCursor)
            line.sigPositionChanged.connect(lambda ln, lv=level: self._moving(lv))
            line.sigPositionChangeFinished.connect(
                lambda ln, tid=trade_id, fld=field: self._on_drag(tid, fld, float(ln.value()))
            )
        self._plot.addItem(line, ignoreBounds=True)
        self._plot.addItem(label, ignoreBounds=True)
        self._levels.append(level)

    def _moving(self, level: _Level) -> None:
        """A line moves (dragged): its label, and its SL/TP's pips when it is the entry, follow."""
        for other in self._levels:
            if other is level or (level.field == "price" and other.trade_id == level.trade_id):
                other.label.setText(other.text(float(other.line.value())))
        self.on_moved()

    # --- label layout ---------------------------------------------------------------
    def label_boxes(self, to_scene_y: Callable[[float], float], top: float, bottom: float) -> list[LabelBox]:
        """The labels to lay out, each at its line's y in scene pixels; a label whose line is
        outside ``top..bottom`` (off the plot) is hidden instead."""
        boxes = []
        for level in self._levels:
            y = to_scene_y(float(level.line.value()))
            level.label.setVisible(top <= y <= bottom)
            if not level.label.isVisible():
                continue
            rect = level.label.boundingRect()
            boxes.append(
                LabelBox(
                    (self.name, level.trade_id, level.field),
                    (self.name, level.trade_id),
                    y,
                    rect.width(),
                    rect.height(),
                )
            )
        return boxes

    def place(self, placed: dict, to_view: Callable[[float, float], QPointF]) -> None:
        """Move each label to its top-left corner from ``placed`` (scene pixels)."""
        for level in self._levels:
            spot: Placed | None = placed.get((self.name, level.trade_id, level.field))
            if spot is not None:
                level.label.setPos(to_view(spot.x, spot.y))


def _price_text(prefix: str, digits: int, value: float) -> str:
    """Label text of a line at a price: ``prefix`` and the price at the symbol's digits."""
    return f"{prefix} {value:.{digits}f}"


def _level_text(
    prefix: str, entry: float | None, pip: float, digits: int, live_entry: Callable[[], float | None]
) -> Callable[[float], str]:
    """Label text of an SL/TP at a price: the price and its signed distance from the entry in pips."""

    def text(value: float) -> str:
        base = live_entry()
        base = entry if base is None else base
        if base is None:
            return f"{prefix} {value:.{digits}f}"
        return f"{prefix} {value:.{digits}f}  {(value - base) / pip:+.1f} pips"

    return text
