"""Unexpected errors of the window: logged, counted, shown without stacking dialogs.

Every unexpected error — an exception escaping a Qt slot (``sys.excepthook``),
an asyncio callback (the loop's exception handler), a failed window task —
goes to the log and to one ``ErrorLog``. The status bar shows it as a small
indicator (count and last message; click for the details); errors with the
same summary collapse into one entry with a count. A modal dialog opens only
for an error the user's own action caused (a button's command), and there is
only ever one such dialog: a second error updates it.

Refusals (``ValidationError``/``NotFound``: the engine said no, naming the
field) are not errors here; the panel that asked shows them.
"""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from types import TracebackType
from typing import Any

from PySide6.QtCore import QObject, QtMsgType, qInstallMessageHandler
from PySide6.QtCore import Signal as QtSignal

log = logging.getLogger("paper_terminal.window")

MAX_ENTRIES = 200


@dataclass
class ErrorEntry:
    """One kind of error: ``summary`` (``Type: message``), its traceback, how often and when."""

    summary: str
    detail: str
    count: int = 1
    first: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    last: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    user_action: bool = False


class ErrorLog(QObject):
    """The window's unexpected errors, identical summaries collapsed (newest last)."""

    changed = QtSignal()  # an error was recorded or the log was cleared
    user_error = QtSignal(object)  # ErrorEntry caused by the user's own action: show it now

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.entries: dict[str, ErrorEntry] = {}
        self.total = 0

    def record(self, summary: str, detail: str = "", *, user_action: bool = False) -> ErrorEntry:
        """Count one occurrence of ``summary``; emit ``changed`` (and ``user_error`` for a user's action)."""
        summary = summary.strip() or "unknown error"
        entry = self.entries.pop(summary, None)
        if entry is None:
            entry = ErrorEntry(summary, detail, user_action=user_action)
        else:
            entry.count += 1
            entry.last = datetime.now(timezone.utc)
            entry.detail = detail or entry.detail
            entry.user_action = entry.user_action or user_action
        self.entries[summary] = entry  # re-inserted: the newest is last
        while len(self.entries) > MAX_ENTRIES:
            self.entries.pop(next(iter(self.entries)))
        self.total += 1
        self.changed.emit()
        if user_action:
            self.user_error.emit(entry)
        return entry

    def record_exception(
        self, exc: BaseException, *, user_action: bool = False, where: str | None = None
    ) -> ErrorEntry:
        """Record ``exc`` with its traceback; ``where`` (a task name) prefixes the summary."""
        summary = f"{type(exc).__name__}: {exc}"
        if where:
            summary = f"{where}: {summary}"
        detail = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        return self.record(summary, detail, user_action=user_action)

    @property
    def last(self) -> ErrorEntry | None:
        return next(reversed(self.entries.values()), None)

    def clear(self) -> None:
        self.entries.clear()
        self.total = 0
        self.changed.emit()

    def report(self) -> str:
        """Every entry as text, newest first (the details dialog and a copy to the clipboard)."""
        blocks = []
        for e in reversed(self.entries.values()):
            times = f"{e.first:%H:%M:%S}" if e.count == 1 else f"{e.count}× {e.first:%H:%M:%S}–{e.last:%H:%M:%S}"
            blocks.append(f"[{times} UTC] {e.summary}\n{e.detail}".rstrip())
        return "\n\n".join(blocks)


def installed_log() -> ErrorLog | None:
    """The ``ErrorLog`` of the installed excepthook (``install_excepthook``), if any."""
    return getattr(sys.excepthook, "errors", None)


def report_exception(exc: BaseException, *, user_action: bool = False, where: str | None = None) -> None:
    """Log ``exc`` and record it in the installed ``ErrorLog`` (the log only when there is none)."""
    log.error("%s failed", where or "window", exc_info=exc)
    errors = installed_log()
    if errors is not None:
        errors.record_exception(exc, user_action=user_action, where=where)


def install_excepthook(errors: ErrorLog | None = None) -> ErrorLog:
    """Route uncaught exceptions to the log and ``errors`` (never a dialog per error); return ``errors``.

    KeyboardInterrupt keeps Python's behaviour.
    """
    errors = errors or ErrorLog()
    previous = sys.excepthook

    def hook(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            previous(kind, value, tb)
            return
        log.critical("uncaught exception", exc_info=(kind, value, tb))
        errors.record(f"{kind.__name__}: {value}", "".join(traceback.format_exception(kind, value, tb)))

    hook.errors = errors  # type: ignore[attr-defined]
    sys.excepthook = hook
    return errors


def loop_exception_handler(errors: ErrorLog | None = None) -> Callable[[Any, dict[str, Any]], None]:
    """An asyncio exception handler that logs and records what the loop could not hand to anyone."""

    def handle(loop: Any, context: dict[str, Any]) -> None:
        exc = context.get("exception")
        message = context.get("message") or "error in the event loop"
        log.error("event loop: %s", message, exc_info=exc)
        target = errors or installed_log()
        if target is None:
            return
        if exc is not None:
            target.record_exception(exc)
        else:
            target.record(f"event loop: {message}")

    return handle


class QtMessageCounter:
    """Route Qt's own warnings to the log, count them (tests), and forward them to the previous handler."""

    def __init__(self) -> None:
        self.warnings: list[str] = []
        self._previous: Any = None

    def install(self) -> QtMessageCounter:
        self._previous = qInstallMessageHandler(self._handle)
        return self

    def uninstall(self) -> None:
        qInstallMessageHandler(self._previous)

    def _handle(self, kind: QtMsgType, context: Any, message: str) -> None:
        if kind in (QtMsgType.QtWarningMsg, QtMsgType.QtCriticalMsg, QtMsgType.QtFatalMsg):
            self.warnings.append(message)
            log.warning("Qt: %s", message)
        elif kind is QtMsgType.QtInfoMsg:
            log.info("Qt: %s", message)
