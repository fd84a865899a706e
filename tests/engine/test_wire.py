"""``engine.wire.jsonable``: the one JSON converter (REST, WebSocket, exports, replay report, metrics)."""

from __future__ import annotations

import json
import math
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import orjson

from engine.values import CloseReason, Side
from engine.wire import json_default, jsonable

WHEN = datetime(2024, 3, 4, 10, 0, 59, 123456, tzinfo=timezone.utc)


def test_jsonable_converts_nested_figures_to_json_native_values():
    figures = {
        "net_profit": Decimal("12.345"),  # money: to the cent, half up
        "win_rate": 0.5,
        "trades": 3,
        "sharpe": math.nan,
        "equity_curve": [(WHEN, Decimal("10000.00")), (None, Decimal("-1.5"))],
        Side.BUY: {"count": 2, "reason": CloseReason.SL, "ids": {1}},
        "local": datetime(2024, 3, 4, 12, 0, tzinfo=timezone(timedelta(hours=2))),
        "naive": datetime(2024, 3, 4, 10, 0),
        "flag": True,
        "other": object,
    }
    out = jsonable(figures)
    assert out["net_profit"] == 12.35 and out["win_rate"] == 0.5 and out["trades"] == 3 and out["flag"] is True
    assert out["sharpe"] is None  # JSON has no NaN
    assert out["equity_curve"] == [["2024-03-04T10:00:59.123Z", 10000.0], [None, -1.5]]
    assert out["buy"] == {"count": 2, "reason": "sl", "ids": [1]}
    assert out["local"] == "2024-03-04T10:00:00.000Z" and out["naive"] == "2024-03-04T10:00:00.000Z"
    assert out["other"] == "<class 'object'>"
    json.dumps(out, allow_nan=False)


def test_json_default_writes_what_orjson_cannot_as_jsonable_does():
    document = {"money": Decimal("1.50"), "when": WHEN}
    text = orjson.dumps(document, default=json_default, option=orjson.OPT_PASSTHROUGH_DATETIME)
    assert json.loads(text) == jsonable(document)
