"""The JSON report: performance written through orjson's ``default`` equals ``jsonable`` of it,
and signal times formatted by numpy equal ``fromtimestamp`` + ``iso``."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import orjson
import pytest

from engine.replay.report import (
    _signal_times,
    figures,
    json_report,
    performance,
    signal_rows,
    trade_to_dict,
)
from engine.values import iso
from engine.wire import json_default, jsonable
from tests.engine.replay.helpers import at, bars_file, random_bars, replay, signals_file


def _slow_time(ns: int) -> str:
    return iso(datetime.fromtimestamp(ns / 1e9, tz=timezone.utc))


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("report")
    bars = random_bars(400, seed=11)
    data = bars_file(tmp_path, [tuple(row) for row in bars])
    rows = []
    for i in range(0, 380, 20):
        close = float(bars[i][3])
        sign = 1 if (i // 20) % 2 == 0 else -1
        rows.append(
            {
                "time": at(i + 0.5),
                "symbol": "EURUSD",
                "side": "buy" if sign > 0 else "sell",
                "sl": round(close - sign * 0.0010, 5),
                "tp": round(close + sign * 0.0015, 5),
                "lots": 0.1,
                "source": "model-a" if i % 40 else "model-b",
            }
        )
    rows.append({"time": at(500), "symbol": "EURUSD", "side": "buy", "sl": 1.0, "tp": 1.3})
    return replay(data, signals_file(tmp_path, rows))


def test_json_report_equals_the_plain_document(result):
    document = json.loads(json_report(result))
    assert document["performance"] == json.loads(orjson.dumps(performance(result)))
    assert document["trades"] == [trade_to_dict(t) for t in result.trades.values()]
    assert document["signals"] == json.loads(orjson.dumps(signal_rows(result)))
    assert document["performance"]["total_trades"] > 5
    assert {s["status"] for s in document["signals"]} == {"executed", "not_executed"}


def test_json_default_converts_like_jsonable(result):
    raw = figures(result)
    point = raw["equity_curve"][1]
    assert json_default(point["balance"]) == jsonable(point["balance"])
    assert json_default(point["time"]) == jsonable(point["time"])
    with pytest.raises(TypeError, match="cannot write object"):
        json_default(object())


@pytest.mark.parametrize(
    "times_ns",
    [
        [0, 1_709_546_459_000_000_000, 1_709_546_459_123_000_000],  # whole ms: numpy
        [1_709_546_459_123_456_789, 1_709_546_459_000_000_000],  # sub-ms: one by one
        [-1_000_000, 5_000_000_000],  # before 1970
        [2**32 * 1_000_000_000 + 123_000_000],  # after 2106
    ],
    ids=["whole-ms", "sub-ms", "pre-1970", "post-2106"],
)
def test_signal_times_equal_fromtimestamp_then_iso(times_ns):
    assert _signal_times(times_ns) == [_slow_time(ns) for ns in times_ns]


def test_signal_times_of_whole_seconds_end_in_z():
    assert _signal_times([1_709_546_459_000_000_000]) == ["2024-03-04T10:00:59.000Z"]
