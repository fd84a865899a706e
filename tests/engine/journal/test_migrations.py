"""Schema migrations: from empty to head, idempotent reopen, upgrade from revision 0001."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from engine.journal import SqlJournal
from engine.journal.models import Base
from engine.journal.schema import create_db_engine, current_revision, head_revision, upgrade


def _url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'journal.db'}"


def test_upgrade_empty_database_creates_every_table(tmp_path):
    engine = create_db_engine(_url(tmp_path))
    assert current_revision(engine) is None
    upgrade(engine)
    tables = set(inspect(engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    assert "alembic_version" in tables
    assert current_revision(engine) == head_revision()


def test_migrated_schema_matches_the_models(tmp_path):
    engine = create_db_engine(_url(tmp_path))
    upgrade(engine)
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diff == []


def test_reopen_at_head_is_a_no_op_and_keeps_data(tmp_path):
    url = _url(tmp_path)
    from tests.kit import make_account, make_trade

    first = SqlJournal(url)
    first.commit([make_trade(1)], make_account())
    first.close()
    second = SqlJournal(url)
    assert current_revision(second.engine) == head_revision()
    assert [t.id for t in second.load().active] == [1]
    with second.engine.connect() as connection:
        assert connection.execute(text("select count(*) from alembic_version")).scalar() == 1


def test_database_at_revision_0001_upgrades_keeping_its_rows(tmp_path):
    url = _url(tmp_path)
    engine = create_db_engine(url)
    upgrade(engine, "0001")
    assert "price_cache" not in inspect(engine).get_table_names()
    with engine.begin() as connection:
        connection.execute(
            text(
                "insert into accounts (id, currency, leverage, initial_balance, balance, equity, margin, free_margin,"
                " created_at, updated_at) values (1, 'USD', 100, 1000000, 1012345, 1012345, 0, 1012345,"
                " '2026-11-24 17:00:00', '2026-11-24 17:00:00')"
            )
        )
        connection.execute(
            text(
                "insert into paper_trades (id, account_id, symbol, side, order_type, status, lots, entry_price,"
                " open_time, pips, pnl, commission, swap, mfe_pips, mae_pips, comment) values (7, 1, 'EURUSD',"
                " 'buy', 'market', 'open', '0.10', 1.085, '2026-11-24 17:00:00', 0, 0, 70, 0, 0, 0, '')"
            )
        )
    engine.dispose()

    journal = SqlJournal(url)
    assert current_revision(journal.engine) == head_revision()
    state = journal.load()
    assert state.account is not None and str(state.account.balance) == "10123.45"
    assert [(t.id, t.mirror_ticket, str(t.commission)) for t in state.active] == [(7, None, "0.70")]
    assert state.next_trade_id == 8
    assert {"price_cache", "performance_metrics"} <= set(inspect(journal.engine).get_table_names())


def test_models_compile_for_postgresql():
    from sqlalchemy.dialects import postgresql
    from sqlalchemy.schema import CreateIndex, CreateTable

    dialect = postgresql.dialect()
    for table in Base.metadata.sorted_tables:
        ddl = str(CreateTable(table).compile(dialect=dialect))
        assert table.name in ddl
        for index in table.indexes:
            str(CreateIndex(index).compile(dialect=dialect))
    assert "BIGINT" in str(CreateTable(Base.metadata.tables["accounts"]).compile(dialect=dialect))


def test_head_revision_constant_is_the_scripts_head():
    from engine.journal.schema import HEAD_REVISION

    assert head_revision() == HEAD_REVISION


def test_current_revision_reads_what_alembic_reads(tmp_path):
    engine = create_db_engine(_url(tmp_path))
    upgrade(engine, "0001")
    with engine.connect() as connection:
        assert current_revision(engine) == MigrationContext.configure(connection).get_current_revision() == "0001"


def test_sqlite_migration_is_seen_by_other_connections_all_at_once(tmp_path):
    """Another process never sees half a schema (it would take the file for a foreign one)."""
    import sqlite3

    from sqlalchemy import event

    from engine.journal.schema import create_db_engine, upgrade

    path = tmp_path / "paper.db"
    engine = create_db_engine(f"sqlite:///{path}")
    seen: list[set[str]] = []

    @event.listens_for(engine, "after_cursor_execute")
    def look(_conn, _cursor, statement, *_args):  # SQLAlchemy's event signature
        if statement.lstrip().upper().startswith("CREATE TABLE"):
            other = sqlite3.connect(path, timeout=0.1)
            try:
                seen.append({row[0] for row in other.execute("SELECT name FROM sqlite_master WHERE type='table'")})
            finally:
                other.close()

    upgrade(engine)
    engine.dispose()
    assert len(seen) >= 3 and all(tables == set() for tables in seen), seen
    other = sqlite3.connect(path)
    assert "paper_trades" in {row[0] for row in other.execute("SELECT name FROM sqlite_master")}
    other.close()
