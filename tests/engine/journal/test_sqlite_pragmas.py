"""SQLite runs in WAL mode with foreign keys on; durable mode syncs fully."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from engine.journal import SqlJournal


def _pragma(journal: SqlJournal, name: str):
    with journal.engine.connect() as connection:
        return connection.execute(text(f"PRAGMA {name}")).scalar()


@pytest.mark.parametrize(("durable", "synchronous"), [(True, 2), (False, 1)])
def test_sqlite_journal_file_uses_wal_and_foreign_keys(tmp_path, durable, synchronous):
    journal = SqlJournal(f"sqlite:///{tmp_path / 'j.db'}", durable=durable)
    assert _pragma(journal, "journal_mode") == "wal"
    assert _pragma(journal, "foreign_keys") == 1
    assert _pragma(journal, "synchronous") == synchronous


def test_sqlite_missing_parent_folder_is_created(tmp_path):
    path = tmp_path / "deep" / "er" / "paper.db"
    SqlJournal(f"sqlite:///{path}")
    assert path.exists()


def test_in_memory_journal_is_shared_across_threads():
    import threading

    journal = SqlJournal("sqlite://")
    from tests.kit import make_account

    journal.commit([], make_account("500"))
    seen = []
    thread = threading.Thread(target=lambda: seen.append(journal.account()))
    thread.start()
    thread.join()
    assert seen[0] is not None and str(seen[0].balance) == "500.00"
