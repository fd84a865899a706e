"""The dashboard's signal report: is each source worth following?

A table per source of the engine's signal report (``engine.signals.stats``,
computed off the loop by the engine): trades, win rate with its 95 % Wilson
interval, expectancy in money and in pips with their 95 % bootstrap
intervals, profit factor, average R, max drawdown and the verdict, coloured
(edge green, negative edge red, no evidence grey). For the selected source:
its calibration (stated confidence against realised win rate per bucket, the
marker's size the number of trades, with the diagonal of perfect calibration)
and the histogram of its trades' R-multiples. "HTML report…" writes the
self-contained report (``engine.htmlreport``) off the loop.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtCore import Signal as QtSignal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

import numpy as np
import pyqtgraph as pg

from engine.signals.book import signal_stats
from terminal.panels.cells import item_at
from terminal.tasks import TaskOwner, disabled_while, error_text
from terminal.theme import DARK, Palette

if TYPE_CHECKING:
    from engine.service import TradingEngine

log = logging.getLogger(__name__)

COLUMNS = (
    "Source",
    "Trades",
    "Win % (95 % CI)",
    "Expectancy (CI)",
    "Pips/trade (CI)",
    "PF",
    "Avg R",
    "Max DD",
    "Verdict",
)
VERDICT_TEXT = {"edge": "edge", "no_evidence": "no evidence", "negative_edge": "negative edge"}


def with_ci(value: float | None, ci: list[float] | None, fmt: str, scale: float = 1.0) -> str:
    """``value [lo … hi]`` in ``fmt`` (× ``scale``); ``—`` without a value."""
    if value is None:
        return "—"
    text = format(value * scale, fmt)
    return text if not ci else f"{text}  [{format(ci[0] * scale, fmt)} … {format(ci[1] * scale, fmt)}]"


class SignalReportPanel(QWidget):
    """Per-source table, calibration plot and R histogram (module docstring)."""

    message = QtSignal(str)

    def __init__(self, engine: TradingEngine, palette: Palette = DARK, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.engine = engine
        self.palette_ = palette
        self.stats: dict[str, dict[str, Any]] = {}
        self.selected: str | None = None
        self.tasks = TaskOwner(lambda name, exc: self.message.emit(f"{name}: {error_text(exc)}"))
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.itemSelectionChanged.connect(self._on_selection)
        self.html_button = QPushButton("HTML report…")
        self.html_button.setToolTip("Write the self-contained HTML report (opens offline in any browser)")
        self.html_button.clicked.connect(self.ask_html_path)
        self.note = QLabel("Per source, after costs; hover for the verdict rule")
        self.note.setProperty("role", "muted")
        self.note.setToolTip(
            "Verdict: edge when there are at least 10 closed trades and the 95 % bootstrap "
            "interval of the expectancy (after costs) lies above 0; negative edge when it lies "
            "below 0; otherwise no evidence. Win rate: 95 % Wilson interval."
        )
        self.calibration = pg.PlotWidget()
        self.calibration.setTitle("calibration", size="9pt")
        self.calibration.setLabel("bottom", "stated confidence")
        self.calibration.setLabel("left", "realised win rate")
        self.calibration.setXRange(0, 1, padding=0.02)
        self.calibration.setYRange(0, 1, padding=0.02)
        self.calibration.setMouseEnabled(False, False)
        self.diagonal = self.calibration.plot([0, 1], [0, 1])
        self.calibration_points = pg.ScatterPlotItem()
        self.calibration.addItem(self.calibration_points)
        self.histogram = pg.PlotWidget()
        self.histogram.setTitle("R-multiples", size="9pt")
        self.histogram.setLabel("bottom", "R")
        self.histogram.setLabel("left", "trades")
        self.histogram.setMouseEnabled(False, False)
        for plot in (self.calibration, self.histogram):
            for name in ("left", "bottom"):
                plot.getAxis(name).enableAutoSIPrefix(False)  # R of 0.05 reads 0.05, not 50 (x0.001)
        self.wins_bars = pg.PlotDataItem(stepMode="center", fillLevel=0)
        self.losses_bars = pg.PlotDataItem(stepMode="center", fillLevel=0)
        self.histogram.addItem(self.wins_bars)
        self.histogram.addItem(self.losses_bars)
        top = QHBoxLayout()
        top.addWidget(self.note, 1)
        top.addWidget(self.html_button)
        left = QVBoxLayout()
        left.setContentsMargins(0, 0, 0, 0)
        left.addLayout(top)
        left.addWidget(self.table, 1)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(left, 5)
        layout.addWidget(self.calibration, 2)
        layout.addWidget(self.histogram, 2)
        self.apply_palette(palette)

    def apply_palette(self, palette: Palette) -> None:
        self.palette_ = palette
        for plot in (self.calibration, self.histogram):
            plot.setBackground(QColor(palette.background))
            for name in ("left", "bottom"):
                plot.getAxis(name).setTextPen(pg.mkPen(QColor(palette.muted)))
                plot.getAxis(name).setPen(pg.mkPen(QColor(palette.border)))
        self.diagonal.setPen(pg.mkPen(QColor(palette.muted), style=Qt.PenStyle.DashLine))
        self.calibration_points.setBrush(pg.mkBrush(QColor(palette.accent)))
        self.calibration_points.setPen(pg.mkPen(None))
        for item, colour in ((self.wins_bars, palette.profit), (self.losses_bars, palette.loss)):
            fill = QColor(colour)
            fill.setAlpha(160)
            item.setPen(pg.mkPen(QColor(colour)))
            item.setBrush(fill)
        if self.stats:
            self.show_stats(self.stats)

    # --- data ----------------------------------------------------------------------
    async def reload(self) -> None:
        """Fetch the signal report from the engine (computed off the loop) and show it."""
        self.show_stats(await signal_stats(self.engine, samples=True))

    def show_stats(self, stats: dict[str, dict[str, Any]]) -> None:
        """Fill the table; keep the selected source (else select the first)."""
        self.stats = stats
        currency = self.engine.account().currency
        self.table.blockSignals(True)
        self.table.setRowCount(len(stats))
        for row, (source, s) in enumerate(stats.items()):
            cells = (
                source,
                str(s["trades"]),
                with_ci(s["win_rate"], s["win_rate_ci"], ".1f", 100.0),
                with_ci(s["expectancy"], s["expectancy_ci"], ",.2f") + (f" {currency}" if s["trades"] else ""),
                with_ci(s["expectancy_pips"], s["expectancy_pips_ci"], "+.1f"),
                "—" if s["profit_factor"] is None else f"{s['profit_factor']:.2f}",
                "—" if s["average_r"] is None else f"{s['average_r']:+.2f}",
                f"{s['max_drawdown']:,.2f}",
                VERDICT_TEXT[s["verdict"]],
            )
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if col:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(row, col, item)
            verdict = item_at(self.table, row, len(COLUMNS) - 1)
            verdict.setForeground(QBrush(QColor(self.verdict_colour(s["verdict"]))))
            verdict.setToolTip(s["verdict_reason"])
            verdict.setTextAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.table.blockSignals(False)
        keep = self.selected if self.selected in stats else next(iter(stats), None)
        if keep is not None:
            self.table.selectRow(list(stats).index(keep))
        self.select(keep)

    def verdict_colour(self, verdict: str) -> str:
        return {"edge": self.palette_.profit, "negative_edge": self.palette_.loss}.get(verdict, self.palette_.muted)

    def _on_selection(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if rows:
            self.select(item_at(self.table, rows[0].row(), 0).text())

    def select(self, source: str | None) -> None:
        """Show ``source``'s calibration and R histogram (empty plots for None)."""
        self.selected = source
        s = self.stats.get(source or "", {})
        buckets = [b for b in s.get("calibration", []) if b["count"]]
        self.calibration_points.setData(
            [b["mean_stated"] for b in buckets],
            [b["realised_win_rate"] for b in buckets],
            size=[8 + 2 * min(b["count"], 20) for b in buckets],
        )
        self.calibration.setToolTip(
            f"{source}: stated confidence against realised win rate per bucket "
            "(marker size: trades); the dashed diagonal is perfect calibration"
        )
        rs = np.asarray(s.get("r_multiples") or [], dtype=float)
        for item, values in ((self.wins_bars, rs[rs > 0]), (self.losses_bars, rs[rs <= 0])):
            if len(rs):
                span = (rs.min(), rs.max()) if rs.min() < rs.max() else (rs.min() - 0.5, rs.max() + 0.5)
                counts, edges = np.histogram(values, bins=min(30, max(6, len(rs) // 4)), range=span)
                item.setData(edges, counts)
            else:
                item.setData([], [])
        self.histogram.setToolTip(f"{source}: R-multiples of its closed trades (pips won / pips risked)")

    # --- HTML report -----------------------------------------------------------------
    def ask_html_path(self) -> None:
        """Ask where to write the HTML report (non-modal), then write it."""
        dialog = QFileDialog(
            self, "Write the HTML report", str(Path.home() / "paper-terminal-report.html"), "HTML files (*.html)"
        )
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setDefaultSuffix("html")
        dialog.fileSelected.connect(lambda path: self.tasks.spawn(self.write_html(Path(path)), "html-report"))
        dialog.open()

    async def write_html(self, path: Path) -> Path:
        """Read the journal on its thread, build and write the report in an executor; say where it went."""
        from engine.htmlreport import build_report, from_journal, write_report

        with disabled_while(self.html_button):
            self.message.emit("writing the HTML report…")
            data = await self.engine.run_db(from_journal, self.engine.journal)
            if data is None:
                self.message.emit("no account yet: nothing to report")
                return path
            loop = asyncio.get_running_loop()
            written = await loop.run_in_executor(None, lambda: write_report(build_report(data), path))
        self.message.emit(f"HTML report written to {written}")
        return written
