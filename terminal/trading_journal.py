"""Open the journal of a trading process (the window, ``serve``): checked, locked, writable or read-only.

``open_journal(settings)`` checks the file first
(``terminal.startup.check_journal``: a file this version cannot use is one
line), locks it for this process (a second trading process on the same SQLite
journal is refused) and checks that it takes writes, or opens it read-only with
``--read-only``; a refusal is a ``JournalNotUsable`` or ``StartupFault`` whose
message is the one line to show. Blocking: call it off the event loop.
"""

from __future__ import annotations

import logging

from sqlalchemy.engine import make_url

from engine.errors import JournalNotUsable
from engine.journal import SqlJournal
from engine.journal.schema import sqlite_file
from engine.service_journal import describe
from terminal.settings import Settings
from terminal.startup import StartupFault, check_journal, journal_field

log = logging.getLogger(__name__)


def journal_name(url: str) -> str:
    """The journal as a message names it: the SQLite file, or the URL without its password."""
    path = sqlite_file(url)
    return str(path) if path is not None else make_url(url).render_as_string(hide_password=True)


def open_journal(settings: Settings) -> SqlJournal:
    """The journal of a trading process (module docstring); raise ``JournalNotUsable`` or ``StartupFault``.

    Writability is checked with a write inside a transaction that is rolled back.
    """
    from sqlalchemy.exc import SQLAlchemyError

    field = journal_field(settings)
    check_journal(settings.database_url, field, writable=not settings.read_only)  # StartupFault: one line
    try:
        journal = SqlJournal(settings.database_url, exclusive=not settings.read_only, read_only=settings.read_only)
    except (SQLAlchemyError, OSError) as exc:
        raise StartupFault(
            f"cannot open the journal {journal_name(settings.database_url)}: {describe(exc)}", field
        ) from None
    if settings.read_only:
        log.info(
            "journal %s opened read-only: viewing only, every write is refused", journal_name(settings.database_url)
        )
        return journal
    try:
        journal.check_writable()
    except Exception as exc:  # noqa: BLE001 - any driver error means: not writable
        close_quietly(journal)
        raise JournalNotUsable(
            f"the journal {journal_name(settings.database_url)} cannot be written "
            f"({describe(exc)}); make it writable, or open it with --read-only to view it"
        ) from None
    return journal


def close_quietly(journal: SqlJournal) -> None:
    """Close a journal that is being refused or given up; a failure to close is only logged."""
    try:
        journal.close()
    except Exception:  # closing after a refusal: the refusal is what matters
        log.debug("closing the refused journal failed", exc_info=True)
