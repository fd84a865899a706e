"""The History tab's columns are ``engine.trade_schema``'s TABLE view: labels and cells from the schema."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from PySide6.QtCore import QDate

import pytest

from engine import trade_schema
from engine.broker import OrderRequest
from engine.trade_schema import Kind, TradeField, View, fields
from engine.values import Side
from terminal.panels.history import HistoryTab
from tests.terminal.conftest import quote


def _closed_trade(qloop, engine):
    q = engine.quote("EURUSD")
    trade = qloop.run(
        engine.place_order(OrderRequest("EURUSD", Side.BUY, lots=Decimal("0.10"), sl=round(q.ask - 0.003, 5)))
    )
    qloop.run(engine.on_quote(quote("EURUSD", trade.entry_price + 0.0012)))
    return qloop.run(engine.close_trade(trade.id))


def _loaded(qtbot, qloop, engine) -> HistoryTab:
    tab = HistoryTab(engine)
    qtbot.addWidget(tab)
    tab.since.setDate(QDate(date.today() - timedelta(days=1)))
    qloop.run(tab.load())
    return tab


def _headers(tab: HistoryTab) -> list[str]:
    return [tab.table.horizontalHeaderItem(i).text() for i in range(tab.table.columnCount())]


def test_history_columns_are_the_schema_table_view(qtbot, qloop, engine):
    closed = _closed_trade(qloop, engine)
    tab = _loaded(qtbot, qloop, engine)
    assert _headers(tab) == [f.label for f in fields(View.TABLE)]
    row = {label: tab.table.item(0, i).text() for i, label in enumerate(_headers(tab))}
    assert row["#"] == str(closed.id) and row["Side"] == "BUY" and row["Pips"] == "+12.0"
    assert row["Net"] == f"{closed.net:,.2f}" and row["MFE"] == "+12.0" and row["TP"] == "—"
    assert tab.select(closed.id)


@pytest.fixture
def added_field(monkeypatch):
    extra = TradeField("risk_reward", Kind.PIPS, "R:R", float, frozenset(View), stored=False, get=lambda t: 1.25)
    monkeypatch.setattr(trade_schema, "FIELDS", (*trade_schema.FIELDS, extra))


def test_history_shows_a_field_added_to_the_schema(qtbot, qloop, engine, added_field, tmp_path):
    _closed_trade(qloop, engine)
    tab = _loaded(qtbot, qloop, engine)
    assert _headers(tab)[-1] == "R:R" and tab.table.item(0, len(_headers(tab)) - 1).text() == "+1.2"
    path = tmp_path / "history.csv"
    assert qloop.run(tab.export_csv(path)) == 1
    header, row = path.read_text().splitlines()
    assert header.endswith(",risk_reward") and row.endswith(",1.2")
