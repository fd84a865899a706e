"""``check_journal``: refuse what this version cannot use, read only, accept every good journal."""

from __future__ import annotations

import hashlib
import os
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

from engine.journal import SqlJournal
from engine.journal.info import SCHEMA_WRITTEN_BY, app_version
from engine.journal.preflight import JournalUnusable, check_journal
from engine.journal.schema import head_revision
from tests.kit import make_account, make_trade


def _url(path: Path) -> str:
    return f"sqlite:///{path}"


def _journal(path: Path) -> Path:
    journal = SqlJournal(_url(path), durable=False)
    journal.commit([make_trade(1), make_trade(2)], make_account())
    journal.close()
    return path


def _state(path: Path) -> tuple[str, list[str]]:
    return hashlib.sha256(path.read_bytes()).hexdigest(), sorted(os.listdir(path.parent))


def _refused(path: Path, *words: str, field: str = "db") -> JournalUnusable:
    before = _state(path) if path.is_file() else None
    with pytest.raises(JournalUnusable) as info:
        check_journal(_url(path), field)
    assert info.value.field == field
    assert "\n" not in info.value.message
    for word in words:
        assert word in info.value.message, info.value.message
    if before is not None:
        assert _state(path) == before  # byte-identical, and no -wal/-shm left beside it
    return info.value


def test_new_journal_records_which_version_wrote_the_schema(tmp_path):
    journal = SqlJournal(_url(tmp_path / "paper.db"))
    with journal.engine.connect() as connection:
        writer = connection.execute(
            text("SELECT value FROM journal_info WHERE name = :n"), {"n": SCHEMA_WRITTEN_BY}
        ).scalar()
    journal.close()
    assert writer == f"paper-terminal {app_version()}"


def test_good_empty_and_missing_journals_pass(tmp_path):
    good = _journal(tmp_path / "good.db")
    before = _state(good)
    check_journal(_url(good))
    assert _state(good) == before
    (tmp_path / "empty.db").write_bytes(b"")
    check_journal(_url(tmp_path / "empty.db"))
    check_journal(_url(tmp_path / "new" / "deeper" / "paper.db"))  # folders are created later
    check_journal("sqlite://")


def test_unknown_revision_without_a_writer_says_newer_or_other_program(tmp_path):
    path = _journal(tmp_path / "paper.db")
    with sqlite3.connect(path) as db:
        db.execute("UPDATE alembic_version SET version_num = 'ae1027a6acf'")
        db.execute("DROP TABLE journal_info")
    sqlite3.connect(path).close()
    _refused(path, "'ae1027a6acf'", "newer paper-terminal or another program", head_revision())


def test_newest_revision_missing_a_column_is_not_ours(tmp_path):
    path = _journal(tmp_path / "paper.db")
    with sqlite3.connect(path) as db:
        db.execute("ALTER TABLE paper_trades DROP COLUMN comment")
    sqlite3.connect(path).close()
    _refused(path, "paper_trades", "comment", "not written by paper-terminal")


def test_header_without_pages_is_truncated(tmp_path):
    path = tmp_path / "paper.db"
    path.write_bytes(b"SQLite format 3\x00" + b"\x10\x00")
    _refused(path, "truncated")


def test_unreadable_file_says_permission(tmp_path):
    if os.geteuid() == 0:
        pytest.skip("root reads every file")
    path = _journal(tmp_path / "paper.db")
    path.chmod(0)
    try:
        _refused(path, "permission denied")
    finally:
        path.chmod(0o644)


def test_url_password_is_never_in_the_message(tmp_path):
    with pytest.raises(JournalUnusable) as info:
        check_journal("postgresql+psycopg://trader:hunter2@127.0.0.1:1/paper", "db_url")
    assert "hunter2" not in info.value.message and info.value.field == "db_url"
