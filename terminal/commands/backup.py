"""``paper-terminal backup PATH``: a consistent copy of the SQLite journal that a user can keep.

Made with SQLite's online backup API (``sqlite3.Connection.backup``) in one
step: the copy is one consistent snapshot, including what a running terminal
still holds in the write-ahead log, and the terminal keeps trading meanwhile
(a reader never blocks SQLite's writer). The copy is a single self-contained
file (rollback-journal mode, nothing beside it), checked with
``PRAGMA integrity_check``, written to a temporary neighbour and renamed, so a
failed backup never leaves half a file. ``PATH`` may be a folder: the copy is
then ``paper-YYYYMMDD-HHMMSS.db`` inside it. An existing file is replaced only
with ``--force``.

Refusals print one line and exit 2: a journal that is not SQLite (PostgreSQL
has its own tools: ``pg_dump``), no journal at the path, a file that is not a
SQLite database, ``PATH`` naming the journal itself, a place that cannot be written.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import quote

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from engine.journal.schema import sqlite_file
from terminal.commands.journal_access import add_journal_flags
from terminal.startup import check_journal, guarded, journal_field, load_settings


class BackupRefused(Exception):
    """The backup cannot be made; the message is the one line to print."""


def register(subparsers: argparse._SubParsersAction, parser: argparse.ArgumentParser) -> None:
    """Add the ``backup`` sub-command."""
    backup = subparsers.add_parser("backup", help="write a consistent copy of the SQLite journal (online backup)")
    add_journal_flags(backup)
    backup.add_argument("--force", action="store_true", help="replace PATH when it exists")
    backup.add_argument("path", metavar="PATH", help="the copy to write (a file, or a folder to write it into)")
    backup.set_defaults(func=run)


def source_path(url: str) -> Path:
    """The SQLite file of the journal ``url``; raise ``BackupRefused`` for any other journal."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise BackupRefused("--db-url is not a database URL") from None
    path = sqlite_file(parsed)
    if path is None:
        if parsed.get_backend_name() == "sqlite":
            raise BackupRefused("an in-memory journal has nothing to back up")
        raise BackupRefused(
            f"backup copies SQLite journals; this journal is a {parsed.get_backend_name()} "
            f"database: use its own tools (for PostgreSQL, pg_dump)"
        )
    if not path.exists():
        raise BackupRefused(f"no journal at {path}")
    if path.is_dir():
        raise BackupRefused(f"the journal path {path} is a folder, not a SQLite file")
    return path


def target_path(given: str, source: Path, *, force: bool, now: datetime | None = None) -> Path:
    """Where the copy goes: ``given``, or a timestamped file inside it when it is a folder."""
    target = Path(given).expanduser()
    if target.is_dir():
        stamp = (now or datetime.now(timezone.utc)).strftime("%Y%m%d-%H%M%S")
        target = target / f"paper-{stamp}.db"
    journal_files = {source.resolve().with_name(source.name + suffix) for suffix in ("", "-wal", "-shm", ".lock")}
    if target.resolve() in journal_files:
        raise BackupRefused(f"{given} is the journal itself; choose another place for the copy")
    if target.exists() and not force:
        raise BackupRefused(f"{target} exists; choose a new name, or add --force to replace it")
    return target


def backup(source: Path, target: Path) -> tuple[int, int]:
    """Copy ``source`` to ``target`` (see the module docstring); return (trades, bytes) of the copy."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        src = sqlite3.connect(f"file:{quote(str(source))}?mode=ro", uri=True)
        try:
            dst = sqlite3.connect(tmp)
            try:
                src.backup(dst)  # one step: one consistent snapshot
                dst.execute("PRAGMA journal_mode=DELETE")
                if dst.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                    raise BackupRefused(
                        f"the copy of {source} fails SQLite's integrity check; the journal may be damaged"
                    )
                trades = _count_trades(dst)
            finally:
                dst.close()
        finally:
            src.close()
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return trades, target.stat().st_size


def _count_trades(connection: sqlite3.Connection) -> int:
    try:
        return int(connection.execute("SELECT count(*) FROM paper_trades").fetchone()[0])
    except sqlite3.OperationalError:
        return 0  # a SQLite file without a journal's tables: copied all the same


@guarded
def run(args: argparse.Namespace) -> int:
    """Write the backup; 0 on success, 2 (after one line) when it cannot be made."""
    settings = load_settings({k: v for k, v in vars(args).items() if k in ("db", "db_url", "config")})
    try:
        source = source_path(settings.database_url)
        check_journal(settings.database_url, journal_field(settings), writable=False)  # corrupt, foreign: one line
        target = target_path(args.path, source, force=args.force)
        trades, size = backup(source, target)
    except BackupRefused as exc:
        print(f"paper-terminal: cannot back up: {exc}", file=sys.stderr)
        return 2
    except sqlite3.DatabaseError as exc:
        print(
            f"paper-terminal: cannot back up {settings.db if not settings.db_url else 'the journal'}: "
            f"{str(exc).splitlines()[0] if str(exc) else type(exc).__name__}",
            file=sys.stderr,
        )
        return 2
    except OSError as exc:
        print(f"paper-terminal: cannot write {args.path}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    print(f"backed up {source} ({trades} trades) to {target} ({size:,} bytes)")
    return 0
