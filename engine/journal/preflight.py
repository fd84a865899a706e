"""Check a journal before it is opened: one clear reason when this version cannot use it.

``check_journal(url, field)`` only reads. It never creates, migrates or writes
the database, so a journal it refuses stays byte-identical. It raises
``JournalUnusable`` with a one-line message naming the cause and the path or
setting (``field`` is ``db`` or ``db_url``) for:

- a URL that does not parse, names an unknown dialect, needs a driver that is
  not installed, or points at a server that does not answer (within
  ``CONNECT_TIMEOUT`` seconds);
- a SQLite path that is a directory, lies under a file, or whose folder cannot
  be written (SQLite keeps ``-wal`` and ``-shm`` files next to the journal);
- a file that is not a SQLite database, is shorter than its header says
  (truncated), or fails ``PRAGMA quick_check`` (damaged);
- a schema revision this version does not know (a newer version wrote it;
  ``journal_info`` says which), tables without a paper-terminal revision (another
  program's ``paper_trades``), or a newest-revision schema missing columns.

An empty or missing SQLite file is fine: it becomes a new journal.
"""

from __future__ import annotations

import functools
import os
import sqlite3
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import Connection, Engine, create_engine, inspect, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, SQLAlchemyError
from sqlalchemy.pool import NullPool

from engine.errors import PermanentError
from engine.journal.info import app_version, schema_writer

SQLITE_MAGIC = b"SQLite format 3\x00"
SQLITE_HEADER_BYTES = 100
CONNECT_TIMEOUT = 5
_FLAGS = {"db": "--db", "db_url": "--db-url"}


