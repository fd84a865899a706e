"""The window entry: QApplication, the asyncio engine inside the Qt loop (qasync), shutdown.

Order matters (shared/reference/pitfalls.md): PYQTGRAPH_QT_LIB and QT_API are
set before pyqtgraph or qasync are imported, PySide6 is imported before
qasync, and the main coroutine runs with ``qasync.run(main())``. The window
never quits Qt by itself (``setQuitOnLastWindowClosed(False)``): closing it
sets an ``asyncio.Event``; ``main()`` then stops the runtime (feed, server,
engine — the journal is flushed) and returns, which ends the loop. SIGINT
(Ctrl+C in the shell that started it) and SIGTERM close the window the same
way; Python runs the handler at its next callback, within a second (the
garbage collector's timer).

The engine stack (``terminal.wiring``: the engine, SQLAlchemy, pandas, numpy)
is imported before PySide6. Once PySide6 is loaded, its import hook
(``shibokensupport.feature``) reads the source of every module imported
afterwards, looking for "PySide6": imported after it, the engine stack took
0.1 s longer and left some 650,000 source lines in ``linecache``.
"""

from __future__ import annotations

import os

os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")
os.environ.setdefault("QT_API", "pyside6")

import argparse
import asyncio
import functools
import logging
import signal
import sys
from collections.abc import Callable
from importlib import import_module
from types import FrameType
from typing import Any

import_module("terminal.wiring")  # the engine stack before PySide6 (module docstring)

from PySide6.QtWidgets import QApplication, QMessageBox

import qasync  # after PySide6

from terminal.errorlog import install_excepthook, installed_log, loop_exception_handler
from terminal.settings import Settings

log = logging.getLogger("paper_terminal.window")


class GuiThreadGarbageCollector:
    """Run Python's cyclic garbage collector on the GUI thread only.

    Left automatic, a collection may start on any thread that allocates (the
    journal's database thread, executor threads) and destroy Qt objects there;
    Qt then crashes later (a timer of a destroyed object fires). This wraps
    pyqtgraph's ``GarbageCollector`` (automatic collection off, generations
    collected from a QTimer when their thresholds are passed).
    """

    def __init__(self, interval: float = 1.0) -> None:
        import gc

        from pyqtgraph.util.garbage_collector import GarbageCollector

        self._was_enabled = gc.isenabled()
        self._collector = GarbageCollector(interval=interval)

    def stop(self) -> None:
        """Stop the timer; give collection back to Python if it was automatic before."""
        import gc

        self._collector.timer.stop()
        if self._was_enabled:
            gc.enable()


def close_on_signals(close: Callable[[], Any]) -> Callable[[], None]:
    """Make SIGINT and SIGTERM call ``close`` on the loop; return what restores the previous handlers.

    Without it Ctrl+C cancelled ``main()`` mid-wait (a traceback, and the
    runtime not stopped) and SIGTERM killed the process outright.
    """
    loop = asyncio.get_running_loop()
    previous: dict[int, Any] = {}

    def handler(signum: int, _frame: FrameType | None) -> None:
        log.info("%s received: closing the window", signal.Signals(signum).name)
        loop.call_soon_threadsafe(close)

    for signum in (signal.SIGINT, signal.SIGTERM):
        try:
            previous[signum] = signal.signal(signum, handler)
        except ValueError:  # not the main thread: leave the handlers alone
            pass

    def restore() -> None:
        for signum, old in previous.items():
            signal.signal(signum, old)

    return restore


def make_application() -> QApplication:
    """The QApplication (created once), which never quits on its own."""
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    app.setApplicationName("Paper Terminal")
    app.setOrganizationName("PaperTerminal")
    app.setQuitOnLastWindowClosed(False)
    return app


async def main(settings: Settings, ready: asyncio.Future | None = None, *, feed: Any = None) -> int:
    """Build and start the runtime, show the window, run until it is closed, stop cleanly.

    ``ready`` (tests, benchmarks) receives the window once it is shown and loaded;
    ``feed`` replaces the feed ``settings.feed`` names (a soak test's fast simulator).
    Cyclic garbage is collected on the GUI thread only (``GuiThreadGarbageCollector``).
    """
    collector = GuiThreadGarbageCollector()
    try:
        return await _run(settings, ready, feed)
    finally:
        collector.stop()


