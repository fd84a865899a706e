"""The journal's file lock, writability probe, checkpoint on close and last event."""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
from datetime import timedelta
from decimal import Decimal

import pytest

from engine.errors import JournalNotUsable
from engine.journal import SqlJournal
from engine.journal.lock import JournalLock
from engine.journal.schema import sqlite_file
from engine.values import Quote, Side, Signal
from tests.kit import T0, make_account, make_trade


def test_lock_excludes_a_second_holder_until_released_and_names_the_holder(tmp_path):
    first, second = JournalLock(tmp_path / "paper.db"), JournalLock(tmp_path / "paper.db")
    assert first.acquire() and first.held
    assert not second.acquire(wait=0.1) and second.holder() == os.getpid()
    first.release()
    assert second.acquire() and (tmp_path / "paper.db.lock").exists()
    second.release()
    second.release()  # idempotent


def test_exclusive_journal_refuses_a_second_exclusive_one_and_frees_it_on_close(tmp_path):
    url = f"sqlite:///{tmp_path / 'paper.db'}"
    first = SqlJournal(url, exclusive=True)
    assert first.locked
    with pytest.raises(JournalNotUsable, match="is in use by another Paper Terminal"):
        SqlJournal(url, exclusive=True)
    reader = SqlJournal(url)  # report, export, backup: no lock needed on a journal at the newest schema
    assert reader.load().account is None
    reader.close()
    first.close()
    again = SqlJournal(url, exclusive=True)
    again.close()


def test_lock_file_that_cannot_be_created_is_a_clear_refusal(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the data folder should be")
    with pytest.raises(JournalNotUsable, match="cannot create the journal's lock file"):
        SqlJournal(f"sqlite:///{blocker / 'paper.db'}", exclusive=True)


def test_close_checkpoints_so_the_database_file_alone_holds_everything(tmp_path):
    db = tmp_path / "paper.db"
    journal = SqlJournal(f"sqlite:///{db}")
    journal.commit([make_trade(1), make_trade(2, side=Side.SELL)], make_account())
    assert db.with_name("paper.db-wal").stat().st_size > 0
    journal.close()
    alone = tmp_path / "copy" / "paper.db"
    alone.parent.mkdir()
    shutil.copyfile(db, alone)
    with contextlib.closing(sqlite3.connect(alone)) as connection:
        assert [r[0] for r in connection.execute("SELECT id FROM paper_trades ORDER BY id")] == [1, 2]


def test_check_writable_writes_nothing_and_fails_on_a_read_only_connection(tmp_path):
    db = tmp_path / "paper.db"
    SqlJournal(f"sqlite:///{db}").close()
    before = db.read_bytes()
    writable = SqlJournal(f"sqlite:///{db}")
    writable.check_writable()
    writable.close()
    assert db.read_bytes() == before
    read_only = SqlJournal(f"sqlite:///file:{db}?mode=ro&uri=true", read_only=True)
    with pytest.raises(Exception, match="readonly"):
        read_only.check_writable()
    read_only.close()


def test_read_only_journal_needs_the_current_schema(tmp_path):
    db = tmp_path / "empty.db"
    sqlite3.connect(db).close()
    with pytest.raises(JournalNotUsable, match="cannot be migrated"):
        SqlJournal(f"sqlite:///{db}", read_only=True)


def test_last_event_time_is_the_latest_trade_signal_or_price_time(tmp_path):
    journal = SqlJournal(f"sqlite:///{tmp_path / 'paper.db'}")
    assert journal.last_event_time() is None
    journal.commit([make_trade(1)], make_account())
    opened = journal.last_event_time()
    journal.save_quotes([Quote("EURUSD", 1.1, 1.1001, T0 + timedelta(days=3), "sim")])
    assert journal.last_event_time() == T0 + timedelta(days=3) > opened
    signal = Signal(
        None, "EURUSD", Side.BUY, 1.1, 1.09, 1.12, 0.6, "x", None, T0 + timedelta(days=4), T0 + timedelta(days=5)
    )
    journal.commit([], make_account(str(Decimal("10000"))), [signal])
    assert journal.last_event_time() == T0 + timedelta(days=4)
    journal.close()


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("sqlite:////data/paper.db", "/data/paper.db"),
        ("sqlite:///file:/data/paper.db?mode=ro&uri=true", "/data/paper.db"),
        ("sqlite://", None),
        ("sqlite:///:memory:", None),
        ("postgresql+psycopg://u@h/db", None),
    ],
)
def test_sqlite_file_of_a_url(url, path):
    found = sqlite_file(url)
    assert (str(found) if found is not None else None) == path
