"""``paper-terminal replay`` end to end: files in, report on stdout, journal written."""

from __future__ import annotations

import argparse
import importlib.resources
import json
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from engine.journal import SqlJournal
from terminal.commands import replay as replay_command
from tests.engine.replay.helpers import at, bars_file, signals_file

ISO_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
TRADE_KEYS = {
    "id",
    "symbol",
    "side",
    "order_type",
    "status",
    "lots",
    "requested_price",
    "entry_price",
    "sl",
    "tp",
    "trailing_pips",
    "open_time",
    "close_time",
    "close_price",
    "close_reason",
    "pips",
    "pnl",
    "commission",
    "swap",
    "mfe_pips",
    "mae_pips",
    "signal_id",
    "parent_id",
    "comment",
}


def _main(argv):
    parser = argparse.ArgumentParser(prog="paper-terminal")
    replay_command.register(parser.add_subparsers(dest="command"), parser)
    args = parser.parse_args(argv)
    return args.func(args)


def _two_decimals(value):
    return value is None or Decimal(repr(value)) == Decimal(repr(value)).quantize(Decimal("0.01"))


@pytest.fixture
def files(tmp_path):
    rows = [
        (1.1000, 1.1005, 1.0995, 1.1002),
        (1.1010, 1.1015, 1.1005, 1.1012),
        (1.1012, 1.1035, 1.1008, 1.1030),
        (1.1030, 1.1031, 1.0950, 1.0960),
    ]
    data = bars_file(tmp_path, rows)
    signals = signals_file(
        tmp_path,
        [
            {"time": at(0.5), "symbol": "EURUSD", "side": "buy", "sl": 1.0990, "tp": 1.1025, "source": "alpha"},
            {
                "time": at(1.5),
                "symbol": "EURUSD",
                "side": "sell",
                "sl": 1.1040,
                "tp": 1.0970,
                "lots": 0.3,
                "source": "beta",
            },
            {"time": at(0.6), "symbol": "EURUSD", "side": "buy", "sl": 1.0990, "tp": 1.1025, "lots": 90},
            {"time": at(60), "symbol": "EURUSD", "side": "buy", "sl": 1.0990, "tp": 1.1025},
        ],
    )
    return data, signals


