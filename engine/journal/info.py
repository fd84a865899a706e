"""Facts the journal keeps about itself (table ``journal_info``).

``schema_written_by`` is ``paper-terminal X.Y.Z``, the version that last
migrated the schema. It is written in the migration's own transaction, so a
journal at its newest revision is never written just because it was opened;
an older version that meets a revision it does not know reads it to say which
version wrote the journal (``engine.journal.preflight``).

``event_seq`` is the highest event sequence number the engine has recorded
(``engine.bus``): the next run numbers its events above it.

``sim_past`` is how the simulator invented the past before this journal's
first start (``datafeeds.sim.resume.SimPast``): every restart generates the
same past from it.
"""

from __future__ import annotations

from importlib import metadata

from sqlalchemy import Connection, inspect, text

SCHEMA_WRITTEN_BY = "schema_written_by"
EVENT_SEQ = "event_seq"
SIM_PAST = "sim_past"
TABLE = "journal_info"


def app_version() -> str:
    """This program's version from the package metadata (``0.0.0`` when not installed)."""
    try:
        return metadata.version("paper-terminal")
    except metadata.PackageNotFoundError:
        return "0.0.0"


def record_schema_writer(connection: Connection) -> None:
    """Note this version as the schema's writer (inside the migration's transaction; no-op before 0003)."""
    if TABLE not in inspect(connection).get_table_names():
        return
    writer = f"paper-terminal {app_version()}"
    connection.execute(text(f"DELETE FROM {TABLE} WHERE name = :name"), {"name": SCHEMA_WRITTEN_BY})
    connection.execute(
        text(f"INSERT INTO {TABLE} (name, value) VALUES (:name, :value)"), {"name": SCHEMA_WRITTEN_BY, "value": writer}
    )


def schema_writer(connection: Connection, tables: set[str]) -> str | None:
    """Who last migrated the schema, or None when the journal does not say."""
    if TABLE not in tables:
        return None
    value = connection.execute(
        text(f"SELECT value FROM {TABLE} WHERE name = :name"), {"name": SCHEMA_WRITTEN_BY}
    ).scalar()
    return str(value)[:100] if value else None


def event_seq(connection: Connection) -> int:
    """The highest event sequence number recorded (``record_event_seq``); 0 when none is."""
    value = connection.execute(text(f"SELECT value FROM {TABLE} WHERE name = :name"), {"name": EVENT_SEQ}).scalar()
    try:
        return int(value) if value else 0
    except ValueError:  # a hand-edited value: the wall clock alone decides (engine.bus)
        return 0


def record_event_seq(connection: Connection, seq: int) -> None:
    """Record ``seq`` as the highest event sequence number (inside the caller's transaction)."""
    record(connection, EVENT_SEQ, str(seq))


def record(connection: Connection, name: str, value: str) -> None:
    """Set fact ``name`` to ``value`` (inside the caller's transaction)."""
    connection.execute(text(f"DELETE FROM {TABLE} WHERE name = :name"), {"name": name})
    connection.execute(
        text(f"INSERT INTO {TABLE} (name, value) VALUES (:name, :value)"), {"name": name, "value": value}
    )


def fact(connection: Connection, name: str) -> str | None:
    """The value of fact ``name``, or None when the journal has none."""
    value = connection.execute(text(f"SELECT value FROM {TABLE} WHERE name = :name"), {"name": name}).scalar()
    return None if value is None else str(value)
