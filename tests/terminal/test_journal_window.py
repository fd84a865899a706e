"""The journal in the window: the status bar says when it cannot be written; close checkpoints; in-use dialog."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import sqlite3
from decimal import Decimal

from PySide6.QtCore import QSettings

import terminal.app as app_module
from engine.broker import OrderRequest
from engine.errors import JournalUnavailable
from engine.journal import SqlJournal
from engine.values import Side
from terminal.app import main
from terminal.settings import Settings
from tests.engine.journal_faults import ReadOnlySwitch


def test_status_bar_says_when_the_journal_cannot_be_written_and_when_it_can_again(engine, make_window, prefs, qloop):
    window = make_window(engine, prefs)
    label = window.journal_status
    label.refresh()
    assert not label.isVisible()
    switch = ReadOnlySwitch(engine.journal)
    switch.set(True)
    try:
        try:
            qloop.run(engine.place_order(OrderRequest("EURUSD", Side.BUY, lots=Decimal("0.1"))))
        except JournalUnavailable:
            pass
        label.refresh()
        assert label.isVisible() and label.text().startswith("journal unavailable")
        assert "readonly database" in label.text() and "new orders are refused" in label.text()
        assert "since" in label.toolTip()
    finally:
        switch.set(False)
    qloop.until(lambda: engine.journal_status().state.value == "ok", timeout=20, what="the journal back")
    label.refresh()
    assert not label.isVisible()


def _window_settings(tmp_path, **extra) -> Settings:
    QSettings.setPath(QSettings.Format.NativeFormat, QSettings.Scope.UserScope, str(tmp_path / "qt"))
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "qt"))
    return Settings.load(
        {"db": tmp_path / "paper.db", "feed": "sim", "seed": 7, "port": 0, "symbols": "EURUSD", **extra}
    )


def test_closing_the_window_checkpoints_so_paper_db_alone_holds_the_trades(qloop, tmp_path):
    settings = _window_settings(tmp_path)
    ready = qloop.loop.create_future()
    task = qloop.loop.create_task(main(settings, ready))
    window = qloop.run(asyncio.shield(ready), timeout=60)
    trade = qloop.run(window.engine.place_order(OrderRequest("EURUSD", Side.BUY, lots=Decimal("0.10"))))
    assert (tmp_path / "paper.db-wal").stat().st_size > 0
    window.close()
    assert qloop.run(task, timeout=30) == 0
    wal = tmp_path / "paper.db-wal"
    assert not wal.exists() or wal.stat().st_size == 0
    alone = tmp_path / "alone.db"
    shutil.copyfile(tmp_path / "paper.db", alone)
    with contextlib.closing(sqlite3.connect(alone)) as connection:
        assert [r[0] for r in connection.execute("SELECT id FROM paper_trades")] == [trade.id]


def test_window_on_a_journal_in_use_shows_a_dialog_prints_one_line_and_exits_2(qloop, tmp_path, capsys, monkeypatch):
    settings = _window_settings(tmp_path)
    told = []

    async def tell(window, title, text):
        told.append((title, text))

    monkeypatch.setattr(app_module, "_tell", tell)
    holder = SqlJournal(settings.database_url, exclusive=True)  # another terminal on the same journal
    try:
        assert qloop.run(main(settings), timeout=60) == 2
    finally:
        holder.close()
    assert len(told) == 1 and "in use by another Paper Terminal" in told[0][1]
    err = [line for line in capsys.readouterr().err.splitlines() if line.startswith("paper-terminal:")]
    assert len(err) == 1 and "in use" in err[0]
