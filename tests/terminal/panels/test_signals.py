"""The signal panel over the real engine and signal book."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

import pytest

from engine.broker import OrderRequest
from engine.values import Side, SignalStatus, TradeStatus
from terminal.panels.signals import SignalsPanel
from tests.terminal.conftest import make_signal, quote


def window_with_signal(make_window, qloop, engine, prefs, **signal_kwargs):
    window = make_window(engine, prefs)
    signal = qloop.run(engine.signals.submit(make_signal(**signal_kwargs)))
    qloop.until(lambda: window.signals_panel.table.rowCount() == 1, what="signal row")
    return window, signal


def test_signals_new_signal_row_shows_fields_lots_and_highlight(make_window, qtbot, qloop, engine, prefs):
    window, signal = window_with_signal(make_window, qloop, engine, prefs)
    panel = window.signals_panel
    row = panel.row_of(signal.id)
    cells = {
        panel.table.horizontalHeaderItem(c).text(): panel.table.item(row, c)
        for c in range(panel.table.columnCount())
        if panel.table.item(row, c) is not None
    }
    assert cells["Symbol"].text() == "EURUSD" and cells["Side"].text() == "BUY"
    assert cells["Model"].text() == "test-model" and cells["R:R"].text() == "2.00"
    assert cells["SL"].text() == f"{signal.sl:.5f}" and cells["TP"].text() == f"{signal.tp:.5f}"
    lots = engine.lot_size("EURUSD", prefs.risk_percent, signal.entry, signal.sl)
    assert panel.execute_button(signal.id).text() == f"BUY {lots} · R:R 2.00"
    assert panel.status_text(signal.id) == "ready"
    assert panel.is_highlighted(signal.id)
    assert any(n.title == "New signal: BUY EURUSD" for n in window.notifier.sent)


def test_signals_execute_one_click_opens_trade_in_journal(make_window, qtbot, qloop, engine, prefs):
    window, signal = window_with_signal(make_window, qloop, engine, prefs)
    button = window.signals_panel.execute_button(signal.id)
    shown_lots = Decimal(button.text().split()[1])
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
    assert "risk" in text and "minimum" in text
    assert not window.signals_panel.execute_button(signal.id).isEnabled()


def test_signals_max_open_trades_reached_says_why(make_window, qtbot, qloop, engine, prefs):
    qloop.run(engine.place_order(OrderRequest("GBPUSD", Side.BUY, lots=Decimal("0.01"))))
    engine.set_max_open_trades(1)  # the engine's setting, for every order source
    window, signal = window_with_signal(make_window, qloop, engine, prefs)
    assert window.signals_panel.status_text(signal.id) == (
        "max_open_trades reached: 1 trades open or pending, the maximum is 1"
    )
    assert not window.signals_panel.execute_button(signal.id).isEnabled()


def test_signals_expired_signal_says_expired(qtbot, qloop, engine, prefs):
    panel = SignalsPanel(engine, prefs)
    qtbot.addWidget(panel)
    signal = replace(make_signal(), id=99)
    signal = replace(signal, created_at=engine.clock.now(), expires_at=engine.clock.now())
    panel.upsert(signal)
    assert panel.status_text(99) == "expired"
    assert not panel.execute_button(99).isEnabled()


def test_signals_execute_refused_by_engine_shows_reason_and_keeps_signal_new(make_window, qtbot, qloop, engine, prefs):
    window, signal = window_with_signal(make_window, qloop, engine, prefs)
    qloop.run(engine.signals.dismiss(signal.id))  # someone else acted on it meanwhile
    window.signals_panel._signals[signal.id] = signal  # the panel has not heard yet
    window.signals_panel.execute(signal.id)
    qloop.until(lambda: "not executed" in window.status.currentMessage(), what="refusal")
    assert "id:" in window.status.currentMessage()
    _trades, total = qloop.run(engine.list_trades())
    assert total == 0


# --- issue 13 item 4: Execute shows the size and R:R at the live price; beyond the max drift it asks ---


def drifted_signal(engine, pips: float = 7.8):
    """A buy whose entry lies ``pips`` below today's ask: the live R:R is worse than the signal's 2.0."""
    ask = engine.quote("EURUSD").ask
    entry = round(ask - pips * 0.0001, 5)
    signal = make_signal()
    return replace(signal, entry=entry, sl=round(entry - 0.0020, 5), tp=round(entry + 0.0040, 5))


def test_signals_execute_button_sizes_at_the_live_price_and_shows_live_rr(make_window, qtbot, qloop, engine, prefs):
    window = make_window(engine, prefs)
    signal = qloop.run(engine.signals.submit(drifted_signal(engine)))
    qloop.until(lambda: window.signals_panel.table.rowCount() == 1, what="signal row")
    ask = engine.quote("EURUSD").ask
    live_lots = engine.lot_size("EURUSD", prefs.risk_percent, ask, signal.sl)
    entry_lots = engine.lot_size("EURUSD", prefs.risk_percent, signal.entry, signal.sl)
    assert live_lots < entry_lots  # 27.8 pips of risk at the live price instead of 20
    live_rr = (signal.tp - ask) / (ask - signal.sl)
    text = window.signals_panel.execute_button(signal.id).text()
    assert text == f"BUY {live_lots} · R:R {live_rr:.2f} ⚠"
    assert "asks first" in window.signals_panel.status_text(signal.id)


def test_signals_execute_beyond_max_drift_asks_showing_effective_rr_then_trades_shown_lots(
    make_window, qtbot, qloop, engine, prefs
):
    window = make_window(engine, prefs)
    panel = window.signals_panel
    signal = qloop.run(engine.signals.submit(drifted_signal(engine)))
    qloop.until(lambda: panel.table.rowCount() == 1, what="signal row")
    shown_lots = Decimal(panel.execute_button(signal.id).text().split()[1])
    qtbot.mouseClick(panel.execute_button(signal.id), Qt.MouseButton.LeftButton)
    box = panel.confirmation
    assert box is not None and box.isVisible()
    ask = engine.quote("EURUSD").ask
    assert f"effective R:R of {(signal.tp - ask) / (ask - signal.sl):.2f}" in box.text()
    assert "7.8 pips" in box.text()
    assert qloop.run(engine.list_trades())[1] == 0  # nothing traded while the question is open
    box.button(QMessageBox.StandardButton.Yes).click()
    qloop.until(lambda: panel.status_text(signal.id).startswith("executed"), what="executed")
    trades, _ = qloop.run(engine.list_trades(status=TradeStatus.OPEN))
    assert [t.lots for t in trades] == [shown_lots]


def test_signals_execute_beyond_max_drift_declined_trades_nothing(make_window, qtbot, qloop, engine, prefs):
    window = make_window(engine, prefs)
    panel = window.signals_panel
    signal = qloop.run(engine.signals.submit(drifted_signal(engine)))
    qloop.until(lambda: panel.table.rowCount() == 1, what="signal row")
    qtbot.mouseClick(panel.execute_button(signal.id), Qt.MouseButton.LeftButton)
    panel.confirmation.button(QMessageBox.StandardButton.No).click()
    qloop.until(lambda: "price has moved" in window.status.currentMessage(), what="declined")
    assert qloop.run(engine.list_trades())[1] == 0
    assert qloop.run(engine.signals.get(signal.id)).status is SignalStatus.NEW


def test_signals_within_max_drift_executes_without_asking(make_window, qtbot, qloop, engine, prefs):
    window = make_window(engine, prefs)
    panel = window.signals_panel
    signal = qloop.run(engine.signals.submit(drifted_signal(engine, pips=1.0)))
    qloop.until(lambda: panel.table.rowCount() == 1, what="signal row")
    qtbot.mouseClick(panel.execute_button(signal.id), Qt.MouseButton.LeftButton)
    assert panel.confirmation is None
    qloop.until(lambda: panel.status_text(signal.id).startswith("executed"), what="executed")


# --- issue 14: ages and expiry on the engine's market clock ---


def market_engine_at(qloop, engine, when):
    """Bring the market clock of ``engine`` (a fast simulation's, never past ``when`` yet) to ``when``."""
    assert engine.clock.mode == "market" and engine.clock.now() <= when
    for symbol in ("EURUSD", "GBPUSD", "USDJPY"):
        qloop.run(engine.on_quote(quote(symbol, when=when)))


@pytest.mark.parametrize("engine", [{"quotes_at": -timedelta(days=30, minutes=1)}], indirect=True)
def test_signals_at_speed_60_a_signal_new_in_market_time_is_executable(make_window, qtbot, qloop, engine, prefs):
    market_now = datetime.now(timezone.utc) - timedelta(days=30)  # --speed 60 from the default --sim-start
    market_engine_at(qloop, engine, market_now)
    signal = replace(
        make_signal(), created_at=market_now - timedelta(minutes=5), expires_at=market_now + timedelta(minutes=55)
    )
    window = make_window(engine, prefs)
    stored = qloop.run(engine.signals.submit(signal))
    qloop.until(lambda: window.signals_panel.table.rowCount() == 1, what="signal row")
    panel = window.signals_panel
    row = panel.row_of(stored.id)
    assert panel.table.item(row, 0).text() == "5m · 55m"
    assert panel.status_text(stored.id) == "ready" and panel.execute_button(stored.id).isEnabled()


def test_signals_market_clock_ahead_of_the_wall_shows_expired(make_window, qtbot, qloop, engine, prefs):
    market_now = datetime.now(timezone.utc) + timedelta(hours=6)  # --sim-start near now at a high speed
    market_engine_at(qloop, engine, market_now)
    window = make_window(engine, prefs)
    panel = window.signals_panel
    signal = replace(
        make_signal(), id=77, created_at=market_now - timedelta(hours=2), expires_at=market_now - timedelta(hours=1)
    )
    panel.upsert(signal)
    assert panel.table.item(panel.row_of(77), 0).text() == "2h 00m · expired"
    assert panel.status_text(77) == "expired" and not panel.execute_button(77).isEnabled()
