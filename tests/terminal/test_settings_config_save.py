"""Saving from the Settings dialog edits config.toml in place: the user's comments and order survive."""

from __future__ import annotations

import tomllib
from decimal import Decimal
from types import SimpleNamespace

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

import pytest

from engine.errors import OrderRejectedError
from engine.orders import OrderRequest
from engine.values import Side
from terminal.prefs import Preferences
from terminal.settings_dialog import SettingsDialog

USER_FILE = """# My Paper Terminal set-up — keep these notes!
feed = "auto"   # real prices when a key works

# the port my scripts use
port = 8765
feed_priority = "yahoo,twelvedata,finnhub,alphavantage"

[signals.auto]
# only what the model is sure about
min_confidence = 0.75
"""


def test_settings_dialog_save_keeps_comments_and_order(qtbot, qloop, engine, tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(USER_FILE, encoding="utf-8")
    dialog = SettingsDialog(
        engine,
        Preferences(),
        config_path=path,
        server_address="127.0.0.1:8765",
        tokens=SimpleNamespace(trading="t" * 20, viewer="v" * 20),
    )
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.port.setFocus()
    dialog.port.selectAll()
    QTest.keyClicks(dialog.port, "9100")
    QTest.keyClick(dialog.port, Qt.Key.Key_Tab)
    assert dialog.port.value() == 9100
    qloop.run(dialog.apply())
    text = path.read_text(encoding="utf-8")
    order = [dialog.priority.item(i).text() for i in range(dialog.priority.count())]
    assert text == USER_FILE.replace("port = 8765", "port = 9100").replace(
        "yahoo,twelvedata,finnhub,alphavantage", ",".join(order)
    )
    assert tomllib.loads(text)["signals"]["auto"]["min_confidence"] == 0.75


def test_settings_dialog_max_open_trades_is_the_engines_setting_and_is_saved(qtbot, qloop, engine, tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(USER_FILE + "\n[risk]\nmax_open_trades = 5  # mine\n", encoding="utf-8")
    engine.set_max_open_trades(5)
    dialog = SettingsDialog(
        engine,
        Preferences(),
        config_path=path,
        server_address="127.0.0.1:8765",
        tokens=SimpleNamespace(trading="t" * 20, viewer="v" * 20),
    )
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.max_open.value() == 5  # a view of the engine's setting, not a window preference
    dialog.max_open.setFocus()
    dialog.max_open.selectAll()
    QTest.keyClicks(dialog.max_open, "1")
    QTest.keyClick(dialog.max_open, Qt.Key.Key_Tab)
    qloop.run(dialog.apply())
    assert engine.max_open_trades == 1  # at once, for every order source
    assert "max_open_trades = 1  # mine" in path.read_text(encoding="utf-8")
    qloop.run(engine.place_order(OrderRequest("EURUSD", Side.BUY, lots=Decimal("0.01"))))
    with pytest.raises(OrderRejectedError) as info:
        engine.check_order(OrderRequest("EURUSD", Side.BUY, lots=Decimal("0.01")))
    assert info.value.code == "max_open_trades"
