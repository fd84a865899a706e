"""``report`` and ``export`` over a stored journal."""

from __future__ import annotations

import csv
import json
from datetime import timedelta
from decimal import Decimal

import pytest

from engine.journal import SqlJournal
from engine.performance import compute_performance
from engine.trade_schema import View, names
from engine.values import CloseReason, Side, Signal, TradeStatus
from tests.kit import T0, closed, make_account, make_trade
from tests.terminal.cli_helpers import run

DESIGN_TRADE_FIELDS = (  # noqa: SIM905  (DESIGN.md's list, verbatim)
    "id, symbol, side, order_type, status, lots, requested_price, entry_price, sl, tp, trailing_pips, open_time, "
    "close_time, close_price, close_reason, pips, pnl, commission, swap, mfe_pips, mae_pips, signal_id, "
    "parent_id, comment"
).split(", ")


@pytest.fixture
def db(tmp_path):
    """A journal with two wins, a loss, a partial close and an open trade."""
    path = tmp_path / "paper.db"
    journal = SqlJournal(f"sqlite:///{path}")
    signal = Signal(None, "EURUSD", Side.BUY, 1.085, 1.08, 1.095, 0.8, "harmonic", None, T0, T0 + timedelta(hours=1))
    journal.commit([], make_account(), [signal])
    trades = [
        closed(make_trade(1, signal_id=1), pnl="50.00", reason=CloseReason.TP),
        closed(make_trade(2, side=Side.SELL, comment='quote "and", comma'), pnl="-20.00", reason=CloseReason.SL),
        make_trade(3, lots=Decimal("0.20")),
        closed(make_trade(4, lots=Decimal("0.10"), parent_id=3), pnl="10.55", reason=CloseReason.PARTIAL),
    ]
    net = sum((t.net for t in trades if t.status is TradeStatus.CLOSED), Decimal("0"))
    journal.commit(trades, make_account(str(Decimal("10000") + net)))
    journal.close()
    return path


def test_report_json_prints_design_figures_of_closed_trades(db, capsys):
    assert run("report", "--db", str(db), "--format", "json") == 0
    out = json.loads(capsys.readouterr().out)
    perf = out["performance"]
    assert perf["total_trades"] == 3 and perf["wins"] == 2 and perf["losses"] == 1
    assert perf["net_profit"] == pytest.approx(50 + 10.55 - 20 - 3 * 0.70)
    assert perf["by_source"]["harmonic"]["trades"] == 1
    journal = SqlJournal(f"sqlite:///{db}")
    expected = compute_performance(journal.closed_trades(), Decimal("10000"))
    assert perf["max_drawdown"] == pytest.approx(float(expected["max_drawdown"]))
    assert out["account"]["balance"] == pytest.approx(10000 + 50 + 10.55 - 20 - 2.10)


def test_report_text_lists_figures_and_breakdowns(db, capsys):
    assert run("report", "--db", str(db)) == 0
    text = capsys.readouterr().out
    lines = {line.split()[0]: line.split()[1:] for line in text.splitlines() if line.strip()}
    assert lines["total_trades"] == ["3"]
    assert lines["net_profit"] == ["38.45"]
    assert "by_symbol" in lines and "EURUSD" in lines


def test_report_missing_journal_says_so_and_fails(tmp_path, capsys):
    assert run("report", "--db", str(tmp_path / "none.db")) == 1
    assert "no journal at" in capsys.readouterr().err
    assert not (tmp_path / "none.db").exists()


def test_export_csv_has_every_design_field_and_every_trade(db, tmp_path):
    target = tmp_path / "out" / "trades.csv"
    assert run("export", "--db", str(db), "--format", "csv", str(target)) == 0
    with target.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0])[: len(DESIGN_TRADE_FIELDS)] == DESIGN_TRADE_FIELDS == list(names(View.DESIGN))
    assert list(rows[0]) == list(names(View.WIRE))
    assert [r["id"] for r in rows] == ["1", "2", "3", "4"]
    assert rows[1]["comment"] == 'quote "and", comma'
    assert rows[0]["open_time"] == "2026-11-24T17:01:00.123Z" and rows[0]["pnl"] == "50.0"
    assert rows[3]["parent_id"] == "3" and rows[2]["close_time"] == ""


def test_export_json_round_trips_money_and_status(db, tmp_path):
    target = tmp_path / "trades.json"
    assert run("export", "--db", str(db), "--format", "json", str(target)) == 0
    data = json.loads(target.read_text())
    assert [(t["id"], t["status"], t["pnl"], t["commission"]) for t in data] == [
        (1, "closed", 50.0, 0.7),
        (2, "closed", -20.0, 0.7),
        (3, "open", 0.0, 0.7),
        (4, "closed", 10.55, 0.7),
    ]
    assert set(DESIGN_TRADE_FIELDS) <= set(data[0])


def test_export_to_stdout_with_dash(db, capsys):
    assert run("export", "--db", str(db), "--format", "json", "-") == 0
    assert len(json.loads(capsys.readouterr().out)) == 4


def test_export_unwritable_path_fails_cleanly_leaving_no_file(db, tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert run("export", "--db", str(db), "--format", "csv", str(blocker / "trades.csv")) == 1
    assert "cannot write" in capsys.readouterr().err


def test_export_format_is_required_and_checked(db):
    with pytest.raises(SystemExit):
        run("export", "--db", str(db), "--format", "xml", "out.xml")


def test_report_through_the_real_command_line_module(db):
    import subprocess
    import sys
    from pathlib import Path

    result = subprocess.run(
        [sys.executable, "-m", "terminal", "report", "--db", str(db), "--format", "json"],
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["performance"]["total_trades"] == 3