class JournalUnusable(PermanentError):
    """This version cannot use the journal; ``message`` is one line, ``field`` the setting to change."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def check_journal(url: str, field: str = "db", *, writable: bool = True) -> None:
    """Raise ``JournalUnusable`` when the journal at ``url`` cannot be opened by this version (reads only).

    ``writable=False`` (a viewer that will never write) skips the check that the
    journal's folder can be written.
    """
    parsed = _parse_url(url) if field == "db_url" else make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database in ("", ":memory:") or database.startswith("file::memory:"):
            return
        path = Path(database).expanduser()
        if not _check_sqlite_path(path, field, writable):
            return
        engine = create_engine("sqlite://", creator=functools.partial(_open_read_only, path), poolclass=NullPool)
        where = f"the journal {path}"
    else:
        engine = _server_engine(parsed)
        where = f"the database {parsed.render_as_string(hide_password=True)}"
    try:
        _check_schema(engine, where, field)
    finally:
        engine.dispose()


# -- URLs and servers ---------------------------------------------------------------------------


def _parse_url(url: str) -> URL:
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        raise JournalUnusable(
            "--db-url is not a database URL (e.g. sqlite:////path/paper.db or postgresql+psycopg://user@host/paper)",
            "db_url",
        ) from None
    try:
        dialect = parsed.get_dialect()
    except NoSuchModuleError:
        raise JournalUnusable(
            f"--db-url names an unknown database dialect or driver {parsed.drivername!r} "
            "(use sqlite or postgresql+psycopg)",
            "db_url",
        ) from None
    try:
        dialect.import_dbapi()
    except ImportError as exc:
        module = exc.name or parsed.drivername
        hint = " (pip install 'paper-terminal[postgres]')" if parsed.get_backend_name() == "postgresql" else ""
        raise JournalUnusable(
            f"--db-url needs the database driver {module!r}, which is not installed{hint}", "db_url"
        ) from None
    return parsed


def _server_engine(parsed: URL) -> Engine:
    """An engine for one short connection to a database server; refuse when it does not answer."""
    connect_args: dict[str, Any] = {}
    if parsed.get_backend_name() == "postgresql":
        connect_args["connect_timeout"] = CONNECT_TIMEOUT
    engine = create_engine(parsed, poolclass=NullPool, connect_args=connect_args)
    try:
        with engine.connect():
            pass
    except (DBAPIError, OSError) as exc:
        engine.dispose()
        place = f"{parsed.host or 'localhost'}{':' + str(parsed.port) if parsed.port else ''}"
        reason = driver_reason(exc, parsed.password)
        raise JournalUnusable(
            f"--db-url: cannot reach the {parsed.get_backend_name()} server at {place}: {reason}", "db_url"
        ) from None
    return engine


def driver_reason(exc: BaseException, secret: str | None = None) -> str:
    """The driver's own first line: without SQLAlchemy's statement, parameters and links, never ``secret``."""
    original = getattr(exc, "orig", None) or exc
    lines = [line.strip() for line in str(original).splitlines() if line.strip()]
    reason = lines[0] if lines else type(original).__name__
    if secret:
        reason = reason.replace(secret, "***")
    return reason[:200]


# -- SQLite files -------------------------------------------------------------------------------


def _check_sqlite_path(path: Path, field: str, writable: bool = True) -> bool:
    """Refuse a path that cannot hold a journal; True when a (non-empty) file is there to inspect."""
    flag = _FLAGS.get(field, field)
    try:
        if path.is_dir():
            raise JournalUnusable(f"{flag} {path} is a directory, not a journal file", field)
        ancestor = path.parent
        while not ancestor.exists() and ancestor != ancestor.parent:
            ancestor = ancestor.parent
        if not ancestor.is_dir():
            raise JournalUnusable(f"{flag} {path} lies under {ancestor}, which is a file, not a folder", field)
        if not path.exists():
            if not _can_write_in(ancestor):
                raise JournalUnusable(
                    f"{flag} {path}: cannot create the journal, the folder {ancestor} is read-only", field
                )
            return False
        if not path.is_file():
            raise JournalUnusable(f"{flag} {path} is not a regular file", field)
        with path.open("rb") as handle:
            header = handle.read(SQLITE_HEADER_BYTES)
        size = path.stat().st_size
    except PermissionError as exc:
        raise JournalUnusable(f"{flag} {path}: permission denied ({exc.strerror or exc})", field) from None
    except JournalUnusable:
        raise
    except OSError as exc:
        raise JournalUnusable(f"{flag} {path}: {exc.strerror or exc}", field) from None
    if not header:
        if not _can_write_in(path.parent):
            raise JournalUnusable(f"{flag} {path}: the folder {path.parent} is read-only", field)
        return False  # an empty file is a new journal
    if not header.startswith(SQLITE_MAGIC):
        raise JournalUnusable(
            f"{flag} {path} is not a SQLite database (a paper-terminal journal is one); give another file", field
        )
    expected = _size_in_header(header)
    if expected is not None and size < expected:
        raise JournalUnusable(
            f"{flag} {path} is truncated: {size} of {expected} bytes; restore it from a backup or give another file",
            field,
        )
    if writable and not _can_write_in(path.parent):
        raise JournalUnusable(
            f"{flag} {path}: the folder {path.parent} is read-only, and SQLite needs to "
            f"write {path.name}-wal and {path.name}-shm next to the journal",
            field,
        )
    return True


def _size_in_header(header: bytes) -> int | None:
    """The database size its header states (page size × page count), or None when the header does not say.

    SQLite trusts the in-header page count only when the change counter (bytes
    24-27) equals its "version-valid-for" copy (bytes 92-95).
    """
    if len(header) < SQLITE_HEADER_BYTES:
        return SQLITE_HEADER_BYTES  # not even a whole header: truncated
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    if pages == 0 or header[24:28] != header[92:96]:
        return None
    return page_size * pages


def _can_write_in(folder: Path) -> bool:
    """True when a file can be created in ``folder`` (tried, then removed: ``os.access`` misjudges root)."""
    try:
        fd, probe = tempfile.mkstemp(prefix=".paper-terminal-probe-", dir=folder)
    except OSError:
        return False
    os.close(fd)
    try:
        os.unlink(probe)
    except OSError:
        pass
    return True


def _open_read_only(path: Path) -> sqlite3.Connection:
    """Open without writing: ``immutable`` when no ``-wal`` is waiting (nothing else to read, and no
    ``-wal``/``-shm`` files are left behind), else read-only through the WAL."""
    wal_waiting = Path(f"{path}-wal").exists()
    mode = "mode=ro" if wal_waiting else "immutable=1"
    connection = sqlite3.connect(f"file:{quote(str(path))}?{mode}", uri=True, check_same_thread=False)
    connection.execute("PRAGMA query_only=1")
    return connection


# -- schema -------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def known_revisions() -> frozenset[str]:
    """Every revision id of the packaged migrations."""
    from alembic.script import ScriptDirectory

    from engine.journal.schema import alembic_config

    script = ScriptDirectory.from_config(alembic_config())
    return frozenset(rev.revision for rev in script.walk_revisions())


def _check_schema(engine: Engine, where: str, field: str) -> None:
    flag = _FLAGS.get(field, field)
    try:
        with engine.connect() as connection:
            if connection.dialect.name == "sqlite":
                problems = [str(row[0]) for row in connection.exec_driver_sql("PRAGMA quick_check(3)")]
                if problems != ["ok"]:
                    raise JournalUnusable(
                        f"{where} is damaged ({problems[0][:120]}); restore it from a backup "
                        f"or give {flag} another file",
                        field,
                    )
            tables = set(inspect(connection).get_table_names())
            if not tables:
                return
            _check_revision(connection, tables, where, flag, field)
    except JournalUnusable:
        raise
    except SQLAlchemyError as exc:
        raise JournalUnusable(
            f"{where} is damaged or unreadable ({driver_reason(exc)}); restore it from a backup "
            f"or give {flag} another file",
            field,
        ) from None


def _check_revision(connection: Connection, tables: set[str], where: str, flag: str, field: str) -> None:
    revision = None
    if "alembic_version" in tables:
        revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    if revision is None:
        shown = ", ".join(sorted(tables - {"alembic_version"})[:4])
        raise JournalUnusable(
            f"{where} holds tables of another program ({shown}) and no paper-terminal schema "
            f"revision; give {flag} a new file",
            field,
        )
    from engine.journal.schema import HEAD_REVISION

    if revision == HEAD_REVISION:  # the usual case, decided without importing Alembic
        _check_columns(connection, tables, where, flag, field)
        return
    if revision not in known_revisions():
        writer = schema_writer(connection, tables)
        by = f"written by {writer}" if writer else "written by a newer paper-terminal or another program"
        raise JournalUnusable(
            f"{where} has schema revision {str(revision)[:40]!r}, {by}; this is paper-terminal "
            f"{app_version()}, which knows revisions up to {HEAD_REVISION}: upgrade "
            f"paper-terminal or give {flag} another file",
            field,
        )


def _check_columns(connection: Connection, tables: set[str], where: str, flag: str, field: str) -> None:
    """At the newest revision every model table must have its columns (else it is not our schema)."""
    from engine.journal.models import Base

    inspector = inspect(connection)
    for name, table in Base.metadata.tables.items():
        if name not in tables:
            raise JournalUnusable(
                f"{where} lacks the table {name}: it was not written by paper-terminal; give {flag} a new file", field
            )
        present = {column["name"] for column in inspector.get_columns(name)}
        missing = [column.name for column in table.columns if column.name not in present]
        if missing:
            raise JournalUnusable(
                f"{where}: its table {name} lacks {', '.join(missing[:4])}: it was not written "
                f"by paper-terminal; give {flag} a new file",
                field,
            )
