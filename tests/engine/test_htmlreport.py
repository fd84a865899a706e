"""The offline HTML report: ``report --html``, ``replay --report html --out``, and Chromium renders it cleanly."""

from __future__ import annotations

import argparse
import re
import shutil
import tempfile
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from engine.htmlreport import ReportInput, build_report, render_html
from engine.journal import SqlJournal
from engine.values import CloseReason, Side, Signal, SignalStatus, Timeframe
from terminal.commands import replay as replay_command
from tests.engine.replay.helpers import at, bars_file, signals_file
from tests.kit import T0, closed, make_account, make_trade
from tests.terminal.cli_helpers import run

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")


@pytest.fixture
def db(tmp_path):
    """A journal: two sources, wins and losses, a manual trade and an open one."""
    path = tmp_path / "paper.db"
    journal = SqlJournal(f"sqlite:///{path}")
    signals = [
        Signal(
            i,
            "EURUSD",
            Side.BUY,
            1.085,
            1.080,
            1.095,
            0.55 + 0.04 * i,
            "harmonic" if i % 2 else "mtf",
            Timeframe.H1,
            T0 + timedelta(hours=i),
            T0 + timedelta(hours=i + 1),
            SignalStatus.EXECUTED,
            trade_id=i,
        )
        for i in range(1, 9)
    ]
    journal.commit([], make_account(), signals)
    trades = [
        closed(
            make_trade(i, signal_id=i),
            pnl="40.00" if i % 3 else "-25.00",
            reason=CloseReason.TP if i % 3 else CloseReason.SL,
        )
        for i in range(1, 9)
    ]
    trades.append(
        closed(make_trade(9, side=Side.SELL, comment="<b>manual</b>"), pnl="-5.00", reason=CloseReason.MANUAL)
    )
    trades.append(make_trade(10))
    net = sum((t.net for t in trades if t.close_time is not None), Decimal("0"))
    journal.commit(trades, make_account(str(Decimal("10000") + net)))
    journal.close()
    return path


def test_report_html_writes_one_offline_file_with_every_section(db, tmp_path, capsys):
    out = tmp_path / "report.html"
    assert run("report", "--db", str(db), "--html", str(out)) == 0
    assert f"report written to {out}" in capsys.readouterr().out
    text = out.read_text(encoding="utf-8")
    for section in (
        "Account",
        "Equity and drawdown",
        "Signal report per source",
        "Calibration and R-multiples",
        "MFE / MAE",
        "Trades (10)",
    ):
        assert section in text, section
    assert text.count("<svg") >= 3
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", text)  # nothing loaded from anywhere
    assert "<script" not in text
    assert "harmonic" in text and "mtf" in text and "no evidence" in text
    assert "&lt;b&gt;" not in text or "<b>manual</b>" not in text  # comments are not shown raw


def test_report_html_bad_path_or_no_account_says_why(db, tmp_path, capsys):
    assert run("report", "--db", str(db), "--html", str(tmp_path / "missing" / "r.html")) == 1
    assert "no such folder" in capsys.readouterr().err
    assert run("report", "--db", str(db), "--html", str(tmp_path)) == 1
    assert "it is a folder" in capsys.readouterr().err
    empty = tmp_path / "empty.db"
    SqlJournal(f"sqlite:///{empty}").close()
    assert run("report", "--db", str(empty), "--html", str(tmp_path / "r.html")) == 1
    assert "no account" in capsys.readouterr().err


def _replay(argv):
    parser = argparse.ArgumentParser(prog="paper-terminal")
    replay_command.register(parser.add_subparsers(dest="command"), parser)
    args = parser.parse_args(argv)
    return args.func(args)


def test_replay_report_html_writes_the_same_report(tmp_path, capsys):
    data = bars_file(
        tmp_path,
        [
            (1.1000, 1.1005, 1.0995, 1.1002),
            (1.1010, 1.1015, 1.1005, 1.1012),
            (1.1012, 1.1035, 1.1008, 1.1030),
            (1.1030, 1.1031, 1.0950, 1.0960),
        ],
    )
    signals = signals_file(
        tmp_path,
        [
            {
                "time": at(0.5),
                "symbol": "EURUSD",
                "side": "buy",
                "sl": 1.0990,
                "tp": 1.1025,
                "source": "alpha",
                "confidence": 0.7,
            },
            {"time": at(1.5), "symbol": "EURUSD", "side": "sell", "sl": 1.1040, "tp": 1.0970, "source": "beta"},
        ],
    )
    out = tmp_path / "replay.html"
    assert (
        _replay(
            [
                "replay",
                "--data",
                str(data),
                "--symbol",
                "EURUSD",
                "--signals",
                str(signals),
                "--report",
                "html",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    text = out.read_text(encoding="utf-8")
    assert "replay of 4 bars of EURUSD" in text and "alpha" in text and "beta" in text
    assert (
        _replay(["replay", "--data", str(data), "--symbol", "EURUSD", "--signals", str(signals), "--report", "html"])
        == 2
    )
    assert "[out]" in capsys.readouterr().err


def test_report_of_a_source_without_trades_and_an_empty_account_renders():
    report = build_report(
        ReportInput(
            "Empty",
            make_account(),
            [],
            [Signal(1, "EURUSD", Side.BUY, 1.085, 1.08, 1.095, 0.6, "idle", None, T0, T0 + timedelta(hours=1))],
        )
    )
    text = render_html(report)
    assert "idle" in text and "no closed trades" in text and "Trades (0)" in text


@pytest.mark.browser
@pytest.mark.skipif(
    not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
    reason="needs Debian's chromium and chromium-driver (/usr/bin/chromium, /usr/bin/chromedriver)",
)
def test_html_report_renders_in_headless_chromium_without_console_errors(db, tmp_path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By

    out = tmp_path / "report.html"
    assert run("report", "--db", str(db), "--html", str(out)) == 0
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    profile = tempfile.mkdtemp(prefix="report-chromium-")
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        "--window-size=1400,1000",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        driver.get(out.as_uri())
        assert driver.title == "Paper Terminal report"
        charts = driver.find_elements(By.CSS_SELECTOR, ".chart svg")
        assert len(charts) == 3 and all(c.size["width"] > 300 and c.size["height"] > 150 for c in charts)
        rows = driver.find_elements(By.CSS_SELECTOR, ".trades tr")
        assert len(rows) == 11  # the header and ten trades
        verdicts = [e.text for e in driver.find_elements(By.CSS_SELECTOR, "table .verdict")]
        assert verdicts == ["no evidence", "no evidence"]
        logs = driver.get_log("browser")
        assert [entry for entry in logs if entry["level"] in ("SEVERE", "WARNING")] == []
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
