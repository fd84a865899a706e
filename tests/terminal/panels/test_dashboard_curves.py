"""The dashboard: balance as a step function, equity from the engine's snapshots, best and worst trades."""

from __future__ import annotations

from decimal import Decimal

import numpy as np

from engine.broker import OrderRequest
from engine.values import Side
from terminal.panels.dashboard import DashboardPanel, extremes, step_xy
from tests.terminal.conftest import quote


def test_step_xy_holds_each_value_until_the_next_time():
    x, y = step_xy(np.array([10.0, 20.0, 30.0]), np.array([1.0, 2.0, 3.0]), until=40.0)
    assert list(x) == [10.0, 20.0, 20.0, 30.0, 30.0, 40.0]
    assert list(y) == [1.0, 1.0, 2.0, 2.0, 3.0, 3.0]


def trade_round(qloop, engine, symbol, move, lots="0.30"):
    q = engine.quote(symbol)
    trade = qloop.run(engine.place_order(OrderRequest(symbol, Side.BUY, lots=Decimal(lots))))
    qloop.run(engine.on_quote(quote(symbol, q.bid + move)))
    return qloop.run(engine.close_trade(trade.id))


def test_balance_steps_at_closes_and_equity_comes_from_the_snapshots(qtbot, qloop, engine):
    first = trade_round(qloop, engine, "EURUSD", 0.0020)
    opened = qloop.run(engine.place_order(OrderRequest("GBPUSD", Side.BUY, lots=Decimal("1.00"))))
    qloop.run(engine.on_quote(quote("GBPUSD", engine.quote("GBPUSD").bid - 0.0030)))  # floating loss
    qloop.run(engine._save_metrics())  # what the engine's housekeeping does every minute
    panel = DashboardPanel(engine)
    qtbot.addWidget(panel)
    qloop.run(panel.reload())
    account = engine.account()
    assert account.equity < account.balance  # an open loser: equity is not balance
    _ex, ey = panel.equity_line.getData()
    assert ey[-1] == float(account.equity) and ey[-2] == float(account.equity)  # snapshot, then live
    bx, by = panel.balance_line.getData()
    assert by[-1] == float(account.balance) and not np.array_equal(ey, by[: len(ey)])
    close_at = first.close_time.timestamp()
    assert close_at in bx and list(bx).count(close_at) == 2  # a vertical step at the close
    assert opened.id not in [t.id for t in extremes([first])[0]]


def test_best_and_worst_trades_listed_with_ids_and_open_on_click(qtbot, qloop, engine):
    win = trade_round(qloop, engine, "EURUSD", 0.0030)
    loss = trade_round(qloop, engine, "GBPUSD", -0.0020)
    small = trade_round(qloop, engine, "EURUSD", 0.0005)
    panel = DashboardPanel(engine)
    qtbot.addWidget(panel)
    qloop.run(panel.reload())
    rows = [[panel.extremes.item(r, c).text() for c in range(5)] for r in range(panel.extremes.rowCount())]
    assert [r[1] for r in rows] == [f"#{win.id}", f"#{small.id}", f"#{loss.id}"]
    assert rows[0][0] == "▲ best" and rows[2][0] == "▼ worst" and rows[2][4] == f"{loss.net:,.2f}"
    opened = []
    panel.trade_requested.connect(opened.append)
    panel.extremes.cellClicked.emit(2, 1)
    assert opened == [loss.id]


def test_opening_a_trade_from_the_dashboard_shows_it_in_the_history(make_window, qloop, engine, prefs):
    loss = trade_round(qloop, engine, "GBPUSD", -0.0020)
    window = make_window(engine, prefs)
    qloop.run(window.dashboard.reload())
    qloop.run(window.orders.history.load())
    window.dashboard.extremes.cellClicked.emit(0, 1)
    qloop.until(lambda: window.chart.symbol == "GBPUSD", what="the trade's chart")
    qloop.until(lambda: window.orders.tabs.currentWidget() is window.orders.history, what="history tab")
    row = window.orders.history.table.currentRow()
    assert window.orders.history.table.item(row, 0).text() == str(loss.id)
