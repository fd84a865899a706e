"""The performance dashboard: DESIGN's figures, balance/equity and drawdown curves, per model.

Figures come from ``await engine.performance()`` (computed off the GUI thread
by the engine) and are shown as the engine returns them.

- Balance: a step function of the returned ``equity_curve`` — it changes only
  when a trade closes, and holds its value until the next close (and up to
  now).
- Equity: the account's equity as the engine samples it (the journal's
  performance snapshots, every minute and at shutdown) with the live equity
  as the last point; between two samples it is drawn as a line.
- Drawdown: drawdown(t) = balance(t) − max(balance up to t), in account
  currency (≤ 0), the same balance curve the engine's maximal drawdown is
  measured on (also a step function).
- Best and worst trades: the ``EXTREMES`` closed trades with the highest and
  lowest net result (pnl − commission + swap), with their ids; a click opens
  the trade (``trade_requested``).
"""

from __future__ import annotations

import logging
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtCore import Signal as QtSignal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

import numpy as np
import pyqtgraph as pg

from engine.events import TradeClosed
from engine.figure_text import figure_text, shown_value
from terminal.panels.signal_report import SignalReportPanel
from terminal.tasks import TaskOwner, error_text
from terminal.theme import DARK, Palette

if TYPE_CHECKING:
    from engine.service import TradingEngine
    from terminal.bridge import EngineBridge

log = logging.getLogger(__name__)

# (key, label, kind): kind money | pct01 (0..1 shown as %) | pct | ratio | int | seconds | pips
FIGURES = (
    ("net_profit", "Net profit", "money"),
    ("total_trades", "Trades", "int"),
    ("win_rate", "Win rate", "pct01"),
    ("profit_factor", "Profit factor", "ratio"),
    ("expected_payoff", "Expected payoff", "money"),
    ("total_pips", "Pips", "pips"),
    ("gross_profit", "Gross profit", "money"),
    ("gross_loss", "Gross loss", "money"),
    ("average_win", "Average win", "money"),
    ("average_loss", "Average loss", "money"),
    ("largest_win", "Largest win", "money"),
    ("largest_loss", "Largest loss", "money"),
    ("max_drawdown", "Max drawdown", "money"),
    ("max_drawdown_pct", "Max drawdown %", "pct"),
    ("absolute_drawdown", "Absolute drawdown", "money"),
    ("recovery_factor", "Recovery factor", "ratio"),
    ("sharpe", "Sharpe", "ratio"),
    ("average_holding_seconds", "Avg holding", "seconds"),
    ("max_consecutive_wins", "Max consec. wins", "int"),
    ("max_consecutive_losses", "Max consec. losses", "int"),
    ("wins", "Wins", "int"),
    ("losses", "Losses", "int"),
)
BREAKDOWN_COLUMNS = ("Model", "Trades", "Win rate", "Net profit", "Pips")
EXTREME_COLUMNS = ("", "#", "Symbol", "Side", "Net")
EXTREMES = 5
REFRESH_DELAY_MS = 400


