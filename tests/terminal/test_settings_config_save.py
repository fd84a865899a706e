"""Saving from the Settings dialog edits config.toml in place: the user's comments and order survive."""

from __future__ import annotations

import tomllib
from types import SimpleNamespace

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

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
