"""The order manager over the real engine: live P&L, edit in place, close, partial, pending, history."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from decimal import Decimal

from PySide6.QtCore import QDate, Qt

import pytest

from engine.broker import OrderRequest
from engine.errors import ValidationError
from engine.trade_schema import View, names
from engine.values import OrderType, Side, TradeStatus
from terminal.panels.orders import parse_price, part_lots
from tests.terminal.conftest import quote


@pytest.fixture
def window(make_window, engine, prefs):
    return make_window(engine, prefs)


def buy(qloop, engine, lots="0.40", symbol="EURUSD"):
    q = engine.quote(symbol)
    pip = 0.01 if symbol.endswith("JPY") else 0.0001
    return qloop.run(
        engine.place_order(
            OrderRequest(
                symbol, Side.BUY, lots=Decimal(lots), sl=round(q.ask - 30 * pip, 5), tp=round(q.ask + 60 * pip, 5)
            )
        )
    )


def test_orders_position_shows_live_pips_and_money(window, qloop, engine):
    trade = buy(qloop, engine)
    qloop.run(engine.on_quote(quote("EURUSD", trade.entry_price + 0.0010)))  # bid 10 pips above entry
    window.bridge.flush_now()
    table = window.orders.positions
    assert table.cell(trade.id, "Pips").text() == "+10.0"
    # 10 pips × 0.40 lots × 100,000 × 0.0001 = 40.00 USD, the same as the broker's floating P&L
    assert table.cell(trade.id, "Profit").text() == "40.00"
    assert engine.account().equity - engine.account().balance == Decimal("40.00")


def test_orders_close_button_closes_trade_in_journal(window, qtbot, qloop, engine):
    trade = buy(qloop, engine)
    qloop.until(lambda: window.orders.positions.rowCount() == 1, what="row")
    cell = window.orders.positions.cellWidget(0, window.orders.positions.col[""])
    qtbot.mouseClick(cell.findChild(type(window.ticket.buy), "close"), Qt.MouseButton.LeftButton)
    qloop.until(lambda: window.orders.positions.rowCount() == 0, what="row gone")
    closed, total = qloop.run(engine.list_trades(status=TradeStatus.CLOSED))
    assert total == 1 and closed[0].id == trade.id and closed[0].close_reason.value == "manual"


def test_orders_edit_sl_in_table_reaches_engine(window, qloop, engine):
    trade = buy(qloop, engine)
    qloop.until(lambda: window.orders.positions.rowCount() == 1, what="row")
    window.orders.positions.cell(trade.id, "SL").setText("1.08255")
    qloop.until(lambda: engine.broker.trade(trade.id).sl == 1.08255, what="sl in engine")
    stored = qloop.run(engine.get_trade(trade.id))
    assert stored.sl == 1.08255


def test_orders_empty_tp_removes_it(window, qloop, engine):
    trade = buy(qloop, engine)
    qloop.until(lambda: window.orders.positions.rowCount() == 1, what="row")
    window.orders.positions.cell(trade.id, "TP").setText("")
    qloop.until(lambda: engine.broker.trade(trade.id).tp is None, what="tp removed")


def test_orders_bad_sl_text_names_field_and_changes_nothing(window, qloop, engine):
    trade = buy(qloop, engine)
    qloop.until(lambda: window.orders.positions.rowCount() == 1, what="row")
    window.orders.positions.cell(trade.id, "SL").setText("abc")
    assert "sl: 'abc' is not a price" in window.status.currentMessage()
    assert engine.broker.trade(trade.id).sl == trade.sl
    assert window.orders.positions.cell(trade.id, "SL").text() == f"{trade.sl:.5f}"


def test_orders_sl_on_wrong_side_is_refused_by_engine(window, qloop, engine):
    trade = buy(qloop, engine)
    qloop.until(lambda: window.orders.positions.rowCount() == 1, what="row")
    window.orders.positions.cell(trade.id, "SL").setText("1.09900")
    qloop.until(lambda: "not modified" in window.status.currentMessage(), what="refusal")
    assert "SL 1.09900 must be below the bid" in window.status.currentMessage()
    assert engine.broker.trade(trade.id).sl == trade.sl


def test_orders_partial_close_half_leaves_half_open(window, qloop, engine):
    trade = buy(qloop, engine, lots="0.40")
    qloop.until(lambda: window.orders.positions.rowCount() == 1, what="row")
    menu_button = window.orders.positions.cellWidget(0, window.orders.positions.col[""]).findChild(
        type(window.ticket.buy), "partial"
    )
    half = next(a for a in menu_button.menu().actions() if a.text().startswith("Close 50%"))
    assert half.text() == "Close 50% (0.20 lots)"
    half.trigger()
    qloop.until(lambda: engine.broker.trade(trade.id).lots == Decimal("0.20"), what="half closed")
    closed, total = qloop.run(engine.list_trades(status=TradeStatus.CLOSED))
    assert total == 1 and closed[0].parent_id == trade.id and closed[0].lots == Decimal("0.20")


def test_orders_pending_modify_price_and_cancel(window, qloop, engine):
    q = engine.quote("EURUSD")
    order = qloop.run(
        engine.place_order(
            OrderRequest("EURUSD", Side.BUY, OrderType.LIMIT, lots=Decimal("0.10"), price=round(q.ask - 0.0020, 5))
        )
    )
    qloop.until(lambda: window.orders.pending.rowCount() == 1, what="pending row")
    assert window.orders.tabs.tabText(1) == "Pending orders (1)"
    window.orders.pending.cell(order.id, "Price").setText(f"{q.ask - 0.0030:.5f}")
    qloop.until(lambda: engine.broker.trade(order.id).requested_price == round(q.ask - 0.0030, 5), what="moved")
    window.orders.close_trade(order.id)
    qloop.until(lambda: window.orders.pending.rowCount() == 0, what="cancelled")
    cancelled, total = qloop.run(engine.list_trades(status=TradeStatus.CANCELLED))
    assert total == 1 and cancelled[0].id == order.id


def test_history_filters_by_result_and_exports_csv(window, qloop, engine, tmp_path):
    winner = buy(qloop, engine, "0.10")
    loser = buy(qloop, engine, "0.10", "GBPUSD")
    qloop.run(engine.on_quote(quote("EURUSD", winner.entry_price + 0.0015)))
    qloop.run(engine.on_quote(quote("GBPUSD", loser.entry_price - 0.0012)))
    qloop.run(engine.close_trade(winner.id))
    qloop.run(engine.close_trade(loser.id))
    history = window.orders.history
    history.since.setDate(QDate(date.today() - timedelta(days=1)))
    qloop.run(history.load())
    assert [t.id for t in history.trades] == [loser.id, winner.id]
    history.result.setCurrentText("Wins")
    qloop.run(history.load())
    assert [t.id for t in history.trades] == [winner.id]
    history.result.setCurrentText("All results")
    history.symbol.setCurrentText("GBPUSD")
    qloop.run(history.load())
    assert [t.id for t in history.trades] == [loser.id]
    path = tmp_path / "out.csv"
    assert qloop.run(history.export_csv(path)) == 1
    rows = list(csv.reader(path.open()))
    sheet = names(View.SHEET)
    assert tuple(rows[0]) == sheet and set(sheet) == {*names(View.WIRE), "net"} and rows[1][0] == str(loser.id)
    assert Decimal(rows[1][sheet.index("net")]) < 0


def test_parse_price_rejects_nonpositive_and_rounds():
    assert parse_price(" 1,083456 ", "EURUSD", "sl") == 1.08346
    assert parse_price("", "EURUSD", "tp") is None
    with pytest.raises(ValidationError) as err:
        parse_price("-1", "EURUSD", "tp")
    assert err.value.field == "tp"


def test_part_lots_rounds_down_to_step_with_minimum_one_step():
    assert part_lots(Decimal("0.30"), 25, "EURUSD") == Decimal("0.07")
    assert part_lots(Decimal("0.01"), 25, "EURUSD") == Decimal("0.01")
