"""Status bar, notifications, preferences, config file, settings dialog, bridge."""

from __future__ import annotations

import tomllib
from dataclasses import replace
from decimal import Decimal

from PySide6.QtWidgets import QApplication

import keyring
import pytest
from keyring.backends import fail

from datafeeds import keys as key_store
from engine.broker import OrderRequest
from engine.bus import EventBus
from engine.events import HistoryBackfillProgressed, PriceUpdated, TradeClosed
from engine.values import AccountSnapshot, CloseReason, FeedStatus, Side
from terminal.bridge import EngineBridge
from terminal.config_file import update_config
from terminal.notify import for_trade_event
from terminal.prefs import Preferences, load_preferences, save_preferences
from terminal.settings_dialog import SettingsDialog
from terminal.statusbar import TerminalStatusBar, feed_text
from tests.terminal.conftest import quote


@pytest.fixture
def no_keyring():
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(previous)


def test_statusbar_shows_account_figures(qtbot):
    bar = TerminalStatusBar("127.0.0.1:8765")
    qtbot.addWidget(bar)
    bar.set_account(
        AccountSnapshot(
            Decimal("10000"),
            Decimal("10125.5"),
            Decimal("216.2"),
            Decimal("9909.3"),
            4683.4,
            "EUR",
            100,
            Decimal("10000"),
        )
    )
    assert bar.balance.text() == "Balance <b>10,000.00 EUR</b>"
    assert "10,125.50 EUR" in bar.equity.text() and "9,909.30 EUR" in bar.free_margin.text()
    assert bar.margin_level.text() == "Margin level <b>4,683%</b>"
    bar.set_account(
        AccountSnapshot(Decimal("1"), Decimal("1"), Decimal("0"), Decimal("1"), None, "USD", 30, Decimal("1"))
    )
    assert bar.margin_level.text() == "Margin level <b>—</b>"


def test_statusbar_clock_reads_the_engine_market_clock(qtbot):
    from datetime import datetime, timezone

    from engine.clock import MarketClock

    clock = MarketClock(follows_wall=False)
    clock.observe(datetime(2026, 11, 6, 9, 30, 15, tzinfo=timezone.utc))  # a simulator a month behind the wall
    bar = TerminalStatusBar(None, now=clock.now)
    qtbot.addWidget(bar)
    assert bar.clock.text() == "Fri 06 Nov 09:30:15 UTC"


def test_statusbar_shows_history_backfill_and_hides_it_when_done(qtbot):
    bar = TerminalStatusBar(None)
    qtbot.addWidget(bar)
    bar.show()
    bar.set_history_progress(HistoryBackfillProgressed(3, 14, "EURUSD", "M15", 500))
    assert bar.history.isVisible() and (bar.history.value(), bar.history.maximum()) == (3, 14)
    assert bar.history.text() == "history 3/14 · EURUSD M15"
    bar.set_history_progress(HistoryBackfillProgressed(7, 14, "EURUSD", "D1", 0, "timeout"))
    assert "EURUSD D1: timeout" in bar.history.toolTip()
    bar.set_history_progress(HistoryBackfillProgressed(14, 14, "USDJPY", "D1", 500))
    assert not bar.history.isVisible()


def test_bridge_forwards_history_progress_to_qt(qtbot):
    bus = EventBus()
    bridge = EngineBridge(bus)
    event = HistoryBackfillProgressed(1, 7, "EURUSD", "M1", 500)
    with qtbot.waitSignal(bridge.history_progress, timeout=1000) as blocker:
        bus.publish(event)
    assert blocker.args == [event]
    bridge.close()


def test_feed_text_names_feed_in_use_health_and_quotas():
    statuses = [
        FeedStatus("yahoo", True, False, last_error="timeout", in_use=True),
        FeedStatus("twelvedata", True, True, calls_used_today=12, calls_left_today=788),
    ]
    assert feed_text(statuses) == ("feed: yahoo (down: timeout)", "twelvedata 788 left", False)
    assert feed_text([]) == ("feed: none", "", False)


def test_notification_for_sl_hit_and_none_for_manual(qtbot, qloop, engine):
    trade = qloop.run(
        engine.place_order(
            OrderRequest("EURUSD", Side.BUY, lots=Decimal("0.10"), sl=round(engine.quote("EURUSD").ask - 0.0010, 5))
        )
    )
    events = []
    engine.bus.subscribe(TradeClosed, events.append)
    qloop.run(engine.on_quote(quote("EURUSD", trade.sl - 0.0002)))
    assert events and events[0].trade.close_reason is CloseReason.SL
    note = for_trade_event(events[0])
    assert note.title == f"Stop loss hit #{trade.id} EURUSD" and note.critical
    assert "pips" in note.text
    manual = TradeClosed(replace(events[0].trade, close_reason=CloseReason.MANUAL))
    assert for_trade_event(manual) is None


