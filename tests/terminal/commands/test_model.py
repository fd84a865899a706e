"""``paper-terminal model train``: from a bar file or the journal's bars; clear errors."""

from __future__ import annotations

import importlib.resources
import json

import pandas as pd

from engine.journal import SqlJournal
from engine.signals.ml.model import SignalModel
from engine.signals.ml.training import backtesting_eurusd
from engine.values import Bar, Timeframe
from terminal.commands.model import user_model_path
from tests.terminal.cli_helpers import run


def eurusd_file() -> str:
    return str(importlib.resources.files("backtesting.test") / "EURUSD.csv")


def test_model_train_from_file_writes_model_and_prints_walk_forward(tmp_path, capsys):
    out = tmp_path / "m.joblib"
    assert run("model", "train", "--data", eurusd_file(), "--out", str(out), "--splits", "3", modules=("model",)) == 0
    text = capsys.readouterr().out
    assert "log loss" in text and "calibration" in text and "verdict:" in text
    assert SignalModel.load(out).horizon == 6
    metrics = json.loads((tmp_path / "m.metrics.json").read_text())
    assert metrics["bars"] == 5000 and len(metrics["folds"]) == 3


def test_model_train_from_journal_bars_default_out(tmp_path, capsys, monkeypatch):
    db = tmp_path / "paper.db"
    journal = SqlJournal(f"sqlite:///{db}", durable=False)
    df = backtesting_eurusd().iloc[:1500]
    journal.save_bars(
        [
            Bar("EURUSD", Timeframe.H1, t.to_pydatetime(), o, h, lo, c)
            for t, o, h, lo, c in zip(df.index, df.open, df.high, df.low, df.close, strict=True)
        ],
        "test",
    )
    journal.close()
    assert run("model", "train", "--db", str(db), "--splits", "2", modules=("model",)) == 0
    assert SignalModel.load(user_model_path()).metadata["rows"] > 1000
    assert "journal EURUSD H1" in json.loads(user_model_path().with_name("ml_model.metrics.json").read_text())["source"]


def test_model_train_too_few_bars_names_field(tmp_path, capsys):
    path = tmp_path / "few.csv"
    backtesting_eurusd().iloc[:200].rename_axis("time").to_csv(path)
    assert run("model", "train", "--data", str(path), "--out", str(tmp_path / "x.joblib"), modules=("model",)) == 1
    err = capsys.readouterr().err
    assert "too few" in err and "field: data" in err


def test_model_train_ticks_file_refused(tmp_path, capsys):
    path = tmp_path / "ticks.csv"
    pd.DataFrame(
        {"time": ["2026-01-05T00:00:00Z", "2026-01-05T00:00:01Z"], "bid": [1.1, 1.1001], "ask": [1.1001, 1.1002]}
    ).to_csv(path, index=False)
    assert run("model", "train", "--data", str(path), modules=("model",)) == 1
    assert "ticks" in capsys.readouterr().err


def test_model_train_empty_journal_says_use_data(tmp_path, capsys):
    db = tmp_path / "paper.db"
    SqlJournal(f"sqlite:///{db}", durable=False).close()
    assert run("model", "train", "--db", str(db), modules=("model",)) == 1
    assert "--data" in capsys.readouterr().err
