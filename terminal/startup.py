"""Start-up faults: one line naming the cause and the path or setting, exit code 2.

Every command that reads the settings or opens the journal goes through here,
so a broken config file, a bad ``--db-url`` or a damaged journal ends the same
way: ``paper-terminal: <cause>`` on stderr (no traceback), exit code 2, and the
journal left byte-identical (``engine.journal.preflight`` only reads)::

    @guarded
    def run(args):
        settings = load_settings(args)
        journal = open_journal(settings.database_url, field=journal_field(settings))

``guarded`` also turns a database error met later while the command reads the
journal (damage ``PRAGMA quick_check`` did not see) into one line.
"""

from __future__ import annotations

import argparse
import functools
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from engine.errors import PermanentError, ValidationError

if TYPE_CHECKING:  # imported when called: the commands that never read settings start faster without it
    from terminal.settings import Settings

EXIT_FAULT = 2
PROGRAM = "paper-terminal"


class StartupFault(PermanentError):
    """The command cannot start; ``message`` is the one line to print, ``field`` the setting to change."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def load_settings(args: argparse.Namespace | dict[str, Any] | None) -> Settings:
    """``terminal.settings.Settings`` from the flags, env and file; raise ``StartupFault`` naming the bad one."""
    from terminal.settings import Settings

    try:
        return Settings.load(args)
    except ValidationError as exc:
        raise StartupFault(exc.message, exc.field) from None


def journal_field(settings: Settings) -> str:
    """The setting that names the journal: ``db_url`` when given, else ``db``."""
    return "db_url" if getattr(settings, "db_url", None) else "db"


def check_journal(url: str, field: str = "db", *, writable: bool = True) -> None:
    """Refuse a journal this version cannot use, reading only (``engine.journal.preflight``)."""
    from engine.journal.preflight import JournalUnusable
    from engine.journal.preflight import check_journal as preflight

    try:
        preflight(url, field, writable=writable)
    except JournalUnusable as exc:
        raise StartupFault(exc.message, exc.field) from None


def open_journal(url: str, *, field: str = "db", durable: bool = True, checked: bool = False) -> Any:
    """Check (unless ``checked`` already), then open and migrate the journal; raise ``StartupFault`` on failure."""
    from sqlalchemy.exc import SQLAlchemyError

    from engine.journal import SqlJournal

    if not checked:
        check_journal(url, field)
    try:
        return SqlJournal(url, durable=durable)
    except (SQLAlchemyError, OSError) as exc:
        raise StartupFault(f"cannot open the journal ({_flag(field)}): {_first_line(exc)}", field) from None


def fault_message(exc: BaseException) -> str | None:
    """The one line for a start-up fault or a database error, or None for anything else."""
    if isinstance(exc, StartupFault):
        return exc.message
    from sqlalchemy.exc import SQLAlchemyError

    if isinstance(exc, SQLAlchemyError):
        return f"the journal cannot be read: {_first_line(exc)}"
    return None


def report_fault(exc: BaseException, prefix: str = PROGRAM) -> int:
    """Print the fault's one line to stderr; return ``EXIT_FAULT``."""
    print(f"{prefix}: {fault_message(exc) or exc}", file=sys.stderr, flush=True)
    return EXIT_FAULT


def guarded(run: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """Wrap a command's ``run(args)``: a start-up fault or database error becomes one line and exit 2."""
    from sqlalchemy.exc import SQLAlchemyError

    @functools.wraps(run)
    def wrapper(args: argparse.Namespace) -> int:
        try:
            return run(args)
        except (StartupFault, SQLAlchemyError) as exc:
            return report_fault(exc)

    return wrapper


def _flag(field: str) -> str:
    return "--db-url" if field == "db_url" else "--db"


def _first_line(exc: BaseException) -> str:
    from engine.journal.preflight import driver_reason

    return driver_reason(exc)
