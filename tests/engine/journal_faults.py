"""Journal faults for tests: a journal whose commits raise, and a SQLite file that stops taking writes.

``ReadOnlySwitch`` makes a real ``SqlJournal`` refuse writes the way a file
turned read-only does (SQLite's ``attempt to write a readonly database``):
every connection opened while it is on runs ``PRAGMA query_only=ON``, and
turning it on or off drops the pooled connections. Unlike ``chmod``, it works
for root too, and it needs no privileges.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event

from engine.journal import SqlJournal


class FlakyJournal(SqlJournal):
    """A journal whose next ``fail`` commits raise ``OSError`` (a full disk, a lost mount); counts commits."""

    fail = 0
    commits = 0

    def commit(self, trades, account, signals=()):
        self.commits += 1
        if self.fail:
            self.fail -= 1
            raise OSError(28, "No space left on device", "/secret/path/paper.db")
        return super().commit(trades, account, signals)


class ReadOnlySwitch:
    """Turn a ``SqlJournal``'s writes off and on (see the module docstring)."""

    def __init__(self, journal: SqlJournal) -> None:
        self.journal = journal
        self.on = False
        event.listen(journal.engine, "connect", self._on_connect)

    def _on_connect(self, dbapi_connection: Any, _record: Any) -> None:
        if self.on:
            dbapi_connection.execute("PRAGMA query_only=ON")

    def set(self, on: bool) -> None:
        """Refuse writes (True) or take them again (False) from the next connection on."""
        self.on = on
        self.journal.engine.dispose()
