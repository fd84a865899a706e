"""The chart widget: symbol and timeframe switchers over candles, overlays and indicator panes.

History comes from an awaited ``loader(symbol, timeframe)`` (the engine's
``bars``); live prices are applied with ``apply_quote`` and painted when
``repaint_now`` runs (the bridge calls it about ten times a second), which
also brings the indicators up to date. Mouse: wheel zooms, drag pans; keys
and ranges: see ``navigation``.

Bid and ask are tags on the price axis; trade and signal levels carry labels
laid out so none overlaps another; the legend reads the bar under the cursor.
``attach`` connects what needs the window: the settings store (indicators
and the one-click strip are restored from it), the engine's ``place_order``
for one-click trading, and a ``say`` callback for the status bar. ``menu``
holds the chart's actions for the window's menu bar.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from PySide6.QtCore import QPointF, QRectF, QSettings, Qt
from PySide6.QtCore import Signal as QtSignal
from PySide6.QtGui import QAction, QColor
from PySide6.QtWidgets import QMenu, QSplitter, QVBoxLayout, QWidget

import pyqtgraph as pg

from engine.instruments import SPECS
from engine.values import Bar, Quote, Signal, Timeframe, TradeRecord
from terminal.chart.axis import IndexTimeAxis, PriceAxis, TickGrid
from terminal.chart.candles import CandleItem, CandleStyle
from terminal.chart.cursor import Crosshair, Legend
from terminal.chart.header import ChartHeader
from terminal.chart.indicator_layer import PANE_AXIS_WIDTH, PRICE_STRETCH, IndicatorLayer
from terminal.chart.indicator_menu import IndicatorMenu, load_specs, save_specs
from terminal.chart.indicators import IndicatorSpec
from terminal.chart.labels import place_labels
from terminal.chart.levels import TradeLevels
from terminal.chart.navigation import DEFAULT_VISIBLE, LEFT_PAD, Navigation
from terminal.chart.overlays import Marker, Markers, PatternOverlay, PriceLines
from terminal.chart.series import BarSeries
from terminal.chart.trading import OneClickBar
from terminal.theme import DARK, Palette

log = logging.getLogger(__name__)

BarLoader = Callable[[str, Timeframe], Awaitable[list[Bar]]]
LABEL_INSET = 8.0  # pixels between the plot's left edge and the first label column
ONE_CLICK_KEY = "chart/one_click"


class ChartView(Navigation, QWidget):
    """Candles of one symbol and timeframe with trade levels, markers, patterns and indicators."""

    symbol_changed = QtSignal(str)
    timeframe_changed = QtSignal(object)
    level_dragged = QtSignal(int, str, float)  # trade id, "sl" | "tp" | "price", new price

    def __init__(
        self,
        symbols: list[str],
        palette: Palette = DARK,
        parent: QWidget | None = None,
        timeframe: Timeframe = Timeframe.M5,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("chart")
        self._palette = palette
        self._store: QSettings | None = None
        self.series = BarSeries(symbols[0] if symbols else "EURUSD", timeframe)
        self.follow = True
        self._dirty = False
        self._adjusting = False
        self._quote: Quote | None = None

        self.header = ChartHeader(symbols, timeframe)
        self.symbol_box, self.timeframe_buttons = self.header.symbol_box, self.header.timeframe_buttons
        self.quote_label, self.follow_button = self.header.quote_label, self.header.follow_button
        self.symbol_box.currentTextChanged.connect(self._on_symbol_box)
        for button in self.timeframe_buttons.buttons():
            button.clicked.connect(lambda _=False, t=Timeframe(button.text()): self.set_timeframe(t))  # noqa: B008
        self.follow_button.clicked.connect(self.scroll_to_end)
        self.one_click = OneClickBar()
        self.one_click.set_symbol(self.symbol)
        self.one_click.hide()

        self.axis = IndexTimeAxis(lambda: self.series)
        self.price_axis = PriceAxis(self.digits)
        self.plot_widget = pg.PlotWidget(axisItems={"bottom": self.axis, "right": self.price_axis})
        self.plot_widget.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.plot_widget.installEventFilter(self)  # + − = reach us even when the ViewBox has focus
        self.plot = self.plot_widget.getPlotItem()
        self.plot.showAxis("right")
        self.plot.hideAxis("left")
        self.price_axis.setStyle(showValues=True, tickTextOffset=6)
        self.price_axis.setWidth(PANE_AXIS_WIDTH)
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
        self.crosshair = Crosshair(
            self.plot, palette, lambda: self.series, self.digits, self.price_axis, self._show_legend
        )
        self.crosshair.watch(self.plot_widget, self.plot_widget.viewport())
        self.plot.vb.sigRangeChangedManually.connect(self._on_user_range)
        self.plot.vb.sigXRangeChanged.connect(self._fit_y)
        self.plot.vb.sigRangeChanged.connect(self._layout_labels)
        self.plot.vb.sigResized.connect(self._layout_labels)

        self.panes = QSplitter(Qt.Orientation.Vertical)
        self.panes.setChildrenCollapsible(False)
        self.panes.addWidget(self.plot_widget)
        self.panes.setStretchFactor(0, PRICE_STRETCH)
        self.indicators = IndicatorLayer(self.plot, self.panes, palette, self.digits, self.navigate)
        self.indicator_menu = IndicatorMenu(self)
        self.indicator_menu.specs_changed.connect(self.set_indicators)
        self.header.indicators_button.setMenu(self.indicator_menu)
        self.one_click_action = QAction("&One-click trading", self)
        self.one_click_action.setCheckable(True)
        self.one_click_action.setToolTip("SELL and BUY buttons on the chart (market orders, no confirmation)")
        self.one_click_action.toggled.connect(self.show_one_click)
        self.one_click_action.setIconText("One-click")  # the header button's text
        self.header.one_click_button.setDefaultAction(self.one_click_action)
        self.menu = QMenu("&Chart", self)
        self.menu.addMenu(self.indicator_menu)
        self.menu.addAction(self.one_click_action)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.header)
        layout.addWidget(self.one_click)
        layout.addWidget(self.panes, 1)
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

    def attach(
        self,
        *,
        store: QSettings | None = None,
        place_order: Any = None,
        tasks: Any = None,
        say: Callable[[str], None] | None = None,
    ) -> None:
        """Connect the window: restore indicators and one-click from ``store``; trade through ``place_order``."""
        if say is not None:
            self.one_click.message.connect(say)
        if place_order is not None and tasks is not None:
            self.one_click.attach(place_order, tasks)
        if store is not None:
            self._store = store
            specs = load_specs(store)
            self.indicator_menu.set_specs(specs)
            self.indicators.set_specs(specs, self.series)
            shown = str(store.value(ONE_CLICK_KEY, "false")).lower() in ("1", "true")
            self.one_click_action.setChecked(shown)

    def set_indicators(self, specs: list[IndicatorSpec]) -> None:
        """Show the enabled ``specs`` and keep the choice in the settings."""
        self.indicators.set_specs(specs, self.series)
        if self.indicator_menu.specs != specs:
            self.indicator_menu.set_specs(specs)
        save_specs(self._store, specs)
        self._fit_y()

    def show_one_click(self, on: bool) -> None:
        """Show or hide the one-click trading strip (remembered in the settings)."""
        self.one_click.setVisible(on)
        if self.one_click_action.isChecked() != on:
            self.one_click_action.setChecked(on)
        if self._store is not None:
            self._store.setValue(ONE_CLICK_KEY, on)
            self._store.sync()

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
        self.indicators.set_palette(palette)
        self._show_legend(self.crosshair.index)

    # --- switching and loading -----------------------------------------------
    def set_symbol(self, symbol: str) -> None:
        if symbol == self.symbol and len(self.series):
            return
        self.symbol_box.blockSignals(True)
        self.symbol_box.setCurrentText(symbol)
        self.symbol_box.blockSignals(False)
        self.one_click.set_symbol(symbol)
        self._replace_series(BarSeries(symbol, self.timeframe))
        self.symbol_changed.emit(symbol)

    def set_timeframe(self, timeframe: Timeframe) -> None:
        self.header.check_timeframe(timeframe)
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
        self.axis.relabel()
        self.prices.hide()
        self.follow = True
        self.indicators.sync(series)
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
        self.axis.relabel()
        self.indicators.sync(self.series)
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
        self.indicators.sync(self.series)
        if self._quote is not None and self._quote.symbol == self.symbol:
            q = self._quote
            self.prices.set_prices(q.bid, q.ask)
            self.quote_label.setText(f"{self.symbol}  {q.bid:.{self.digits()}f} / {q.ask:.{self.digits()}f}")
            self.one_click.set_quote(q)
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
        self.markers.add(Marker(signal.symbol, signal.created_at, signal.entry, signal.side, "signal"), self.series)
        index = self.series.index_at(signal.created_at)
        if index >= 0 and index < len(self.series) - DEFAULT_VISIBLE // 2:
            self.follow = False
            self.set_x_range(index - DEFAULT_VISIBLE // 2, index + DEFAULT_VISIBLE // 2)

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

        boxes = [
            box
            for levels in (self.levels, self.signal_levels)
            for box in levels.label_boxes(to_scene_y, rect.top(), rect.bottom())
        ]
        legend = self.plot_widget.mapToScene(self.legend.geometry()).boundingRect()
        placed = place_labels(
            boxes,
            rect.left() + LABEL_INSET,
            rect.right() - LABEL_INSET,
            blocked=[(legend.left(), legend.top(), legend.right(), legend.bottom())],
            top=rect.top(),
        )
        self.levels.place(placed, to_view)
        self.signal_levels.place(placed, to_view)

    def level_label_rects(self) -> list[tuple[tuple, QRectF]]:
        """(key, scene rectangle) of every shown trade and signal level label."""
        return [
            ((levels.name, lv.trade_id, lv.field), lv.label.sceneBoundingRect())
            for levels in (self.levels, self.signal_levels)
            for lv in levels.levels
            if lv.label.isVisible()
        ]

    def _show_legend(self, index: int | None) -> None:
        """Show the OHLC (and the indicator panes' values) of bar ``index`` (None: the last bar)."""
        target = len(self.series) - 1 if index is None else index
        self.legend.show_bar(f"{self.symbol} · {self.timeframe.value}", self.series, target, self.digits())
        self.indicators.show_values(index)

    def legend_text(self) -> str:
        return self.legend.plain

    def _on_level_dragged(self, trade_id: int, field: str, price: float) -> None:
        self.level_dragged.emit(trade_id, field, round(price, self.digits()))

    def time_of(self, index: int) -> datetime | None:
        return self.series.time_at(index)
