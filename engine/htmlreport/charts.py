"""The report's charts as inline SVG, drawn with matplotlib (no GUI backend, no pyplot state).

Why matplotlib: it writes static SVG that needs no script, no font download
and no network to display, so the report stays one offline file; it is the
field's standard plotting library with stable output. Text stays text
(``svg.fonttype = none``); a scatter of more than ``RASTERIZE_ABOVE`` points
is embedded as a bitmap inside the SVG, so 10,000 trades stay small and fast.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import matplotlib
import numpy as np

matplotlib.rcParams["svg.fonttype"] = "none"
matplotlib.rcParams["svg.hashsalt"] = "paper-terminal"  # stable ids: the same input gives the same file

from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure

PROFIT = "#1a9850"
LOSS = "#d73027"
LINE = "#2c7fb8"
MUTED = "#888888"
RASTERIZE_ABOVE = 1500
_HEADER = re.compile(r"^.*?(?=<svg)", re.DOTALL)


def _figure(width: float, height: float) -> Figure:
    # fixed margins: matplotlib's constrained layout took half of the report's time
    fig = Figure(figsize=(width, height), dpi=96)
    FigureCanvasSVG(fig)
    return fig


def to_svg(fig: Figure) -> str:
    """The figure as an ``<svg>`` element (XML header and DOCTYPE removed, for inlining)."""
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg")
    return _HEADER.sub("", buffer.getvalue(), count=1)


def _style(ax: Any) -> None:
    ax.grid(True, color="#dddddd", linewidth=0.6)
    ax.tick_params(labelsize=8)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def equity_svg(times: Sequence[datetime], balance: Sequence[float], currency: str) -> str:
    """Balance of closed trades (a step at each close) and its drawdown below the running high."""
    fig = _figure(9.0, 4.2)
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=(3, 2))
    if times:
        peak, drawdown = float("-inf"), []
        for value in balance:
            peak = max(peak, value)
            drawdown.append(value - peak)
        top.step(times, balance, where="post", color=LINE, linewidth=1.4, label="balance")
        bottom.fill_between(times, drawdown, 0, step="post", color=LOSS, alpha=0.35, linewidth=0)
        bottom.step(times, drawdown, where="post", color=LOSS, linewidth=0.8)
    else:
        top.text(0.5, 0.5, "no closed trades", ha="center", va="center", transform=top.transAxes, color=MUTED)
    top.set_ylabel(f"balance ({currency})", fontsize=8)
    bottom.set_ylabel(f"drawdown ({currency})", fontsize=8)
    for ax in (top, bottom):
        _style(ax)
    fig.autofmt_xdate()
    fig.subplots_adjust(left=0.09, right=0.98, top=0.97, bottom=0.14, hspace=0.08)
    return to_svg(fig)


def sources_svg(stats: dict[str, dict[str, Any]]) -> str:
    """Per source, one row: calibration (stated vs realised win rate, with the diagonal) and the R histogram.

    One figure for all sources (one SVG to write, which is what costs time).
    """
    rows = max(1, len(stats))
    fig = _figure(8.2, 2.6 * rows)
    axes = fig.subplots(rows, 2, squeeze=False)
    if not stats:
        axes[0][0].text(0.5, 0.5, "no signals", ha="center", va="center", transform=axes[0][0].transAxes)
    for (cal, hist), (source, s) in zip(axes, stats.items(), strict=False):  # one empty row when no stats
        _calibration(cal, s, source)
        _r_histogram(hist, s, source)
        for ax in (cal, hist):
            _style(ax)
    fig.subplots_adjust(
        left=0.08, right=0.98, top=1 - 0.35 / (2.6 * rows), bottom=0.55 / (2.6 * rows), wspace=0.25, hspace=0.65
    )
    return to_svg(fig)


def _calibration(cal: Any, stats: dict[str, Any], source: str) -> None:
    cal.plot([0, 1], [0, 1], color=MUTED, linestyle="--", linewidth=1, label="perfectly calibrated")
    xs, ys, sizes = [], [], []
    for bucket in stats.get("calibration", []):
        if bucket["count"]:
            xs.append(bucket["mean_stated"])
            ys.append(bucket["realised_win_rate"])
            sizes.append(18 + 6 * min(bucket["count"], 40))
    if xs:
        cal.scatter(xs, ys, s=sizes, color=LINE, alpha=0.8, label="realised (size: trades)", zorder=3)
    cal.set_xlim(0, 1)
    cal.set_ylim(0, 1)
    cal.set_xlabel("stated confidence", fontsize=8)
    cal.set_ylabel("realised win rate", fontsize=8)
    cal.set_title(f"{source}: calibration", fontsize=9)
    cal.legend(fontsize=7, loc="upper left")


def _r_histogram(hist: Any, stats: dict[str, Any], source: str) -> None:
    rs = stats.get("r_multiples") or []
    if rs:
        values = np.asarray(rs, dtype=float)
        bins = min(40, max(8, len(rs) // 5))
        span = (values.min(), values.max()) if values.min() < values.max() else (values.min() - 0.5, values.max() + 0.5)
        for mask, colour in ((values > 0, PROFIT), (values <= 0, LOSS)):
            counts, edges = np.histogram(values[mask], bins=bins, range=span)
            hist.stairs(counts, edges, fill=True, color=colour, alpha=0.8)  # one artist, not one bar per bin
        hist.axvline(0, color=MUTED, linewidth=1)
    else:
        hist.text(0.5, 0.5, "no closed trades", ha="center", va="center", transform=hist.transAxes, color=MUTED)
    hist.set_xlabel("R-multiple (pips / risked pips)", fontsize=8)
    hist.set_ylabel("trades", fontsize=8)
    hist.set_title(f"{source}: R-multiples", fontsize=9)


def excursions_svg(mae: Sequence[float], mfe: Sequence[float], won: Sequence[bool]) -> str:
    """MFE against MAE (pips) of each closed trade, winners green, losers red."""
    fig = _figure(5.6, 4.0)
    ax = fig.subplots()
    raster = len(mae) > RASTERIZE_ABOVE
    for flag, colour, label in ((True, PROFIT, "win"), (False, LOSS, "loss / breakeven")):
        xs = [x for x, w in zip(mae, won, strict=True) if w is flag]
        ys = [y for y, w in zip(mfe, won, strict=True) if w is flag]
        if xs:
            ax.scatter(xs, ys, s=9, color=colour, alpha=0.6, label=label, rasterized=raster, linewidths=0)
    if not mae:
        ax.text(0.5, 0.5, "no closed trades", ha="center", va="center", transform=ax.transAxes, color=MUTED)
    else:
        ax.legend(fontsize=7)
    ax.set_xlabel("MAE: most adverse excursion (pips)", fontsize=8)
    ax.set_ylabel("MFE: most favourable excursion (pips)", fontsize=8)
    _style(ax)
    fig.subplots_adjust(left=0.12, right=0.97, top=0.96, bottom=0.13)
    return to_svg(fig)