async def _run(settings: Settings, ready: asyncio.Future | None, feed: Any = None) -> int:
    from engine.errors import JournalNotUsable, PaperTerminalError
    from terminal.heap import freeze_startup_heap
    from terminal.mainwindow import MainWindow
    from terminal.prefs import Preferences, load_preferences
    from terminal.startup import StartupFault
    from terminal.wiring import build_runtime, run_in_thread

    try:
        runtime = await run_in_thread(functools.partial(build_runtime, settings, feed=feed))
    except (JournalNotUsable, StartupFault) as exc:  # in use, not writable, unusable: one line and a dialog
        print(f"paper-terminal: {getattr(exc, 'message', None) or exc}", file=sys.stderr, flush=True)
        await _tell(None, "Paper Terminal cannot open its journal", str(getattr(exc, "message", None) or exc))
        return 2
    defaults = Preferences(risk_percent=min(settings.risk.risk_percent, 10.0))
    shutdown = asyncio.Event()
    errors = installed_log()
    asyncio.get_running_loop().set_exception_handler(loop_exception_handler(errors))
    window = MainWindow(
        runtime.engine,
        load_preferences(default=defaults),
        shutdown=shutdown,
        server_address=None,
        config_path=settings.config,
        feed_priority=_priority(settings),
        errors=errors,
        configured_port=settings.port,
    )
    runtime.on_listening = _announce_server(window, runtime)
    window.show()
    restore_signals = close_on_signals(window.close)  # a signal during start-up closes it too
    try:
        try:
            await runtime.start(server=False)
        except PaperTerminalError as exc:
            log.error("the engine did not start: %s", exc)
            await _tell(window, "The engine did not start", str(exc))
            window.close()
            return 1
        try:
            if not shutdown.is_set():
                await window.load()
                log.info("window ready")
                if ready is not None and not ready.done():
                    ready.set_result(window)
                await _start_server(window, runtime)
                window.tokens = await run_in_thread(_tokens, settings)
                freeze_startup_heap()
            await shutdown.wait()
        finally:  # also when cancelled: the runtime is stopped either way
            if not shutdown.is_set():
                window.close()
            log.info("window closed: stopping the engine")
            await window.tasks.cancel_all()
            await runtime.stop()
            log.info("stopped cleanly")
    finally:
        restore_signals()
    return 0


async def _start_server(window: Any, runtime: Any) -> None:
    """Open the server once the window is usable; a server that cannot start leaves the window trading.

    The status bar says "server: starting…" until it listens, and why it is
    off when it cannot (a port in use, say); the engine and the window go on.
    """
    from engine.errors import PaperTerminalError

    if "server" not in runtime.plugins:
        return
    window.status.server.setText("server: starting…")
    try:
        await runtime.start_server()
    except (OSError, PaperTerminalError) as exc:
        log.error("the API server did not start: %s", exc)
        window.status.server.setText("server: off (did not start)")
        window.status.server.set_details(f"The API server did not start: {exc}")
        window.say(f"The API server did not start: {exc}")


def _priority(settings: Settings) -> list[str] | None:
    value = getattr(settings, "feed_priority", None)
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return list(value) if value else None


def _announce_server(window: Any, runtime: Any) -> Callable[[str], None]:
    """Show the server's URL; bound beyond loopback, also its warning (URL, which token) in the status bar."""

    def listening(url: str) -> None:
        window.set_server(url)
        warning = getattr(runtime.server, "exposure_warning", None)
        if warning:
            window.status.server.setText(f"server: {url} (open to the network)")
            window.status.server.set_details(warning)
            window.say(warning)

    return listening


def _tokens(settings: Settings) -> Any:
    """The server's tokens for the settings dialog (None when the server part is absent)."""
    try:
        from engine.api.tokens import load_or_create_tokens
    except ModuleNotFoundError:
        return None
    token = settings.token.get_secret_value() if settings.token else None
    viewer = settings.viewer_token.get_secret_value() if settings.viewer_token else None
    try:
        tokens = load_or_create_tokens(trading=token, viewer=viewer)
    except (OSError, ValueError) as exc:
        log.warning("API tokens unavailable: %s", exc)
        return None
    path = getattr(tokens, "path", None)
    if path is not None:  # every start, so a user can always find them; never the tokens themselves
        log.info("API tokens (trading and viewer) in %s", path)
    return tokens


async def _tell(window: Any, title: str, text: str) -> None:
    """Show a message without ``exec()`` and wait until it is closed."""
    done = asyncio.get_running_loop().create_future()
    box = QMessageBox(QMessageBox.Icon.Critical, title, text, QMessageBox.StandardButton.Ok, window)
    box.setObjectName("startup_error_dialog")

    def closed(_result: int) -> None:
        if not done.done():
            done.set_result(None)

    box.finished.connect(closed)
    box.open()
    if os.environ.get("QT_QPA_PLATFORM") == "offscreen":
        box.close()
    await done


def run_window(args: argparse.Namespace) -> int:
    """Open the window on the engine the flags describe; return the exit code."""
    from engine.errors import ValidationError
    from terminal.commands.serve import configure_logging

    try:
        settings = Settings.load(args)
    except ValidationError as exc:
        print(f"paper-terminal: {exc.message}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level)
    make_application()
    install_excepthook()
    return int(qasync.run(main(settings)) or 0)
