"""``paper-terminal feeds plan`` through the real command line."""

from __future__ import annotations

import json

from engine.instruments import SPECS
from terminal.cli import main

THIRTY = ",".join(SPECS)  # all 30 symbols, gold included


def test_feeds_plan_thirty_symbols_at_60s_carried(capsys):
    assert main(["feeds", "plan", "--symbols", THIRTY, "--interval", "60"]) == 0
    out = capsys.readouterr().out
    assert "carried: all 30 symbol(s)" in out
    assert "self-imposed" in out and "FX quotes doubtful" in out


def test_feeds_plan_json_lists_assignment(capsys):
    assert main(["feeds", "plan", "--symbols", "EURUSD,XAUUSD", "--interval", "60", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["assignment"] == {"EURUSD": "yahoo", "XAUUSD": "finnhub"}
    assert [p["name"] for p in data["providers"]] == ["yahoo", "twelvedata", "finnhub", "alphavantage"]


def test_feeds_plan_too_many_at_5s_exits_2_and_names_uncovered(capsys):
    assert main(["feeds", "plan", "--symbols", THIRTY, "--interval", "5"]) == 2
    out = capsys.readouterr().out
    assert "NOT carried for 24 h" in out and "total free capacity 6 symbol(s)" in out


def test_feeds_plan_configured_without_keys_uses_yahoo_only(capsys):
    assert (
        main(["feeds", "plan", "--symbols", "EURUSD,GBPUSD", "--interval", "60", "--configured", "--format", "json"])
        == 0
    )
    data = json.loads(capsys.readouterr().out)
    assert set(data["assignment"].values()) == {"yahoo"}
    twelve = next(p for p in data["providers"] if p["name"] == "twelvedata")
    assert not twelve["available"] and "TWELVEDATA_API_KEY" in twelve["reason"]


def test_feeds_plan_bad_symbol_and_interval_name_the_field(capsys):
    assert main(["feeds", "plan", "--symbols", "EURUSD,FOO", "--interval", "60"]) == 1
    assert "symbols: unknown symbol(s) FOO" in capsys.readouterr().err
    assert main(["feeds", "plan", "--symbols", "EURUSD", "--interval", "0"]) == 1
    assert "interval" in capsys.readouterr().err
