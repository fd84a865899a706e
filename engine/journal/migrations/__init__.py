"""Alembic migration scripts of the journal (run programmatically by ``engine.journal.schema``)."""
