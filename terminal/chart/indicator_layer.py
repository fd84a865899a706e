"""Indicators on the chart: overlays on the price pane and sub-panes below it.

``IndicatorLayer`` owns, for every enabled ``IndicatorSpec``, its
``IndicatorValues`` and the items drawing them: SMA, EMA and Bollinger bands
as lines over the candles; RSI (with 30/50/70 guides, y fixed to 0..100),
MACD (line, signal, histogram) and ATR each in a pane of their own under the
chart, sharing its x range. ``sync(series)`` brings the values up to date
(incrementally) and repaints; the chart calls it once per frame.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QColor, QKeyEvent
from PySide6.QtWidgets import QLabel, QSplitter

import numpy as np
import pyqtgraph as pg

from terminal.chart.curves import HistogramItem, LineItem
from terminal.chart.indicators import KINDS, IndicatorSpec, IndicatorValues, default_specs
from terminal.chart.levels import cosmetic_pen
from terminal.chart.series import BarSeries
from terminal.theme import Palette

# Line colours per indicator key (readable on the dark and the light theme).
COLOURS = {
    "sma": "#f57c00",
    "ema_fast": "#00acc1",
    "ema_slow": "#d81b60",
    "bollinger": "#7e57c2",
    "rsi": "#7e57c2",
    "macd": "#2962ff",
    "macd_signal": "#ff6d00",
    "atr": "#00897b",
}
PANE_AXIS_WIDTH = 72  # equal to the price axis, so the panes' x lines up with the candles
RSI_GUIDES = (30.0, 50.0, 70.0)
PANE_SHARE = 0.18  # of the chart's height, per indicator pane
PRICE_STRETCH, PANE_STRETCH = 5, 1  # how a resize shares out between the price pane and each pane


class PaneAxis(pg.AxisItem):
    """A sub-pane's right axis with ``digits`` decimals."""

    def __init__(self, digits: Callable[[], int]) -> None:
        super().__init__(orientation="right")
        self._digits = digits

    def tickStrings(self, values, scale, spacing):  # noqa: N802 - pyqtgraph API
        digits = self._digits()
        return [f"{v * scale:.{digits}f}" for v in values]


class IndicatorPane(pg.PlotWidget):
    """A pane under the chart for one indicator, its x linked to the price plot."""

    def __init__(
        self,
        spec: IndicatorSpec,
        values: IndicatorValues,
        main: pg.PlotItem,
        palette: Palette,
        digits: Callable[[], int],
        navigate: Callable[[int], bool],
    ) -> None:
        axis = PaneAxis(lambda: 0 if spec.kind == "rsi" else digits())
        super().__init__(axisItems={"right": axis})
        self.axis = axis
        self._value_digits = lambda: 1 if spec.kind == "rsi" else digits() + 1
        self.setObjectName(f"pane_{spec.key}")
        self.spec, self.values, self._navigate = spec, values, navigate
        self.setMinimumHeight(70)
        item = self.getPlotItem()
        item.showAxis("right")
        item.hideAxis("left")
        item.hideAxis("bottom")
        self.axis.setWidth(PANE_AXIS_WIDTH)
        item.setMenuEnabled(False)
        item.hideButtons()
        item.vb.setMouseEnabled(x=True, y=False)
        item.vb.disableAutoRange()
        item.setXLink(main)
        self.items: list[pg.GraphicsObject] = []
        self.guides: list[pg.InfiniteLine] = []
        if spec.kind == "rsi":
            self.items.append(LineItem(lambda: values.column("value"), COLOURS["rsi"]))
            self.guides = [pg.InfiniteLine(pos=level, angle=0, movable=False) for level in RSI_GUIDES]
        elif spec.kind == "macd":
            self.items += [
                HistogramItem(lambda: values.column("hist"), palette.profit, palette.loss),
                LineItem(lambda: values.column("macd"), COLOURS["macd"]),
                LineItem(lambda: values.column("signal"), COLOURS["macd_signal"]),
            ]
        else:
            self.items.append(LineItem(lambda: values.column("value"), COLOURS.get(spec.key, COLOURS["atr"])))
        for guide in self.guides:
            item.addItem(guide, ignoreBounds=True)
        for drawn in self.items:
            item.addItem(drawn, ignoreBounds=True)
        self.title = QLabel(self)
        self.title.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
        self.title.move(8, 2)
        self.installEventFilter(self)
        item.vb.sigXRangeChanged.connect(lambda *_: self.fit_y())
        self.apply_palette(palette)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt name
        if (
            watched is self
            and isinstance(event, QKeyEvent)
            and event.type() == QEvent.Type.KeyPress
            and self._navigate(event.key())
        ):
            return True
        return super().eventFilter(watched, event)

    def apply_palette(self, palette: Palette) -> None:
        self._palette = palette
        self.setBackground(QColor(palette.background))
        self.axis.setPen(pg.mkPen(QColor(palette.border)))
        self.axis.setTextPen(pg.mkPen(QColor(palette.muted)))
        for guide in self.guides:
            guide.setPen(cosmetic_pen(palette.muted, style=Qt.PenStyle.DotLine))
        for drawn in self.items:
            if isinstance(drawn, HistogramItem):
                drawn.set_colours(palette.profit, palette.loss)
        self.show_value(None)

    def fit_y(self) -> None:
        """RSI: 0..100; others: the visible values (and zero for MACD's histogram)."""
        box = self.getPlotItem().vb
        if self.spec.kind == "rsi":
            box.setYRange(0.0, 100.0, padding=0.04)
            return
        (left, right), _ = box.viewRange()
        first, last = max(int(left), 0), max(int(right) + 1, 0)
        names = KINDS[self.spec.kind].outputs
        chunks = [self.values.column(name)[first:last] for name in names]
        data = np.concatenate(chunks) if chunks else np.empty(0)
        data = data[np.isfinite(data)]
        if len(data) == 0:
            return
        low, high = float(data.min()), float(data.max())
        if self.spec.kind == "macd":
            low, high = min(low, 0.0), max(high, 0.0)
        pad = (high - low) * 0.08 or abs(high) * 0.01 or 1e-6
        box.setYRange(low - pad, high + pad, padding=0)

    def show_value(self, index: int | None) -> None:
        """Title and values at bar ``index`` (None: the last bar)."""
        names = KINDS[self.spec.kind].outputs
        digits = self._value_digits()
        parts = []
        for name in names:
            column = self.values.column(name)
            if len(column):
                i = len(column) - 1 if index is None else min(max(index, 0), len(column) - 1)
                value = column[i]
                parts.append("–" if not np.isfinite(value) else f"{value:.{digits}f}")
        self.title.setText(
            f'<span style="color:{self._palette.muted}">{self.spec.label}</span>&nbsp;&nbsp;'
            f'<span style="color:{self._palette.text}">{"  ".join(parts)}</span>'
        )
        self.title.adjustSize()


