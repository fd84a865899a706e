"""Open the journal's database and bring its schema to the newest revision.

SQLite is opened in WAL mode with foreign keys on. ``durable=True`` (live
trading) sets ``synchronous=FULL``: a committed transaction survives a power
loss. ``durable=False`` (replay, tests) sets ``synchronous=NORMAL``: still
crash-safe for the process (WAL), faster, but the last commits may be lost
on a power cut. Other backends (PostgreSQL) use their own durability.
``read_only=True`` (``--read-only``) leaves the journal mode alone and sets
``query_only``, so that not even a stray statement can write.

Creating and migrating the schema is serialised between processes
(``ensure_schema``): on a SQLite file under the journal's file lock
(``engine.journal.lock``), on PostgreSQL under a transaction-scoped advisory
lock. A clean stop checkpoints SQLite's write-ahead log into the database file
(``checkpoint``), so that ``paper.db`` alone holds everything.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.pool import StaticPool

from engine.errors import JournalNotUsable
from engine.journal.lock import JournalLock

if TYPE_CHECKING:
    from alembic.config import Config

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
# The newest migration's revision id. A journal already there opens without importing Alembic
# (a good part of every ``report``'s start-up); tests/engine/journal/test_migrations.py checks it
# is the head of the migration scripts, so a new migration must bump it.
HEAD_REVISION = "0003"
# PostgreSQL advisory lock key of schema migrations (any constant shared by every process).
PG_MIGRATION_LOCK_KEY = 0x7061706572  # "paper"
MIGRATION_WAIT_SECONDS = 60.0


def sqlite_file(url: str | URL) -> Path | None:
    """The file of a SQLite URL (``sqlite:///path``, ``sqlite:///file:path?uri=true``); None otherwise.

    In-memory databases and other backends have no file.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    database = parsed.database or ""
    if database in ("", ":memory:") or database.startswith("file::memory:") or "mode=memory" in str(parsed):
        return None
    if database.startswith("file:"):
        database = database.removeprefix("file:")
    return Path(database).expanduser().absolute()


def create_db_engine(url: str, *, durable: bool = True, read_only: bool = False) -> Engine:
    """Create the SQLAlchemy engine for ``url`` (any SQLAlchemy URL).

    A SQLite file's parent folder is created when missing (not when
    ``read_only``). In-memory SQLite uses one shared connection so that every
    thread sees the same database.
    """
    parsed = make_url(url)
    kwargs: dict[str, Any] = {}
    if parsed.get_backend_name() == "sqlite":
        kwargs["connect_args"] = {"check_same_thread": False}
        path = sqlite_file(parsed)
        if path is None:
            kwargs["poolclass"] = StaticPool
        elif not read_only:
            path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(parsed, **kwargs)
    if parsed.get_backend_name() == "sqlite":
        _configure_sqlite(engine, durable=durable, read_only=read_only)
    return engine


def _configure_sqlite(engine: Engine, *, durable: bool, read_only: bool) -> None:
    synchronous = "FULL" if durable else "NORMAL"

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        try:
            if read_only:
                cursor.execute("PRAGMA query_only=ON")
            else:
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute(f"PRAGMA synchronous={synchronous}")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=5000")
        finally:
            cursor.close()


def checkpoint(engine: Engine) -> None:
    """Copy a SQLite journal's write-ahead log into the database file and empty it (TRUNCATE).

    A no-op on other backends. Readers still inside a transaction (another
    process reading the journal) may keep part of the log; that is logged, not raised.
    """
    if engine.dialect.name != "sqlite" or sqlite_file(engine.url) is None:
        return
    with engine.connect() as connection:
        busy, frames, copied = connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()
    if busy:
        log.info("journal checkpoint: %s of %s log pages copied (a reader is still open)", copied, frames)


def alembic_config() -> Config:
    """Return an Alembic config pointing at the packaged migration scripts."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def head_revision() -> str:
    """Return the newest revision id of the packaged migrations (read from the scripts)."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """Return the database's revision (Alembic's ``alembic_version`` row), or None for an empty database."""
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        rows = connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    if len(rows) > 1:
        raise RuntimeError(f"the journal has several schema revisions: {', '.join(rows)}")
    return rows[0] if rows else None


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate the database to ``revision`` (default: the newest); a no-op when there.

    On PostgreSQL the migration holds an advisory lock for its transaction and
    looks at the revision again once it has it, so concurrent starts migrate once.
    """
    if revision == "head" and current_revision(engine) == HEAD_REVISION:
        return
    from alembic import command
    from alembic.runtime.migration import MigrationContext

    config = alembic_config()
    with engine.begin() as connection:
        if connection.dialect.name == "sqlite":
            # pysqlite sends no BEGIN before DDL, so each CREATE TABLE would commit alone and
            # another process could see half a schema (its start-up check then called the file
            # foreign). One IMMEDIATE transaction makes the whole migration appear at once.
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PG_MIGRATION_LOCK_KEY})
            if revision == "head" and MigrationContext.configure(connection).get_current_revision() == HEAD_REVISION:
                return
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def ensure_schema(engine: Engine, lock: JournalLock | None, wait: float = MIGRATION_WAIT_SECONDS) -> None:
    """Bring the schema to the newest revision, one process at a time.

    Without a file lock (in-memory SQLite, PostgreSQL) this is ``upgrade``.
    With one: a journal already at the newest revision is left alone (no lock
    needed); otherwise the migration runs under the lock. When another process
    holds the lock (a running terminal, or a process migrating right now), this
    waits up to ``wait`` seconds for that process to bring the schema up to date
    and raises ``JournalNotUsable`` if it does not.
    """
    if lock is None:
        upgrade(engine)
        return
    head = HEAD_REVISION
    if current_revision(engine) == head:
        return
    if lock.held:
        upgrade(engine)
        return
    try:
        acquired = lock.acquire()
    except OSError as exc:
        raise JournalNotUsable(f"cannot create the journal's lock file {lock.path}: {exc.strerror or exc}") from None
    if acquired:
        try:
            upgrade(engine)
        finally:
            lock.release()
        return
    deadline = time.monotonic() + wait
    while current_revision(engine) != head:
        if time.monotonic() >= deadline:
            holder = lock.holder()
            who = f"process {holder}" if holder is not None else "another process"
            raise JournalNotUsable(
                f"the journal {lock.database} is held by {who}, which has not brought it "
                f"to this version's schema; close that process and try again"
            )
        time.sleep(0.1)
