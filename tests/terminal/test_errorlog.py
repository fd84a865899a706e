"""Unexpected errors never stack modal dialogs: log + status-bar indicator; a dialog only for the user's action."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QApplication, QMessageBox

from terminal.app import install_excepthook
from terminal.tasks import TaskOwner
from tests.terminal.test_layout import settle


def visible_error_dialogs() -> list[QMessageBox]:
    return [
        w
        for w in QApplication.topLevelWidgets()
        if isinstance(w, QMessageBox) and w.objectName() == "error_dialog" and w.isVisible()
    ]


def raise_through_hook(exc: Exception) -> None:
    try:
        raise exc
    except Exception:  # noqa: BLE001 - handed to the hook as Qt would
        sys.excepthook(*sys.exc_info())


def test_background_errors_go_to_the_indicator_never_to_dialogs(make_window, qloop, engine, prefs, caplog, monkeypatch):
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # restored after the test
    errors = install_excepthook()
    window = make_window(engine, prefs, errors=errors)
    settle(qloop, window, 1600, 900)  # room for the summary (on a small screen it gives way to the count)
    indicator = window.status.error_indicator
    assert indicator.isHidden()
    for _ in range(50):  # the storm of issue 13: one error per bar close
        raise_through_hook(ValueError("bar at 1793978100 is older than the last bar at 1793978400"))
    raise_through_hook(KeyError("EURUSD"))
    qloop.spin(0.05)
    assert visible_error_dialogs() == []
    assert not indicator.isHidden()
    assert indicator.text().startswith("⚠ 51 errors · KeyError: 'EURUSD'")
    assert len(errors.entries) == 2  # identical errors collapse into one entry
    assert errors.entries["ValueError: bar at 1793978100 is older than the last bar at 1793978400"].count == 50
    assert sum(1 for r in caplog.records if r.levelname == "CRITICAL" and r.exc_info) == 51
    indicator.click()
    details = indicator.details
    assert details.isVisible() and not details.isModal()
    assert "50× " in details.text.toPlainText() and "Traceback" in details.text.toPlainText()
    details.close()


def test_status_messages_leave_the_feed_server_and_clock_labels_visible(make_window, qloop, engine, prefs):
    window = make_window(engine, prefs, server_address="127.0.0.1:8765")
    window.say("#12 filled: buy 0.10 EURUSD at 1.08508")
    qloop.spin(0.02)
    status = window.status
    assert status.currentMessage() == "#12 filled: buy 0.10 EURUSD at 1.08508"
    assert status.feed.isVisible() and status.server.isVisible() and status.clock.isVisible()


def test_failed_user_action_opens_one_dialog_however_often_it_fails(make_window, qloop, engine, prefs, monkeypatch):
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    errors = install_excepthook()
    window = make_window(engine, prefs, errors=errors)
    settle(qloop, window, 1600, 900)
    tasks = TaskOwner()

    async def broken() -> None:
        raise RuntimeError("the button's command broke")

    for _ in range(3):
        tasks.spawn(broken(), "ticket-buy", user=True)
    qloop.run(tasks.wait())
    qloop.spin(0.05)
    dialogs = visible_error_dialogs()
    assert len(dialogs) == 1
    assert "ticket-buy: RuntimeError: the button's command broke" in dialogs[0].text()
    assert "3 times" in dialogs[0].text()
    dialogs[0].close()
    # the same failure in a background task: indicator only
    tasks.spawn(broken(), "dashboard-reload")
    qloop.run(tasks.wait())
    qloop.spin(0.05)
    assert visible_error_dialogs() == []
    assert window.status.error_indicator.text().startswith("⚠ 4 errors · dashboard-reload: RuntimeError")
