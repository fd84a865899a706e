"""The window entry end to end: real runtime (sim feed, SQLite), close → clean shutdown."""

from __future__ import annotations

import asyncio
import gc
from decimal import Decimal

from PySide6.QtCore import QSettings

from engine.broker import OrderRequest
from engine.journal import SqlJournal
from engine.values import Side, TradeStatus
from terminal.app import main
from terminal.cli import build_parser
from terminal.settings import Settings


def test_cli_without_subcommand_defaults_to_window_with_shared_flags():
    parser = build_parser()
    args = parser.parse_args(["--feed", "sim", "--port", "0"])
    assert args.command is None and args.feed == "sim" and args.port == "0"
    from terminal.commands.window import run_window
    assert parser.get_default("window_func") is run_window


def test_app_main_runs_window_and_shuts_down_cleanly_losing_nothing(qloop, tmp_path):
    QSettings.setPath(QSettings.Format.NativeFormat, QSettings.Scope.UserScope, str(tmp_path / "qt"))
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "qt"))
    db = tmp_path / "paper.db"
    settings = Settings.load({"db": db, "feed": "sim", "seed": 7, "port": 0, "symbols": "EURUSD,GBPUSD"})
    ready = qloop.loop.create_future()
    task = qloop.loop.create_task(main(settings, ready))
    window = qloop.run(asyncio.shield(ready), timeout=60)
    assert window.isVisible() and len(window.chart.series) > 0
    assert window.status.server.text().startswith("server: http://127.0.0.1:")   # the real port, not 0
    assert not window.status.server.text().endswith(":0")
    assert gc.get_freeze_count() > 10_000  # the start-up heap is out of the full collections
    engine = window.engine
    trade = qloop.run(engine.place_order(OrderRequest("EURUSD", Side.BUY, lots=Decimal("0.10"))))
    window.close()
    assert qloop.run(task, timeout=30) == 0
    window.deleteLater()
    qloop.spin(0.02)
    state = SqlJournal(f"sqlite:///{db}").load()
    assert [t.id for t in state.active] == [trade.id] and state.active[0].status is TradeStatus.OPEN
    assert not any(t for t in asyncio.all_tasks(qloop.loop) if not t.done() and t is not asyncio.current_task(qloop.loop)
                   and "trading-engine" in t.get_name())


def test_excepthook_logs_and_shows_error_dialog(qtbot, caplog, monkeypatch):
    import sys

    from PySide6.QtWidgets import QApplication, QMessageBox

    from terminal.app import install_excepthook
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)   # restored after the test
    install_excepthook()
    try:
        raise ValueError("boom")
    except ValueError:
        sys.excepthook(*sys.exc_info())
    boxes = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox)
             and w.objectName() == "error_dialog" and w.isVisible()]
    assert boxes and "ValueError: boom" in boxes[-1].text()
    assert "ValueError: boom" in boxes[-1].detailedText()
    assert any(r.levelname == "CRITICAL" and r.exc_info for r in caplog.records)
    boxes[-1].close()