def step_xy(times: np.ndarray, values: np.ndarray, until: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Points of a step function that holds ``values[i]`` from ``times[i]`` to ``times[i+1]`` (and to ``until``).

    x = t0, t1, t1, t2, t2, …; y = v0, v0, v1, v1, v2, … — a vertical jump at each time.
    """
    if len(times) == 0:
        return times, values
    x = np.repeat(times, 2)[1:]
    y = np.repeat(values, 2)[:-1]
    if until is not None and until >= times[-1]:
        x = np.append(x, until)
        y = np.append(y, values[-1])
    return x, y


def extremes(trades: list[Any], count: int = EXTREMES) -> tuple[list[Any], list[Any]]:
    """(best, worst): up to ``count`` closed trades with the highest net > 0 and the lowest net < 0."""
    ranked = sorted(trades, key=lambda t: (t.net, t.id))
    worst = [t for t in ranked[:count] if t.net < 0]
    best = [t for t in reversed(ranked[-count:]) if t.net > 0]
    return best, worst


def _dashboard_data(journal: Any) -> tuple[list[Any], list[Any], list[tuple[datetime, float, float]]]:
    """Best and worst trades and the account samples (runs on the engine's database thread)."""
    best, worst = extremes(journal.closed_trades())
    samples = journal.account_samples() if hasattr(journal, "account_samples") else []
    return best, worst, samples


def curve_arrays(curve: list[dict[str, Any]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(epoch seconds, balance, equity) of an ``equity_curve`` (times ISO strings or datetimes)."""
    times, balance, equity = [], [], []
    for point in curve:
        when = point["time"]
        if isinstance(when, str):
            when = datetime.fromisoformat(when)
        times.append(when.timestamp())
        balance.append(float(point["balance"]))
        equity.append(float(point.get("equity", point["balance"])))
    return np.array(times, dtype=float), np.array(balance, dtype=float), np.array(equity, dtype=float)


def drawdown(balance: np.ndarray) -> np.ndarray:
    """balance − running maximum of balance (≤ 0, account currency)."""
    if len(balance) == 0:
        return balance
    return balance - np.maximum.accumulate(balance)


class DashboardPanel(QWidget):
    """Performance figures and curves of the current account."""

    message = QtSignal(str)
    trade_requested = QtSignal(int)  # a best/worst trade was clicked: open it

    def __init__(self, engine: TradingEngine, palette: Palette = DARK, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.engine = engine
        self.palette_ = palette
        self.figures: dict[str, Any] = {}
        self.samples: list[tuple[datetime, float, float]] = []
        self.tasks = TaskOwner(lambda name, exc: self.message.emit(f"{name}: {error_text(exc)}"))
        self.values: dict[str, QLabel] = {}
        grid = QGridLayout()
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(2)
        per_row = 3
        for i, (key, label, _) in enumerate(FIGURES):
            name = QLabel(label)
            name.setProperty("role", "muted")
            value = QLabel("—")
            value.setProperty("role", "figure")
            value.setStyleSheet("font-size: 13px;")
            value.setObjectName(f"figure_{key}")
            self.values[key] = value
            row, col = divmod(i, per_row)
            grid.addWidget(name, row * 2, col)
            grid.addWidget(value, row * 2 + 1, col)
        self.curves = pg.PlotWidget(axisItems={"bottom": pg.DateAxisItem()})
        self.curves.addLegend(offset=(8, 4))
        self.curves.showGrid(x=False, y=True, alpha=0.15)
        self.balance_line = self.curves.plot(name="balance")
        self.equity_line = self.curves.plot(name="equity")
        self.dd_plot = pg.PlotWidget(axisItems={"bottom": pg.DateAxisItem()})
        self.dd_plot.setXLink(self.curves)
        self.dd_plot.addLegend(offset=(8, 4))
        self.dd_line = self.dd_plot.plot(fillLevel=0, name="drawdown")
        self.breakdown = QTableWidget(0, len(BREAKDOWN_COLUMNS))
        self.breakdown.setHorizontalHeaderLabels(BREAKDOWN_COLUMNS)
        self.breakdown.verticalHeader().setVisible(False)
        self.breakdown.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.breakdown.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.breakdown.horizontalHeader().setStretchLastSection(True)
        self.breakdown.verticalHeader().setDefaultSectionSize(22)
        self.extremes = QTableWidget(0, len(EXTREME_COLUMNS))
        self.extremes.setObjectName("best_worst")
        self.extremes.setHorizontalHeaderLabels(EXTREME_COLUMNS)
        self.extremes.verticalHeader().setVisible(False)
        self.extremes.verticalHeader().setDefaultSectionSize(22)
        self.extremes.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.extremes.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.extremes.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.extremes.horizontalHeader().setStretchLastSection(True)
        self.extremes.setToolTip("Click a trade to open it")
        self.extremes.cellClicked.connect(self._on_extreme_clicked)
        grid.setRowStretch(len(FIGURES), 1)
        charts = QVBoxLayout()
        charts.setSpacing(2)
        charts.addWidget(self.curves, 3)
        charts.addWidget(self.dd_plot, 2)
        self.side = QVBoxLayout()  # the per-source signal report (issue 14) goes here too
        self.side.setSpacing(4)
        self.side.addWidget(self.extremes, 1)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(grid, 0)
        layout.addLayout(charts, 3)
        self.signal_report = SignalReportPanel(engine, palette)  # issue 14: per-source report (own module)
        self.signal_report.message.connect(self.message)
        self.side_tabs = QTabWidget()
        self.side_tabs.addTab(self.signal_report, "Signal report")
        self.side_tabs.addTab(self.breakdown, "By model")
        self.side.insertWidget(0, self.side_tabs, 2)
        self.extremes.setMinimumWidth(240)
        self.curves.setMinimumWidth(280)
        layout.addLayout(self.side, 4)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(REFRESH_DELAY_MS)
        self._debounce.timeout.connect(lambda: self.tasks.spawn(self.reload(), "dashboard-reload"))
        self.apply_palette(palette)

    def apply_palette(self, palette: Palette) -> None:
        """Recolour the figures, curves and the signal report in ``palette`` (the window's theme)."""
        self.palette_ = palette
        if hasattr(self, "signal_report"):
            self.signal_report.apply_palette(palette)
        for plot in (self.curves, self.dd_plot):
            plot.setBackground(QColor(palette.background))
            for name in ("left", "bottom"):
                plot.getAxis(name).setTextPen(pg.mkPen(QColor(palette.muted)))
                plot.getAxis(name).setPen(pg.mkPen(QColor(palette.border)))
        self.balance_line.setPen(pg.mkPen(QColor(palette.entry), width=2))
        self.equity_line.setPen(pg.mkPen(QColor(palette.bid), width=1))
        self.dd_line.setPen(pg.mkPen(QColor(palette.loss)))
        fill = QColor(palette.loss)
        fill.setAlpha(70)
        self.dd_line.setBrush(fill)

    def follow(self, bridge: EngineBridge) -> None:
        """Reload after a trade closes or the account is reset (the window calls it once)."""
        bridge.trade_event.connect(lambda event: self.schedule_reload() if isinstance(event, TradeClosed) else None)
        bridge.account_reset.connect(lambda _account: self.schedule_reload())

    def schedule_reload(self) -> None:
        """Reload soon (several trade events in a burst cause one query)."""
        self._debounce.start()

    async def reload(self) -> None:
        """Fetch the figures, the best and worst trades and the equity samples from the engine; show them."""
        try:
            figures = await self.engine.performance()
            best, worst, samples = await self.engine.run_db(_dashboard_data, self.engine.journal)
        except RuntimeError as exc:
            self.message.emit(f"performance: {exc}")
            return
        self.samples = samples
        self.show_figures(figures)
        self.show_extremes(best, worst)
        await self.signal_report.reload()

    def show_extremes(self, best: list[Any], worst: list[Any]) -> None:
        rows = [("best", t) for t in best] + [("worst", t) for t in worst]
        self.extremes.setRowCount(len(rows))
        for row, (kind, t) in enumerate(rows):
            colour = self.palette_.profit if kind == "best" else self.palette_.loss
            for col, text in enumerate(
                (
                    "▲ best" if kind == "best" else "▼ worst",
                    f"#{t.id}",
                    t.symbol,
                    t.side.value,
                    f"{Decimal(t.net):,.2f}",
                )
            ):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, t.id)
                if col in (0, 4):
                    item.setForeground(QBrush(QColor(colour)))
                self.extremes.setItem(row, col, item)

    def _on_extreme_clicked(self, row: int, _col: int) -> None:
        item = self.extremes.item(row, 1)
        if item is not None:
            self.trade_requested.emit(int(item.data(Qt.ItemDataRole.UserRole)))

    def equity_xy(self) -> tuple[np.ndarray, np.ndarray]:
        """The equity samples plus the live equity now (epoch seconds, account currency)."""
        times = [when.timestamp() for when, _, _ in self.samples]
        values = [equity for _, _, equity in self.samples]
        account = self.engine.account()
        times.append(self.engine.clock.now().timestamp())
        values.append(float(account.equity))
        return np.array(times, dtype=float), np.array(values, dtype=float)

    def show_figures(self, figures: dict[str, Any]) -> None:
        self.figures = figures
        currency = self.engine.account().currency
        for key, _, kind in FIGURES:
            value = shown_value(figures, key)
            label = self.values[key]
            label.setText(figure_text(value, kind) + (f" {currency}" if kind == "money" and value is not None else ""))
            colour = None
            if key in ("net_profit", "expected_payoff", "total_pips") and value is not None:
                colour = self.palette_.profit if float(value) > 0 else self.palette_.loss if float(value) < 0 else None
            label.setStyleSheet("font-size: 13px;" + (f" color: {colour};" if colour else ""))
        times, balance, _ = curve_arrays(list(figures.get("equity_curve") or []))
        now = self.engine.clock.now().timestamp()  # the market clock: at --speed 60 the curves end at market time
        self.balance_line.setData(*step_xy(times, balance, now))
        self.equity_line.setData(*self.equity_xy())
        self.dd_line.setData(*step_xy(times, drawdown(balance), now))
        by_source = figures.get("by_source") or {}
        self.breakdown.setRowCount(len(by_source))
        for row, (source, stats) in enumerate(sorted(by_source.items())):
            cells = (
                source,
                figure_text(stats.get("trades"), "int"),
                figure_text(stats.get("win_rate"), "pct01"),
                figure_text(stats.get("net_profit"), "money"),
                figure_text(stats.get("total_pips"), "pips"),
            )
            for col, text in enumerate(cells):
                self.breakdown.setItem(row, col, QTableWidgetItem(text))
