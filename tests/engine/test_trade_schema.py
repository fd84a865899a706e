"""One definition of the trade's fields (``engine.trade_schema``): every view is generated from it."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from engine import trade_schema
from engine.api.schemas import TradeOut
from engine.api.serialize import trade_dict
from engine.htmlreport.render import _trades_table
from engine.journal.convert import TRADE_FIELDS as JOURNAL_COLUMNS
from engine.replay.report import trade_to_dict
from engine.trade_schema import Kind, TradeField, View, names
from engine.values import CloseReason, OrderType, Side, TradeRecord, TradeStatus
from terminal.commands.export import render

# DESIGN.md, "A trade:" — the contract, in its order.
DESIGN = (  # noqa: SIM905  (DESIGN.md's list, verbatim)
    "id, symbol, side, order_type, status, lots, requested_price, entry_price, sl, tp, trailing_pips, open_time, "
    "close_time, close_price, close_reason, pips, pnl, commission, swap, mfe_pips, mae_pips, signal_id, "
    "parent_id, comment"
).split(", ")
OPENED = datetime(2026, 11, 24, 17, 0, 0, 123456, tzinfo=timezone.utc)


def make_trade(**changes) -> TradeRecord:
    values = {
        "id": 7,
        "symbol": "USDJPY",
        "side": Side.SELL,
        "order_type": OrderType.LIMIT,
        "status": TradeStatus.CLOSED,
        "lots": Decimal("0.10"),
        "requested_price": 151.2,
        "entry_price": 151.2,
        "sl": 151.5,
        "tp": 150.8,
        "trailing_pips": 12.5,
        "open_time": OPENED,
        "close_time": OPENED + timedelta(minutes=5),
        "close_price": 150.8,
        "close_reason": CloseReason.TP,
        "pips": 40.0,
        "pnl": Decimal("26.45"),
        "commission": Decimal("0.70"),
        "swap": Decimal("-0.13"),
        "mfe_pips": 41.5,
        "mae_pips": -3.2,
        "signal_id": 12,
        "parent_id": None,
        "comment": 'quote "and", comma',
        "created_at": OPENED,
        "expires_at": OPENED + timedelta(hours=1),
        "mirror_ticket": "5012345",
        "mirror_state": "closed",
    }
    values.update(changes)
    return TradeRecord(**values)


def test_schema_design_view_is_designs_trade_in_designs_order():
    assert list(names(View.DESIGN)) == DESIGN
    assert list(names(View.WIRE)) == [*DESIGN, "expires_at", "mirror_ticket", "mirror_state"]


def test_schema_stored_fields_are_trade_record_and_the_journal_columns():
    record_fields = tuple(f.name for f in dataclasses.fields(TradeRecord))
    assert trade_schema.stored_names() == record_fields == JOURNAL_COLUMNS


def test_schema_rest_export_replay_and_openapi_agree():
    trade = make_trade()
    rest = trade_dict(trade)
    assert list(rest) == list(names(View.WIRE))
    assert list(TradeOut.model_fields) == list(names(View.WIRE))
    assert trade_to_dict(trade) == {k: v for k, v in rest.items() if k in DESIGN}
    assert json.loads(render([trade], "json")) == [rest]
    rows = list(csv.reader(io.StringIO(render([trade], "csv"))))
    assert rows[0] == list(rest)
    assert rows[1] == ["" if v is None else str(v) for v in rest.values()]
    assert rest["open_time"] == "2026-11-24T17:00:00.123Z" and rest["pnl"] == 26.45 and rest["lots"] == 0.1
    assert rest["side"] == "sell" and rest["close_reason"] == "tp" and rest["trailing_pips"] == 12.5


def test_schema_empty_export_has_the_same_header_as_a_full_one():
    header = render([], "csv").splitlines()
    assert header == [",".join(names(View.WIRE))]


@pytest.fixture
def added_field(monkeypatch):
    """A field added in ONE place: the schema's table."""
    extra = TradeField(
        "risk_reward",
        Kind.PIPS,
        "R:R",
        float,
        frozenset(View),
        description="reward:risk at the entry",
        stored=False,
        get=lambda t: 1.25,
    )
    monkeypatch.setattr(trade_schema, "FIELDS", (*trade_schema.FIELDS, extra))
    return extra


def test_a_field_added_to_the_schema_shows_in_every_view(added_field):
    trade = make_trade()
    assert trade_dict(trade)["risk_reward"] == 1.2  # pips: to 0.1
    assert json.loads(render([trade], "json"))[0]["risk_reward"] == 1.2
    header, row = list(csv.reader(io.StringIO(render([trade], "csv"))))
    assert header[-1] == "risk_reward" and row[-1] == "1.2"
    assert trade_to_dict(trade)["risk_reward"] == 1.2
    sheet_header = trade_schema.csv_text([trade], View.SHEET).splitlines()[0]
    assert sheet_header.endswith(",risk_reward")
    table = _trades_table([trade], {})
    assert "<th>R:R</th>" in table and "<td>+1.2</td>" in table