class IndicatorLayer:
    """The enabled indicators of one chart: values, overlay lines and panes (see the module docstring)."""

    def __init__(
        self,
        plot: pg.PlotItem,
        splitter: QSplitter,
        palette: Palette,
        digits: Callable[[], int],
        navigate: Callable[[int], bool],
    ) -> None:
        self._plot = plot
        self._splitter = splitter
        self._palette = palette
        self._digits = digits
        self._navigate = navigate
        self.specs: list[IndicatorSpec] = default_specs()
        self._values: dict[str, IndicatorValues] = {}
        self._overlays: dict[str, list[LineItem]] = {}
        self.panes: dict[str, IndicatorPane] = {}

    def values(self, key: str) -> IndicatorValues | None:
        return self._values.get(key)

    def overlay_items(self, key: str) -> list[LineItem]:
        return list(self._overlays.get(key, ()))

    def set_specs(self, specs: list[IndicatorSpec], series: BarSeries) -> None:
        """Show the enabled ``specs`` (rebuilding those whose parameters changed), hide the others."""
        self.specs = list(specs)
        wanted = {s.key: s for s in specs if s.enabled}
        for key in list(self._values):
            if key not in wanted or self._values[key].spec != wanted[key].validated():
                self._remove(key)
        for key, spec in wanted.items():
            if key not in self._values:
                self._add(spec)
        self.sync(series)

    def _add(self, spec: IndicatorSpec) -> None:
        values = IndicatorValues(spec)
        self._values[spec.key] = values
        if KINDS[spec.kind].overlay:
            colour = COLOURS.get(spec.key, COLOURS["sma"])
            if spec.kind == "bollinger":
                items = [
                    LineItem(lambda: values.column("mid"), colour, 1.0, dashed=True),
                    LineItem(lambda: values.column("upper"), colour),
                    LineItem(lambda: values.column("lower"), colour),
                ]
            else:
                items = [LineItem(lambda: values.column("value"), colour)]
            for item in items:
                item.setZValue(10)
                self._plot.addItem(item, ignoreBounds=True)
            self._overlays[spec.key] = items
            return
        pane = IndicatorPane(spec, values, self._plot, self._palette, self._digits, self._navigate)
        self.panes[spec.key] = pane
        self._splitter.addWidget(pane)
        self._splitter.setStretchFactor(self._splitter.indexOf(pane), PANE_STRETCH)
        self._share_height()

    def _share_height(self) -> None:
        """Give each pane ``PANE_SHARE`` of the height (the price pane keeps the rest, at least half).

        Before the chart is laid out (sizes all zero) the stretch factors do it.
        """
        sizes = self._splitter.sizes()
        total = sum(sizes)
        panes = len(sizes) - 1
        if total <= 0 or panes <= 0:
            return
        share = min(int(total * PANE_SHARE), int(total * 0.5 / panes))
        self._splitter.setSizes([total - share * panes] + [share] * panes)

    def _remove(self, key: str) -> None:
        self._values.pop(key, None)
        for item in self._overlays.pop(key, []):
            self._plot.removeItem(item)
            item.deleteLater()
        pane = self.panes.pop(key, None)
        if pane is not None:
            pane.hide()
            pane.setParent(None)
            pane.deleteLater()
            self._share_height()

    def sync(self, series: BarSeries) -> bool:
        """Update every indicator from ``series`` and repaint what changed; True when any did."""
        changed = False
        for key, values in self._values.items():
            if not values.sync(series):
                continue
            changed = True
            for item in self._overlays.get(key, ()):
                item.update()
            pane = self.panes.get(key)
            if pane is not None:
                for item in pane.items:
                    item.update()
                pane.fit_y()
        return changed

    def price_range(self, start: int, stop: int) -> tuple[float, float] | None:
        """Lowest and highest overlay value over bars ``start..stop-1`` (for fitting the price axis)."""
        low, high = np.inf, -np.inf
        for key, values in self._values.items():
            if key not in self._overlays:
                continue
            for name in KINDS[values.spec.kind].outputs:
                chunk = values.column(name)[max(start, 0) : max(stop, 0)]
                chunk = chunk[np.isfinite(chunk)]
                if len(chunk):
                    low, high = min(low, float(chunk.min())), max(high, float(chunk.max()))
        return (low, high) if low <= high else None

    def show_values(self, index: int | None) -> None:
        for pane in self.panes.values():
            pane.show_value(index)

    def set_palette(self, palette: Palette) -> None:
        self._palette = palette
        for pane in self.panes.values():
            pane.apply_palette(palette)
