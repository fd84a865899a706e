"""The signal panel over the real engine and signal book."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from PySide6.QtCore import Qt

from engine.broker import OrderRequest
from engine.values import Side, SignalStatus, TradeStatus
from terminal.panels.signals import SignalsPanel
from tests.terminal.conftest import make_signal


def window_with_signal(make_window, qloop, engine, prefs, **signal_kwargs):
    window = make_window(engine, prefs)
    signal = qloop.run(engine.signals.submit(make_signal(**signal_kwargs)))
    qloop.until(lambda: window.signals_panel.table.rowCount() == 1, what="signal row")
    return window, signal


def test_signals_new_signal_row_shows_fields_lots_and_highlight(make_window, qtbot, qloop, engine, prefs):
    window, signal = window_with_signal(make_window, qloop, engine, prefs)
    panel = window.signals_panel
    row = panel.row_of(signal.id)
    cells = {panel.table.horizontalHeaderItem(c).text(): panel.table.item(row, c)
             for c in range(panel.table.columnCount()) if panel.table.item(row, c) is not None}
    assert cells["Symbol"].text() == "EURUSD" and cells["Side"].text() == "BUY"
    assert cells["Model"].text() == "test-model" and cells["R:R"].text() == "2.00"
    assert cells["SL"].text() == f"{signal.sl:.5f}" and cells["TP"].text() == f"{signal.tp:.5f}"
    lots = engine.lot_size("EURUSD", prefs.risk_percent, signal.entry, signal.sl)
    assert panel.execute_button(signal.id).text() == f"Execute {lots}"
    assert panel.status_text(signal.id) == "ready"
    assert panel.is_highlighted(signal.id)
    assert any(n.title == "New signal: BUY EURUSD" for n in window.notifier.sent)


def test_signals_execute_one_click_opens_trade_in_journal(make_window, qtbot, qloop, engine, prefs):
    window, signal = window_with_signal(make_window, qloop, engine, prefs)
    button = window.signals_panel.execute_button(signal.id)
    shown_lots = Decimal(button.text().split()[-1])
    assert shown_lots == engine.lot_size("EURUSD", prefs.risk_percent, signal.entry, signal.sl)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qloop.until(lambda: window.signals_panel.status_text(signal.id).startswith("executed"), what="executed")
    trades, total = qloop.run(engine.list_trades(status=TradeStatus.OPEN))
    assert total == 1 and trades[0].signal_id == signal.id and trades[0].sl == signal.sl
    assert trades[0].lots == shown_lots
    stored = qloop.run(engine.signals.get(signal.id))
    assert stored.status is SignalStatus.EXECUTED and stored.trade_id == trades[0].id
    assert window.signals_panel.status_text(signal.id) == f"executed → trade #{trades[0].id}"
    qloop.until(lambda: window.orders.positions.rowCount() == 1, what="position listed")


def test_signals_dismiss_marks_signal_dismissed(make_window, qtbot, qloop, engine, prefs):
    window, signal = window_with_signal(make_window, qloop, engine, prefs)
    window.signals_panel.dismiss(signal.id)
    qloop.until(lambda: window.signals_panel.status_text(signal.id).startswith("dismissed"), what="dismissed")
    assert qloop.run(engine.signals.get(signal.id)).status is SignalStatus.DISMISSED
    assert not window.signals_panel.execute_button(signal.id).isEnabled()


def test_signals_risk_too_small_says_why_and_disables_execute(make_window, qtbot, qloop, engine, prefs):
    window, signal = window_with_signal(make_window, qloop, engine, replace(prefs, risk_percent=0.01))
    text = window.signals_panel.status_text(signal.id)
    assert text.startswith("risk_percent:") and "minimum" in text
    assert not window.signals_panel.execute_button(signal.id).isEnabled()


def test_signals_max_open_trades_reached_says_why(make_window, qtbot, qloop, engine, prefs):
    qloop.run(engine.place_order(OrderRequest("GBPUSD", Side.BUY, lots=Decimal("0.01"))))
    window, signal = window_with_signal(make_window, qloop, engine, replace(prefs, max_open_trades=1))
    assert window.signals_panel.status_text(signal.id) == "max open trades reached (1)"
    assert not window.signals_panel.execute_button(signal.id).isEnabled()


def test_signals_expired_signal_says_expired(qtbot, qloop, engine, prefs):
    panel = SignalsPanel(engine, prefs)
    qtbot.addWidget(panel)
    signal = replace(make_signal(), id=99)
    signal = replace(signal, expires_at=signal.created_at)
    panel.upsert(signal)
    assert panel.status_text(99) == "expired"
    assert not panel.execute_button(99).isEnabled()


def test_signals_execute_refused_by_engine_shows_reason_and_keeps_signal_new(make_window, qtbot, qloop, engine, prefs):
    window, signal = window_with_signal(make_window, qloop, engine, prefs)
    qloop.run(engine.signals.dismiss(signal.id))       # someone else acted on it meanwhile
    window.signals_panel._signals[signal.id] = signal    # the panel has not heard yet
    window.signals_panel.execute(signal.id)
    qloop.until(lambda: "not executed" in window.status.currentMessage(), what="refusal")
    assert "id:" in window.status.currentMessage()
    trades, total = qloop.run(engine.list_trades())
    assert total == 0
