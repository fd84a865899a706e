"""Hostile replay input: one line naming the file, line and field, exit 2, never a traceback.

Values that overflow money arithmetic, prices that round to 0, times outside
``engine.bounds``' range (text, unix seconds and Parquet timestamps alike),
and messages that read as plain numbers (not ``np.float64(-1.0)``).
"""

from __future__ import annotations

import argparse

import pandas as pd
import pytest

from engine.replay.files import FileFormatError, load_prices
from engine.replay.signals import load_signals
from terminal.commands import replay as replay_command
from tests.engine.replay.helpers import at, bars_file, signals_file

GOOD = [
    (1.1000, 1.1005, 1.0995, 1.1002),
    (1.1010, 1.1015, 1.1005, 1.1012),
    (1.1012, 1.1035, 1.1008, 1.1030),
    (1.1030, 1.1031, 1.0950, 1.0960),
]


def _main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="paper-terminal")
    replay_command.register(parser.add_subparsers(dest="command"), parser)
    args = parser.parse_args(argv)
    return args.func(args)


def _signals(tmp_path, **changes):
    row = {"time": at(0.5), "symbol": "EURUSD", "side": "buy", "sl": 1.0990, "tp": 1.1025, **changes}
    return signals_file(tmp_path, [row])


def _replay(tmp_path, capsys, data, signals) -> tuple[int, str]:
    code = _main(["replay", "--data", str(data), "--signals", str(signals), "--symbol", "EURUSD"])
    err = capsys.readouterr().err
    return code, err


def _with_row(index: int, row: tuple[float, float, float, float]) -> list[tuple[float, float, float, float]]:
    rows = list(GOOD)
    rows[index] = row
    return rows


@pytest.mark.parametrize(
    ("row", "field", "words"),
    [
        ((1e308, 1e308, 1e308, 1e308), "open", "below"),  # overflowed money arithmetic
        ((1.1, 1e10, 1.0, 1.1), "high", "below"),
        ((1e-300, 1e-300, 1e-300, 1e-300), "open", "rounds to 0"),  # 0.0 at 5 digits
        ((-1.0, 1.0, -1.0, 1.0), "open", "-1.0 must be positive"),
    ],
)
def test_replay_bar_values_out_of_range_are_one_line_exit_2(tmp_path, capsys, row, field, words):
    data = bars_file(tmp_path, _with_row(2, row))
    code, err = _replay(tmp_path, capsys, data, _signals(tmp_path))
    assert code == 2, err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert f"[{field}]" in err and "line 4" in err and words in err, err
    assert "np.float64" not in err and "np." not in err


@pytest.mark.parametrize(
    "when", ["2300-01-01T00:00:00Z", "9999-12-31T23:59:59-12:00", "1800-01-01T00:00:00Z", "99999999999", "-5000000000"]
)
def test_replay_bar_time_out_of_range_is_one_line_exit_2(tmp_path, capsys, when):
    data = bars_file(tmp_path, GOOD)
    frame = pd.read_csv(data, dtype={"time": str})
    frame.loc[3, "time"] = when
    frame.to_csv(data, index=False)
    code, err = _replay(tmp_path, capsys, data, _signals(tmp_path))
    assert code == 2, err
    assert err.count("\n") == 1 and "[time]" in err and "line 5" in err, err
    assert "supported range" in err or "unix time" in err


def test_replay_parquet_time_out_of_range_is_refused(tmp_path):
    frame = pd.DataFrame(
        {
            "time": pd.to_datetime(["2024-03-04T10:00Z", "2250-01-01T00:00Z"], utc=True).as_unit("s"),
            "open": [1.1, 1.1],
            "high": [1.2, 1.2],
            "low": [1.0, 1.0],
            "close": [1.1, 1.1],
        }
    )
    path = tmp_path / "bars.parquet"
    frame.to_parquet(path)
    with pytest.raises(FileFormatError) as info:
        load_prices(path, "EURUSD")
    assert info.value.field == "time" and info.value.line == 2 and "supported range" in info.value.message


@pytest.mark.parametrize("when", ["9999-12-31T23:59:59-12:00", "2300-01-01T00:00:00Z"])
def test_replay_signal_time_out_of_range_is_refused(tmp_path, capsys, when):
    data = bars_file(tmp_path, GOOD)
    code, err = _replay(tmp_path, capsys, data, _signals(tmp_path, time=when))
    assert code == 2 and err.count("\n") == 1 and "[time]" in err and "line 2" in err, err


@pytest.mark.parametrize(
    ("column", "value"),
    [("sl", 1e308), ("tp", 1e308), ("lots", 1e308), ("risk_percent", 1e308), ("sl", 1e-320), ("price", 1e308)],
)
def test_replay_signal_values_that_overflow_never_crash(tmp_path, capsys, column, value):
    """A hostile signal row is refused (its line, its field) or rejected by the broker: never a traceback."""
    data = bars_file(tmp_path, GOOD)
    changes = {column: value}
    if column == "risk_percent":
        changes["lots"] = ""
    if column == "price":
        changes["order_type"] = "limit"
    code = _main(["replay", "--data", str(data), "--signals", str(_signals(tmp_path, **changes)), "--symbol", "EURUSD"])
    captured = capsys.readouterr()
    if code == 2:
        assert captured.err.count("\n") == 1 and f"[{column}]" in captured.err, captured.err
    else:
        assert code == 0 and "line 2: rejected" in captured.out + captured.err, captured


def test_replay_signal_message_shows_plain_numbers(tmp_path):
    path = _signals(tmp_path, lots=-2)
    with pytest.raises(FileFormatError) as info:
        load_signals(path)
    assert "np." not in info.value.message and "-2" in info.value.message


def test_replay_data_that_is_a_directory_says_so(tmp_path, capsys):
    code, err = _replay(tmp_path, capsys, tmp_path, _signals(tmp_path))
    assert code == 2 and err.count("\n") == 1
    assert "is a directory" in err and "no such file" not in err, err


def test_replay_signals_that_is_a_directory_says_so(tmp_path, capsys):
    folder = tmp_path / "signals"
    folder.mkdir()
    code, err = _replay(tmp_path, capsys, bars_file(tmp_path, GOOD), folder)
    assert code == 2 and "is a directory" in err, err


@pytest.mark.parametrize(
    ("flag", "value"),
    [
        ("--balance", "1e400"),
        ("--balance", "1e30"),
        ("--commission", "1e30"),
        ("--slippage", "1e308"),
        ("--spread", "1e308"),
        ("--leverage", "999999999999"),
        ("--balance", "0.001"),
        ("--slippage", "nan"),
    ],
)
def test_replay_flags_beyond_the_supported_range_are_refused(tmp_path, capsys, flag, value):
    """These overflowed money arithmetic (decimal.InvalidOperation) in the middle of the replay."""
    data, signals = bars_file(tmp_path, GOOD), _signals(tmp_path)
    with pytest.raises(SystemExit) as info:
        _main(["replay", "--data", str(data), "--signals", str(signals), "--symbol", "EURUSD", flag, value])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert f"argument {flag}" in err and "Traceback" not in err