def test_replay_command_json_report_has_design_trades_and_performance(files, capsys, tmp_path):
    data, signals = files
    db = tmp_path / "journal.db"
    code = _main(
        [
            "replay",
            "--data",
            str(data),
            "--signals",
            str(signals),
            "--symbol",
            "EURUSD",
            "--commission",
            "3.5",
            "--report",
            "json",
            "--db",
            str(db),
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    report = json.loads(out)
    trades = {t["id"]: t for t in report["trades"]}
    assert len(trades) == 2 and all(set(t) == TRADE_KEYS for t in trades.values())
    buy, sell = trades[1], trades[2]
    assert (buy["close_reason"], buy["close_price"], buy["entry_price"]) == ("tp", 1.1025, 1.10108)
    assert (sell["close_reason"], sell["lots"]) == ("tp", 0.3)
    for trade in trades.values():
        assert ISO_MS.match(trade["open_time"]) and ISO_MS.match(trade["close_time"])
        assert all(_two_decimals(trade[k]) for k in ("pnl", "commission", "swap"))
    assert buy["commission"] == 0.7  # 3.50 per lot per side × 0.10 lot × 2 sides
    performance = report["performance"]
    assert performance["total_trades"] == 2 and performance["wins"] == 2
    assert set(performance["by_source"]) == {"alpha", "beta"}
    net = sum(Decimal(repr(t["pnl"])) - Decimal(repr(t["commission"])) for t in trades.values())
    assert Decimal(repr(performance["net_profit"])) == net
    statuses = [(s["line"], s["status"], s["code"]) for s in report["signals"]]
    assert statuses == [
        (2, "executed", None),
        (3, "executed", None),
        (4, "rejected", "no_money"),
        (5, "not_executed", "after_last_price"),
    ]
    journal = SqlJournal(f"sqlite:///{db}")
    try:
        stored = journal.closed_trades()
        assert sorted(t.id for t in stored) == [1, 2]
        assert journal.account().balance == Decimal("10000") + net
    finally:
        journal.close()


def test_replay_command_text_report_names_rejections(files, capsys):
    data, signals = files
    assert _main(["replay", "--data", str(data), "--signals", str(signals), "--symbol", "EURUSD"]) == 0
    out = capsys.readouterr().out
    assert "Signals: 4, executed 2, rejected 1, not executed 1" in out
    assert "line 4: rejected (no_money)" in out and "line 5: not_executed" in out


def test_replay_command_refuses_existing_journal(files, capsys, tmp_path):
    data, signals = files
    db = tmp_path / "used.db"
    argv = ["replay", "--data", str(data), "--signals", str(signals), "--symbol", "EURUSD", "--db", str(db)]
    assert _main(argv) == 0
    capsys.readouterr()
    assert _main(argv) == 2
    assert "already holds a journal" in capsys.readouterr().err


def test_replay_command_bad_file_exits_2_with_line_and_reason(tmp_path, capsys, files):
    _, signals = files
    bad = tmp_path / "bad.csv"
    bad.write_text("time,open,high,low,close\n2024-03-04T10:00Z,1.1,1.09,1.1,1.1\n")
    code = _main(["replay", "--data", str(bad), "--signals", str(signals), "--symbol", "EURUSD"])
    err = capsys.readouterr().err
    assert code == 2 and "bad.csv line 2" in err and "[high]" in err


def test_replay_command_on_real_eurusd_h1_bars(tmp_path, capsys):
    source = importlib.resources.files("backtesting.test") / "EURUSD.csv"
    bars = pd.read_csv(source, index_col=0, parse_dates=True)
    picks = bars.iloc[50:-10:40]
    rows = []
    for k, (when, bar) in enumerate(picks.iterrows()):
        side = "buy" if k % 2 == 0 else "sell"
        sign = 1 if side == "buy" else -1
        rows.append(
            {
                "time": (when + pd.Timedelta(minutes=59)).strftime("%Y-%m-%dT%H:%M:%S"),
                "symbol": "EURUSD",
                "side": side,
                "sl": round(bar.Close - sign * 0.0030, 5),
                "tp": round(bar.Close + sign * 0.0060, 5),
            }
        )
    signals = signals_file(tmp_path, rows)
    assert (
        _main(["replay", "--data", str(source), "--symbol", "EURUSD", "--signals", str(signals), "--report", "json"])
        == 0
    )
    report = json.loads(capsys.readouterr().out)
    trades = report["trades"]
    assert len(trades) == len(rows)
    # each entry is the ask (bid + 0.8 pip) at the open of the bar after the signal
    for trade, (when, _) in zip(trades, picks.iterrows(), strict=True):
        next_open = bars.loc[bars.index > when].iloc[0].Open
        expected = next_open + 0.00008 if trade["side"] == "buy" else next_open
        assert trade["entry_price"] == pytest.approx(expected, abs=1e-9)
    closed = [t for t in trades if t["status"] == "closed"]
    assert len(closed) >= len(rows) - 1
    assert {t["close_reason"] for t in closed} <= {"sl", "tp"}
    for trade in closed:  # a level fills at itself, or beyond it after a gap
        sign = 1 if trade["side"] == "buy" else -1
        level = trade[trade["close_reason"]]
        beyond = sign * (trade["close_price"] - level) * (1 if trade["close_reason"] == "tp" else -1)
        assert beyond >= -1e-9
    total = sum(Decimal(repr(t["pnl"])) for t in closed)
    assert Decimal(repr(report["performance"]["net_profit"])) == total


def test_replay_command_runs_as_paper_terminal_subprocess(files):
    data, signals = files
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "terminal",
            "replay",
            "--data",
            str(data),
            "--signals",
            str(signals),
            "--symbol",
            "EURUSD",
            "--report",
            "json",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).resolve().parents[3],
        check=False,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert [t["close_reason"] for t in report["trades"]] == ["tp", "tp"]
    assert report["performance"]["total_trades"] == 2


def test_replay_command_spread_on_tick_file_is_refused(tmp_path, capsys, files):
    _, signals = files
    ticks = tmp_path / "ticks.csv"
    ticks.write_text("time,bid,ask\n2024-03-04T10:00Z,1.1,1.1001\n")
    code = _main(["replay", "--data", str(ticks), "--signals", str(signals), "--symbol", "EURUSD", "--spread", "1"])
    assert code == 2 and "[spread]" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("flag", "value"),
    [("--balance", "0"), ("--leverage", "0"), ("--currency", "US"), ("--slippage", "-1"), ("--intrabar", "random")],
)
def test_replay_command_bad_flag_value_is_refused(files, flag, value, capsys):
    data, signals = files
    with pytest.raises(SystemExit) as caught:
        _main(["replay", "--data", str(data), "--signals", str(signals), flag, value])
    assert caught.value.code == 2 and flag in capsys.readouterr().err


def test_replay_progress_prints_quarters_on_a_pipe(capsys):
    progress = replay_command._Progress("bars")
    for done in range(0, 1_000_001, 10_000):
        progress(done, 1_000_000)
    lines = [line.strip() for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert lines == [
        "replay:   0% (0/1,000,000 bars)",
        "replay:  25% (250,000/1,000,000 bars)",
        "replay:  50% (500,000/1,000,000 bars)",
        "replay:  75% (750,000/1,000,000 bars)",
        "replay: 100% (1,000,000/1,000,000 bars)",
    ]
