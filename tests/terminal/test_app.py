"""The window entry end to end: real runtime (sim feed, SQLite), close → clean shutdown."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from decimal import Decimal
from pathlib import Path

from PySide6.QtCore import QSettings

import pytest

from engine.broker import OrderRequest
from engine.journal import SqlJournal
from engine.values import Side, TradeStatus
from terminal.app import main
from terminal.cli import build_parser
from terminal.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


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
    assert window.status.server.text() == "server: starting…"  # usable first; the server opens next
    qloop.until(lambda: window.status.server.text() != "server: starting…", timeout=30, what="the server")
    assert window.status.server.text().startswith("server: http://127.0.0.1:")  # the real port, not 0
    assert not window.status.server.text().endswith(":0")
    qloop.until(lambda: gc.get_freeze_count() > 10_000, timeout=10, what="the freeze")  # out of full collections
    engine = window.engine
    trade = qloop.run(engine.place_order(OrderRequest("EURUSD", Side.BUY, lots=Decimal("0.10"))))
    window.close()
    assert qloop.run(task, timeout=30) == 0
    window.deleteLater()
    qloop.spin(0.02)
    state = SqlJournal(f"sqlite:///{db}").load()
    assert [t.id for t in state.active] == [trade.id] and state.active[0].status is TradeStatus.OPEN
    assert not any(
        t
        for t in asyncio.all_tasks(qloop.loop)
        if not t.done() and t is not asyncio.current_task(qloop.loop) and "trading-engine" in t.get_name()
    )


def test_a_server_that_cannot_listen_leaves_the_window_trading_and_says_why(qloop, tmp_path):
    import socket

    QSettings.setPath(QSettings.Format.NativeFormat, QSettings.Scope.UserScope, str(tmp_path / "qt"))
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "qt"))
    taken = socket.create_server(("127.0.0.1", 0))
    port = taken.getsockname()[1]
    try:
        settings = Settings.load({"db": tmp_path / "paper.db", "feed": "sim", "seed": 7, "port": port})
        ready = qloop.loop.create_future()
        task = qloop.loop.create_task(main(settings, ready))
        window = qloop.run(asyncio.shield(ready), timeout=60)
        qloop.until(lambda: "did not start" in window.status.server.text(), timeout=30, what="the server's refusal")
        assert window.status.server.text() == "server: off (did not start)"
        assert f"cannot listen on http://127.0.0.1:{port}" in window.status.server.toolTip()
        assert not task.done()  # the window and the engine go on
        trade = qloop.run(window.engine.place_order(OrderRequest("EURUSD", Side.BUY, lots=Decimal("0.01"))))
        assert trade.status is TradeStatus.OPEN
        window.close()
        assert qloop.run(task, timeout=30) == 0
        window.deleteLater()
        qloop.spin(0.02)
    finally:
        taken.close()
    assert [t.id for t in SqlJournal(f"sqlite:///{tmp_path / 'paper.db'}").load().active] == [trade.id]


def test_excepthook_logs_and_records_without_a_dialog(qtbot, caplog, monkeypatch):
    import sys

    from PySide6.QtWidgets import QApplication, QMessageBox

    from terminal.app import install_excepthook

    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # restored after the test
    errors = install_excepthook()
    try:
        raise ValueError("boom")
    except ValueError:
        sys.excepthook(*sys.exc_info())
    boxes = [
        w
        for w in QApplication.topLevelWidgets()
        if isinstance(w, QMessageBox) and w.objectName() == "error_dialog" and w.isVisible()
    ]
    assert boxes == []  # a background error never opens a modal dialog (issue 13)
    assert errors.last.summary == "ValueError: boom" and "ValueError: boom" in errors.last.detail
    assert any(r.levelname == "CRITICAL" and r.exc_info for r in caplog.records)


@pytest.mark.slow
@pytest.mark.timeout(90)
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_window_process_closes_cleanly_on_sigint_and_sigterm(tmp_path, signum):
    # Ctrl+C in the shell that started the window, or a logout's SIGTERM: the same clean stop as Quit.
    db = tmp_path / "paper.db"
    child = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "terminal",
            "--feed",
            "sim",
            "--seed",
            "3",
            "--symbols",
            "EURUSD",
            "--db",
            str(db),
            "--port",
            "0",
            "--log-level",
            "info",
        ],
        cwd=ROOT,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(target=lambda: [lines.put(line) for line in child.stderr], daemon=True)
    reader.start()
    seen: list[str] = []
    deadline = time.monotonic() + 60
    while not any("window ready" in line for line in seen):
        assert child.poll() is None, "".join(seen)
        assert time.monotonic() < deadline, "no 'window ready' within 60 s:\n" + "".join(seen)
        with contextlib.suppress(queue.Empty):
            seen.append(lines.get(timeout=0.5))
    child.send_signal(signum)
    assert child.wait(timeout=30) == 0, "".join(seen)
    reader.join(timeout=5)
    while not lines.empty():
        seen.append(lines.get())
    log = "".join(seen)
    assert f"{signal.Signals(signum).name} received: closing the window" in log
    assert "stopped cleanly" in log and "Traceback" not in log, log
    assert SqlJournal(f"sqlite:///{db}").last_quotes()  # the engine flushed its journal on the way out
