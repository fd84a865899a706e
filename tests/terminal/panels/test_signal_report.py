"""The dashboard's signal report over the real engine and journal."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from PySide6.QtGui import QColor

import numpy as np
import pytest

from engine.values import SignalStatus
from terminal.panels.dashboard import DashboardPanel
from terminal.panels.signal_report import COLUMNS, SignalReportPanel
from terminal.theme import DARK
from tests.engine.signals.factories import T0, make_signal
from tests.kit import signal_trade

VERDICT = COLUMNS.index("Verdict")


def history(engine, qloop, results, source, first_id, confidence=0.72):
    signals, trades = [], []
    for i, r in enumerate(results):
        sid = first_id + i
        signals.append(
            replace(
                make_signal(
                    id=sid,
                    source=source,
                    confidence=confidence,
                    created_at=T0 + timedelta(hours=sid),
                    expires_at=T0 + timedelta(hours=sid + 1),
                ),
                status=SignalStatus.EXECUTED,
                trade_id=sid,
            )
        )
        trades.append(
            signal_trade(
                sid, signal_id=sid, pnl=str(r), pips=float(r), close_time=T0 + timedelta(hours=sid, minutes=30)
            )
        )
    qloop.run(engine.run_db(engine.journal.commit, trades, None, signals))


@pytest.fixture
def panel(qtbot, qloop, engine):
    history(engine, qloop, [30.0, 25.0, -10.0, 20.0] * 5, "good", 1000)
    history(engine, qloop, [10.0, -10.0] * 10, "coin", 2000, confidence=0.55)
    history(engine, qloop, [-30.0, -25.0, 10.0, -20.0] * 5, "bad", 3000, confidence=0.9)
    p = SignalReportPanel(engine, DARK)
    qtbot.addWidget(p)
    qloop.run(p.reload())
    return p


def row_of(panel, source):
    return next(r for r in range(panel.table.rowCount()) if panel.table.item(r, 0).text() == source)


def test_signal_report_table_shows_cis_and_coloured_verdicts(panel):
    coin = row_of(panel, "coin")
    texts = [panel.table.item(coin, c).text() for c in range(len(COLUMNS))]
    assert texts[1] == "20" and texts[2].startswith("50.0  [") and texts[3].startswith("0.00  [-")
    assert texts[VERDICT] == "no evidence"
    assert panel.table.item(coin, VERDICT).foreground().color() == QColor(DARK.muted)
    good, bad = row_of(panel, "good"), row_of(panel, "bad")
    assert panel.table.item(good, VERDICT).text() == "edge"
    assert panel.table.item(good, VERDICT).foreground().color() == QColor(DARK.profit)
    assert panel.table.item(bad, VERDICT).text() == "negative edge"
    assert panel.table.item(bad, VERDICT).foreground().color() == QColor(DARK.loss)
    assert "lies below 0" in panel.table.item(bad, VERDICT).toolTip()


def test_signal_report_selecting_a_source_shows_its_calibration_and_r_histogram(panel):
    panel.table.selectRow(row_of(panel, "bad"))
    assert panel.selected == "bad"
    xs, ys = panel.calibration_points.getData()
    assert list(xs) == pytest.approx([0.9]) and list(ys) == pytest.approx([0.25])  # said 90 %, won 25 %
    assert list(panel.diagonal.getData()[0]) == [0, 1] and list(panel.diagonal.getData()[1]) == [0, 1]
    _edges, counts = panel.losses_bars.getData()
    _, wins = panel.wins_bars.getData()
    assert int(np.sum(counts)) == 15 and int(np.sum(wins)) == 5
    panel.table.selectRow(row_of(panel, "coin"))
    xs, ys = panel.calibration_points.getData()
    assert list(xs) == pytest.approx([0.55]) and list(ys) == pytest.approx([0.5])


def test_signal_report_html_button_writes_the_report(panel, qloop, tmp_path):
    out = qloop.run(panel.write_html(tmp_path / "r.html"))
    text = out.read_text(encoding="utf-8")
    assert "Signal report per source" in text and "negative edge" in text


def test_dashboard_hosts_the_signal_report_and_reloads_it(qtbot, qloop, engine):
    history(engine, qloop, [5.0, -3.0], "m", 10)
    dashboard = DashboardPanel(engine, DARK)
    qtbot.addWidget(dashboard)
    qloop.run(dashboard.reload())
    assert dashboard.side_tabs.tabText(0) == "Signal report"
    assert dashboard.signal_report.table.item(0, 0).text() == "m"