def test_preferences_roundtrip_and_clamp(tmp_path):
    from PySide6.QtCore import QSettings

    store = QSettings(str(tmp_path / "p.ini"), QSettings.Format.IniFormat)
    save_preferences(Preferences(risk_percent=2.5, theme="light", confirm_drag=False), store)
    assert load_preferences(store) == Preferences(2.5, "light", False)
    store.setValue("prefs/risk_percent", "lots")
    store.setValue("prefs/theme", "purple")
    loaded = load_preferences(store, default=Preferences(risk_percent=0.5))
    assert loaded.risk_percent == 0.5 and loaded.theme == "dark"
    assert Preferences(risk_percent=50).validated().risk_percent == 10.0


def test_update_config_keeps_other_keys(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('feed = "sim"\nsymbols = ["EURUSD"]\n[extra]\nx = 1\n')
    update_config(path, {"port": 9000, "feed_priority": "finnhub,yahoo"})
    data = tomllib.loads(path.read_text())
    assert data == {
        "feed": "sim",
        "symbols": ["EURUSD"],
        "port": 9000,
        "feed_priority": "finnhub,yahoo",
        "extra": {"x": 1},
    }


def dialog_for(qtbot, engine, tmp_path):
    from types import SimpleNamespace

    tokens = SimpleNamespace(trading="t" * 20, viewer="v" * 20)
    dialog = SettingsDialog(
        engine, Preferences(), config_path=tmp_path / "config.toml", server_address="127.0.0.1:8765", tokens=tokens
    )
    qtbot.addWidget(dialog)
    return dialog


def test_settings_dialog_stores_api_key_in_keyring_not_in_file(qtbot, qloop, engine, tmp_path, memory_keyring):
    dialog = dialog_for(qtbot, engine, tmp_path)
    qloop.spin(0.05)
    dialog.key_edits["finnhub"].setText("secret-finnhub-key")
    dialog.risk_percent.setValue(2.0)
    changed = []
    dialog.prefs_changed.connect(changed.append)
    qloop.run(dialog.apply())
    assert memory_keyring.store[(key_store.SERVICE, "finnhub")] == "secret-finnhub-key"
    assert dialog.key_edits["finnhub"].text() == ""
    text = (tmp_path / "config.toml").read_text()
    assert "secret" not in text and "port" not in tomllib.loads(text)  # unchanged: not written
    assert changed and changed[0].risk_percent == 2.0


def test_settings_dialog_never_saves_the_temporary_port_of_port_0(qtbot, qloop, engine, tmp_path):
    dialog = SettingsDialog(
        engine,
        Preferences(),
        config_path=tmp_path / "config.toml",
        server_address="http://127.0.0.1:41791",
        configured_port=0,
    )
    qtbot.addWidget(dialog)
    assert dialog.port.value() == 0 and dialog.port.text() == "0 (any free port)"
    qloop.run(dialog.apply())
    assert "port" not in tomllib.loads((tmp_path / "config.toml").read_text())
    dialog.port.setValue(9100)  # a port the user chose is saved
    qloop.run(dialog.apply())
    assert tomllib.loads((tmp_path / "config.toml").read_text())["port"] == 9100


def test_settings_dialog_without_keyring_says_so_and_disables_keys(qtbot, qloop, engine, tmp_path, no_keyring):
    dialog = dialog_for(qtbot, engine, tmp_path)
    qloop.until(lambda: dialog.keyring_note.text() != "", what="keyring note")
    assert "No OS keyring" in dialog.keyring_note.text() and "FINNHUB_API_KEY" in dialog.keyring_note.text()
    assert not dialog.key_edits["twelvedata"].isEnabled()


def test_settings_dialog_copies_token_and_resets_account(qtbot, qloop, engine, tmp_path):
    dialog = dialog_for(qtbot, engine, tmp_path)
    dialog._copy("t" * 20, "Trading token")
    assert QApplication.clipboard().text() == "t" * 20
    qloop.run(dialog.reset(Decimal("5000"), "EUR", 50))
    assert engine.account().balance == Decimal("5000.00") and engine.account().currency == "EUR"
    assert "5,000.00 EUR" in dialog.account_label.text()


def test_bridge_coalesces_prices_and_unsubscribes(qtbot, qloop):
    bus = EventBus()
    bridge = EngineBridge(bus, frame_ms=50)
    frames, ticks = [], []
    bridge.frame.connect(frames.append)
    bridge.quote_received.connect(ticks.append)
    for i in range(200):
        bus.publish(PriceUpdated(quote("EURUSD", 1.08 + i * 1e-5)))
    qloop.spin(0.12)
    assert len(ticks) == 200 and 1 <= len(frames) <= 2
    assert frames[-1]["EURUSD"].bid == pytest.approx(1.08 + 199e-5)
    bridge.close()
    bus.publish(PriceUpdated(quote("EURUSD")))
    assert len(ticks) == 200
    bridge.deleteLater()  # deleted by Qt on this (the GUI) thread, never by a GC pass elsewhere
    qloop.spin(0.01)
