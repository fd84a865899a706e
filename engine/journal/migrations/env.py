"""Alembic environment: migrate the connection handed over by ``engine.journal.schema``."""

from __future__ import annotations

from alembic import context

from engine.journal.info import record_schema_writer
from engine.journal.models import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only the programmatic path is supported
    raise RuntimeError("run journal migrations through engine.journal.schema.upgrade()")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
    record_schema_writer(connection)  # which version wrote this schema (engine.journal.info)
