"""Owned, named asyncio tasks for the window, and small helpers for async buttons.

Widgets never ``create_task`` and forget: ``TaskOwner.spawn`` names the task,
keeps a reference until it ends, logs its failure and reports it to
``on_error`` (the main window shows it in the status bar). ``disabled_while``
greys a button out while its command is awaited, so a double click cannot
send an order twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine, Iterator
from typing import Any

from PySide6.QtWidgets import QWidget

from engine.broker.rules import label
from engine.errors import JournalError, NotFound, ValidationError
from terminal.errorlog import report_exception

log = logging.getLogger(__name__)


def error_text(exc: BaseException) -> str:
    """A user-facing sentence for ``exc``.

    A refusal's message is shown as the engine wrote it when it already names
    its field (``SL 2.00000 must be below the bid 1.10640 for a buy``);
    otherwise the field is put first (``lots: must be positive``).
    """
    if isinstance(exc, (ValidationError, NotFound)):
        field, message = exc.field, exc.message
        if not field:
            return message
        names = (field.lower(), field.replace("_", " ").lower(), label(field).lower())
        if any(name in message.lower() for name in names):
            return message
        return f"{field}: {message}"
    return str(exc) or type(exc).__name__


class TaskOwner:
    """Spawn and own the asyncio tasks of one window (or widget)."""

    def __init__(self, on_error: Callable[[str, BaseException], None] | None = None) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()
        self.on_error = on_error

    def spawn(self, coro: Coroutine[Any, Any, Any], name: str, *, user: bool = False) -> asyncio.Task[Any]:
        """Run ``coro`` as a named task owned here; failures are logged and reported.

        ``user``: the user's own action started it (a button, an edit), so an
        unexpected failure opens the one error dialog; otherwise it only goes
        to the status bar's error indicator (``terminal.errorlog``).
        """
        task = asyncio.ensure_future(coro)
        task.set_name(name)
        self._tasks.add(task)
        task.add_done_callback(lambda t: self._done(t, user))
        return task

    def _done(self, task: asyncio.Task[Any], user: bool = False) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        exc = task.exception()
        if exc is None:
            return
        if isinstance(exc, (ValidationError, NotFound, JournalError)):  # refusals, not failures
            log.warning("%s refused: %s", task.get_name(), error_text(exc))
        else:
            report_exception(exc, user_action=user, where=task.get_name())
        if self.on_error is not None:
            self.on_error(task.get_name(), exc)

    @property
    def pending(self) -> int:
        return len(self._tasks)

    def running(self, prefix: str) -> bool:
        """Whether a task whose name starts with ``prefix`` is still running."""
        return any(task.get_name().startswith(prefix) for task in self._tasks)

    async def wait(self) -> None:
        """Wait for every task spawned so far (tests, shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def cancel_all(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*list(self._tasks), return_exceptions=True)


@contextlib.contextmanager
def disabled_while(*widgets: QWidget) -> Iterator[None]:
    """Disable ``widgets`` for the duration of the block (while a command is awaited)."""
    for widget in widgets:
        widget.setEnabled(False)
    try:
        yield
    finally:
        for widget in widgets:
            with contextlib.suppress(RuntimeError):  # the widget may be gone
                widget.setEnabled(True)
