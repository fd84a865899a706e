"""Loading a plain signals file column-wise gives exactly what the row-by-row validation gives."""

from __future__ import annotations

import pandas as pd
import pytest

from engine.replay.files import FileFormatError
from engine.replay.signals import DEFAULT_LOTS, load_signals


def _write(tmp_path, rows, name="signals.csv", extra=False):
    frame = pd.DataFrame(rows)
    if extra:
        frame["note"] = "x"  # a column the loader ignores: forces the row-by-row path
    path = tmp_path / name
    frame.to_parquet(path) if path.suffix == ".parquet" else frame.to_csv(path, index=False)
    return path


ROWS = [
    {"time": "2024-03-04T10:05:00Z", "symbol": " eurusd", "side": "BUY ", "sl": 1.09, "tp": 1.12},
    {"time": "2024-03-04T10:01:00Z", "symbol": "USDJPY", "side": "sell", "sl": 151.5, "tp": None},
    {"time": "2024-03-04T10:01:00Z", "symbol": "EURUSD", "side": "sell", "sl": None, "tp": 1.05},
]


@pytest.mark.parametrize("name", ["signals.csv", "signals.parquet"])
def test_plain_signals_file_loads_like_the_row_by_row_path(tmp_path, name):
    plain = load_signals(_write(tmp_path, ROWS, name))
    checked = load_signals(_write(tmp_path, ROWS, "other_" + name, extra=True))
    assert plain == checked
    assert [(s.line, s.symbol, s.side.value, s.sl, s.tp) for s in plain] == [
        (3 if name.endswith("csv") else 2, "USDJPY", "sell", 151.5, None),
        (4 if name.endswith("csv") else 3, "EURUSD", "sell", None, 1.05),
        (2 if name.endswith("csv") else 1, "EURUSD", "buy", 1.09, 1.12),
    ]
    assert all(s.lots == DEFAULT_LOTS and s.risk_percent is None for s in plain)


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({"symbol": "XXXYYY"}, "symbol"),
        ({"side": "long"}, "side"),
        ({"sl": -1.0}, "sl"),
        ({"tp": "abc"}, "tp"),
    ],
)
def test_plain_signals_file_with_a_bad_cell_names_its_line(tmp_path, bad, field):
    rows = [dict(ROWS[0]), dict(ROWS[1]), {**ROWS[2], **bad}]
    with pytest.raises(FileFormatError) as info:
        load_signals(_write(tmp_path, rows))
    assert info.value.field == field
    assert info.value.line == 4
