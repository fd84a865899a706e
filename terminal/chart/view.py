"""The chart widget: symbol and timeframe switchers over candles and overlays.

History comes from an awaited ``loader(symbol, timeframe)`` (the engine's
``bars``); live prices are applied with ``apply_quote`` and painted when
``repaint_now`` runs (the bridge calls it about ten times a second). The view
follows the right edge until the user scrolls away; End (or a click on the
"⇥" button) returns to it. Mouse: wheel zooms, drag pans; keys: ← → pan,
+ = − zoom, Home/End jump (also after a click on the plot, whose ViewBox
would otherwise take + − =). y always fits the visible bars; a timeframe with
fewer bars than the view is wide (D1, W1) is fitted to its bars.

Bid and ask are tags on the price axis; trade and signal levels carry labels
laid out so none overlaps another; the legend reads the bar under the cursor.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, QPointF, QRectF, Qt, Signal as QtSignal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QButtonGroup, QComboBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from engine.instruments import SPECS
from engine.values import Bar, Quote, Signal, Timeframe, TradeRecord
from terminal.chart.axis import IndexTimeAxis, PriceAxis, TickGrid
from terminal.chart.candles import CandleItem, CandleStyle
from terminal.chart.cursor import Crosshair, Legend
from terminal.chart.labels import place_labels
from terminal.chart.levels import TradeLevels
from terminal.chart.overlays import Marker, Markers, PatternOverlay, PriceLines
from terminal.chart.series import BarSeries
from terminal.theme import DARK, Palette

log = logging.getLogger(__name__)

BarLoader = Callable[[str, Timeframe], Awaitable[list[Bar]]]
DEFAULT_VISIBLE = 120
RIGHT_MARGIN = 6  # empty bars kept right of the last one
LEFT_PAD = 1.0  # at most this much empty room left of the first bar
LABEL_INSET = 8.0  # pixels between the plot's left edge and the first label column
_NAVIGATION_KEYS = {Qt.Key.Key_Left, Qt.Key.Key_Right, Qt.Key.Key_Plus, Qt.Key.Key_Equal, Qt.Key.Key_Minus,
                    Qt.Key.Key_End, Qt.Key.Key_Home}


class ChartView(QWidget):
    """Candles of one symbol and timeframe with trade levels, markers and patterns."""

    symbol_changed = QtSignal(str)
    timeframe_changed = QtSignal(object)
    level_dragged = QtSignal(int, str, float)  # trade id, "sl" | "tp" | "price", new price

    def __init__(self, symbols: list[str], palette: Palette = DARK, parent: QWidget | None = None,
                 timeframe: Timeframe = Timeframe.M5) -> None:
        super().__init__(parent)
        self.setObjectName("chart")
        self._palette = palette
        self.series = BarSeries(symbols[0] if symbols else "EURUSD", timeframe)
        self.follow = True
        self._dirty = False
        self._adjusting = False
        self._quote: Quote | None = None

        self.symbol_box = QComboBox()
        self.symbol_box.addItems(symbols)
        self.symbol_box.setMinimumWidth(96)
        self.symbol_box.currentTextChanged.connect(self._on_symbol_box)
        self.timeframe_buttons = QButtonGroup(self)
        self.timeframe_buttons.setExclusive(True)
        bar = QHBoxLayout()
        bar.setContentsMargins(6, 4, 6, 4)
        bar.setSpacing(3)
        bar.addWidget(self.symbol_box)
        bar.addSpacing(8)
        for tf in Timeframe:
            button = QPushButton(tf.value)
            button.setCheckable(True)
            button.setMinimumWidth(44)
            button.setStyleSheet("padding: 3px 6px;")
            button.setChecked(tf is timeframe)
            button.clicked.connect(lambda _=False, t=tf: self.set_timeframe(t))
            self.timeframe_buttons.addButton(button)
            bar.addWidget(button)
        bar.addSpacing(12)
        self.quote_label = QLabel("")
        self.quote_label.setProperty("role", "figure")
        bar.addWidget(self.quote_label)
        bar.addStretch(1)
        self.follow_button = QPushButton("⇥")
        self.follow_button.setToolTip("Follow the latest price (End)")
        self.follow_button.setFixedWidth(32)
        self.follow_button.clicked.connect(self.scroll_to_end)
        bar.addWidget(self.follow_button)

        self.axis = IndexTimeAxis(lambda: self.series)
        self.price_axis = PriceAxis(self.digits)
        self.plot_widget = pg.PlotWidget(axisItems={"bottom": self.axis, "right": self.price_axis})
        self.plot_widget.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.plot_widget.installEventFilter(self)  # + − = reach us even when the ViewBox has focus
        self.plot = self.plot_widget.getPlotItem()
        self.plot.showAxis("right")
        self.plot.hideAxis("left")
        self.price_axis.setStyle(showValues=True, tickTextOffset=6)
        self.price_axis.setWidth(72)
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.plot.vb.setMouseEnabled(x=True, y=False)
        self.plot.vb.disableAutoRange()
        self.plot.vb.setLimits(xMin=-LEFT_PAD)
        self.grid = TickGrid(self.plot, palette.grid)
        self.plot.addItem(self.grid, ignoreBounds=True)
        self.candles = CandleItem(self.series)
        self.plot.addItem(self.candles)
        self.prices = PriceLines(self.plot, palette, self.price_axis)
        self.levels = TradeLevels(self.plot, palette, self._on_level_dragged, name="trade")
        self.markers = Markers(self.plot, palette)
        self.pattern = PatternOverlay(self.plot, palette)
        self.signal_levels = TradeLevels(self.plot, palette, lambda *_: None, name="signal")
        for levels in (self.levels, self.signal_levels):
            levels.on_moved = self._layout_labels
        self.legend = Legend(self.plot_widget, palette)
        self.crosshair = Crosshair(self.plot, palette, lambda: self.series, self.digits, self.price_axis,
                                   self._show_legend)
        self.crosshair.watch(self.plot_widget, self.plot_widget.viewport())
        self.plot.vb.sigRangeChangedManually.connect(self._on_user_range)
        self.plot.vb.sigXRangeChanged.connect(self._fit_y)
        self.plot.vb.sigRangeChanged.connect(self._layout_labels)
        self.plot.vb.sigResized.connect(self._layout_labels)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(bar)
        layout.addWidget(self.plot_widget, 1)
        self.apply_palette(palette)

    # --- state ---------------------------------------------------------------
    @property
    def symbol(self) -> str:
        return self.series.symbol

    @property
    def timeframe(self) -> Timeframe:
        return self.series.timeframe

    def digits(self) -> int:
        spec = SPECS.get(self.symbol)
        return spec.digits if spec else 5

    def apply_palette(self, palette: Palette) -> None:
        self._palette = palette
        self.plot_widget.setBackground(QColor(palette.background))
        for name in ("right", "bottom"):
            axis = self.plot.getAxis(name)
            axis.setPen(pg.mkPen(QColor(palette.border)))
            axis.setTextPen(pg.mkPen(QColor(palette.muted)))
        self.grid.set_colour(palette.grid)
        self.candles.set_style(CandleStyle(palette.profit, palette.loss))
        self.prices.set_palette(palette)
        self.levels.set_palette(palette)
        self.signal_levels.set_palette(palette)
        self.markers.set_palette(palette, self.series)
        self.pattern.set_palette(palette, self.series)
        self.crosshair.set_palette(palette)
        self.legend.set_palette(palette)
        self._show_legend(self.crosshair.index)

    # --- switching and loading -----------------------------------------------
    def set_symbol(self, symbol: str) -> None:
        if symbol == self.symbol and len(self.series):
            return
        self.symbol_box.blockSignals(True)
        self.symbol_box.setCurrentText(symbol)
        self.symbol_box.blockSignals(False)
        self._replace_series(BarSeries(symbol, self.timeframe))
        self.symbol_changed.emit(symbol)

    def set_timeframe(self, timeframe: Timeframe) -> None:
        for button in self.timeframe_buttons.buttons():
            button.setChecked(button.text() == timeframe.value)
        if timeframe is self.timeframe and len(self.series):
            return
        self._replace_series(BarSeries(self.symbol, timeframe))
        self.timeframe_changed.emit(timeframe)

    def _on_symbol_box(self, symbol: str) -> None:
        if symbol:
            self.set_symbol(symbol)

    def _replace_series(self, series: BarSeries) -> None:
        self.series = series
        self.candles.set_series(series)
        self.prices.hide()
        self.follow = True
        self._show_legend(None)

    async def load(self, loader: BarLoader) -> None:
        """Load the history of the current symbol and timeframe through ``loader``."""
        symbol, timeframe = self.symbol, self.timeframe
        bars = await loader(symbol, timeframe)
        if (symbol, timeframe) != (self.symbol, self.timeframe):
            return  # the user switched again while we waited
        self.set_bars(bars)

    def set_bars(self, bars: list[Bar]) -> None:
        """Replace the candles with ``bars`` (oldest first) and scroll to the right edge."""
        self.series.load(bars)
        if self._quote is not None and self._quote.symbol == self.symbol and not self._quote.stale:
            self.series.apply_price(self._quote.time, self._quote.bid, volume=0.0)  # counted by the engine
        self.candles.reset()
        self.markers.relayout(self.series)
        self.pattern.relayout(self.series)
        self.scroll_to_end()
        self._show_legend(self.crosshair.index)

    # --- live data -------------------------------------------------------------
    def apply_quote(self, quote: Quote) -> None:
        """Apply a price to the forming candle (painted on the next ``repaint_now``).

        A stale quote moves the bid/ask lines but not the candles: the engine
        builds no bar from it either.
        """
        if quote.symbol != self.symbol:
            return
        self._quote = quote
        if len(self.series) and not quote.stale:
            self.series.apply_price(quote.time, quote.bid)
        self._dirty = True

    def apply_bar(self, bar: Bar) -> None:
        """Merge a closed bar published by the engine into the series (late ones into their place)."""
        if bar.symbol != self.symbol or bar.timeframe.seconds > self.timeframe.seconds:
            return
        self.series.apply_bar(bar)
        self._dirty = True

    def repaint_now(self) -> None:
        """Paint what changed since the last call (coalesced ticks)."""
        if not self._dirty:
            return
        self._dirty = False
        self.candles.refresh()
        if self._quote is not None and self._quote.symbol == self.symbol:
            q = self._quote
            self.prices.set_prices(q.bid, q.ask)
            self.quote_label.setText(f"{self.symbol}  {q.bid:.{self.digits()}f} / {q.ask:.{self.digits()}f}")
        if self.follow:
            self.scroll_to_end(keep_width=True)
        else:
            self._fit_y()
        if self.crosshair.index is None or self.crosshair.index >= len(self.series) - 1:
            self._show_legend(self.crosshair.index)

    def set_trades(self, trades: list[TradeRecord]) -> None:
        """Draw entry/SL/TP of the active trades and pending orders of this symbol."""
        self.levels.set_trades([t for t in trades if t.symbol == self.symbol], self.digits())

    def add_marker(self, marker: Marker) -> None:
        self.markers.add(marker, self.series)

    def show_signal(self, signal: Signal) -> None:
        """Switch to the signal's symbol, draw its levels and pattern, and centre it."""
        self.set_symbol(signal.symbol)
        self.pattern.show(signal, self.series)
        self.signal_levels.set_signal(signal, self.digits())
        self.markers.add(Marker(signal.symbol, signal.created_at, signal.entry, signal.side, "signal"),
                         self.series)
        index = self.series.index_at(signal.created_at)
        if index >= 0 and index < len(self.series) - DEFAULT_VISIBLE // 2:
            self.follow = False
            self.set_x_range(index - DEFAULT_VISIBLE // 2, index + DEFAULT_VISIBLE // 2)

    # --- navigation --------------------------------------------------------------
    def visible_range(self) -> tuple[float, float]:
        (left, right), _ = self.plot.vb.viewRange()
        return left, right

    def set_x_range(self, left: float, right: float) -> None:
        """Show bars ``left..right``, never more empty room left of the first bar than ``LEFT_PAD``.

        A range wider than all the bars (a sparse timeframe, or zoomed far
        out) shows all of them instead.
        """
        n = len(self.series)
        if right - left >= n + LEFT_PAD + RIGHT_MARGIN:
            left, right = -LEFT_PAD, n + RIGHT_MARGIN
        elif left < -LEFT_PAD:
            left, right = -LEFT_PAD, right - left - LEFT_PAD
        self.plot.vb.setLimits(maxXRange=max(n + LEFT_PAD + RIGHT_MARGIN, 2 * RIGHT_MARGIN))
        self.plot.vb.setXRange(left, right, padding=0)
        self._fit_y()

    def scroll_to_end(self, keep_width: bool = False) -> None:
        n = len(self.series)
        width = DEFAULT_VISIBLE
        if keep_width:
            left, right = self.visible_range()
            width = max(right - left - RIGHT_MARGIN, 10)
        self.follow = True
        self.set_x_range(n - width, n + RIGHT_MARGIN)

    def _on_user_range(self, *_: object) -> None:
        _, right = self.visible_range()
        self.follow = right >= len(self.series) - 1

    def _fit_y(self, *_: object) -> None:
        if self._adjusting:
            return
        left, right = self.visible_range()
        span = self.series.price_range(int(left), int(right) + 1)
        if span is None:
            return
        low, high = span
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

    def navigate(self, key: Qt.Key) -> bool:
        """Pan, zoom or jump for a navigation key; False when ``key`` is not one."""
        left, right = self.visible_range()
        step = max((right - left) / 10, 1)
        if key == Qt.Key.Key_Left:
            self.pan(-step)
        elif key == Qt.Key.Key_Right:
            self.pan(step)
        elif key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.zoom(0.8)
        elif key == Qt.Key.Key_Minus:
            self.zoom(1.25)
        elif key == Qt.Key.Key_End:
            self.scroll_to_end(keep_width=True)
        elif key == Qt.Key.Key_Home:
            self.follow = False
            self.set_x_range(-LEFT_PAD, right - left - LEFT_PAD)
        else:
            return False
        return True

    def keyPressEvent(self, event) -> None:  # noqa: ANN001, N802 - Qt name
        if not self.navigate(event.key()):
            super().keyPressEvent(event)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt name
        """Take navigation keys pressed in the plot before its ViewBox swallows + − = (pitfalls.md)."""
        if (watched is self.plot_widget and event.type() == QEvent.Type.KeyPress
                and event.key() in _NAVIGATION_KEYS
                and not event.modifiers() & (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier)):
            return self.navigate(event.key())
        return super().eventFilter(watched, event)

    # --- labels and legend ---------------------------------------------------------
    def _layout_labels(self, *_: object) -> None:
        """Place every level label (trades, then the shown signal) so none overlaps another."""
        box = self.plot.vb
        rect = box.sceneBoundingRect()
        if rect.width() <= 0 or rect.height() <= 0:
            return

        def to_scene_y(value: float) -> float:
            return box.mapViewToScene(QPointF(0.0, value)).y()

        def to_view(x: float, y: float) -> QPointF:
            return box.mapSceneToView(QPointF(x, y))

        boxes = self.levels.label_boxes(to_scene_y) + self.signal_levels.label_boxes(to_scene_y)
        placed = place_labels(boxes, rect.left() + LABEL_INSET, rect.right() - LABEL_INSET)
        self.levels.place(placed, to_view)
        self.signal_levels.place(placed, to_view)

    def level_label_rects(self) -> list[tuple[tuple, QRectF]]:
        """(key, scene rectangle) of every trade and signal level label."""
        return [((levels.name, lv.trade_id, lv.field), lv.label.sceneBoundingRect())
                for levels in (self.levels, self.signal_levels) for lv in levels.levels]

    def _show_legend(self, index: int | None) -> None:
        """Show the OHLC of bar ``index`` (None: the last bar) in the legend."""
        target = len(self.series) - 1 if index is None else index
        self.legend.show_bar(f"{self.symbol} · {self.timeframe.value}", self.series, target, self.digits())

    def legend_text(self) -> str:
        return self.legend.plain

    def _on_level_dragged(self, trade_id: int, field: str, price: float) -> None:
        self.level_dragged.emit(trade_id, field, round(price, self.digits()))

    def time_of(self, index: int) -> datetime | None:
        return self.series.time_at(index)
