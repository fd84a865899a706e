"""The journal on PostgreSQL (runs when PAPER_TERMINAL_TEST_PG_URL names a scratch database)."""

from __future__ import annotations

import os
from dataclasses import replace

import pytest
from sqlalchemy import text

from engine.journal import SqlJournal
from tests.kit import closed, make_account, make_engine, make_trade

PG_URL = os.environ.get("PAPER_TERMINAL_TEST_PG_URL")

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not PG_URL, reason="set PAPER_TERMINAL_TEST_PG_URL to a scratch PostgreSQL database"),
]


@pytest.fixture
def pg_journal():
    assert PG_URL is not None
    journal = SqlJournal(PG_URL)
    yield journal
    with journal.engine.begin() as connection:
        connection.execute(
            text(
                "DROP TABLE IF EXISTS performance_metrics, price_cache, paper_trades, signals, "
                "accounts, journal_info, alembic_version CASCADE"
            )
        )
    journal.close()


def test_postgres_journal_round_trip_upsert_and_reset(pg_journal):
    trade = make_trade(1)
    pg_journal.commit([trade], make_account())
    pg_journal.commit([closed(replace(trade), pnl="-3.21")], make_account("9996.79"))
    assert pg_journal.trade(1).pnl == closed(trade, pnl="-3.21").pnl
    pg_journal.reset_account(make_account("500"))
    assert pg_journal.load().next_trade_id == 2
    assert pg_journal.trades() == ([], 0)


def test_postgres_prices_signals_metrics_and_filters(pg_journal):
    from datetime import timedelta

    from engine.values import Bar, Quote, Side, Signal, Timeframe
    from tests.kit import T0

    pg_journal.commit([make_trade(1), make_trade(2, symbol="USDJPY")], make_account())
    items, total = pg_journal.trades(symbol="USDJPY", since=T0)
    assert total == 1 and items[0].id == 2
    bar = Bar("EURUSD", Timeframe.M1, T0, 1.0, 1.2, 0.9, 1.1, 3)
    pg_journal.save_bars([bar, bar], "sim")
    assert pg_journal.load_bars("EURUSD", Timeframe.M1) == [bar]
    pg_journal.save_quote(Quote("EURUSD", 1.1, 1.1001, T0, "sim"))
    assert pg_journal.last_quotes()[0].bid == 1.1
    signal = Signal(
        None, "EURUSD", Side.BUY, 1.085, 1.08, 1.095, 0.7, "ml", Timeframe.H1, T0, T0 + timedelta(minutes=30)
    )
    stored = pg_journal.commit([], None, [signal, signal])
    assert [s.id for s in stored] == [1, 2] and pg_journal.signal_sources([1]) == {1: "ml"}
    pg_journal.save_metrics({"net_profit": 1.5})
    assert pg_journal.latest_metrics() == {"net_profit": 1.5}


async def test_postgres_engine_restart_keeps_watching_sl(pg_journal):
    from engine.broker import OrderRequest
    from engine.service import TradingEngine
    from engine.values import Quote, Side, TradeStatus
    from tests.kit import T0

    assert PG_URL is not None

    def engine() -> TradingEngine:
        return make_engine(SqlJournal(PG_URL), flush_interval=3600)

    first = engine()
    await first.start()
    await first.on_quote(Quote("EURUSD", 1.085, 1.0851, T0))
    from decimal import Decimal

    trade = await first.place_order(OrderRequest("EURUSD", Side.BUY, lots=Decimal("0.10"), sl=1.08))
    await first.stop()
    second = engine()
    await second.start()
    await second.on_quote(Quote("EURUSD", 1.0799, 1.08, T0))
    await second.stop()
    stored = pg_journal.trade(trade.id)
    assert stored.status is TradeStatus.CLOSED
    assert pg_journal.account().balance == Decimal("10000") + stored.net


def test_postgres_migrated_schema_matches_the_models(pg_journal):
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from engine.journal.models import Base

    with pg_journal.engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []


def test_postgres_preflight_accepts_ours_and_names_a_newer_writer(pg_journal):
    """``check_journal`` on a server: our schema passes; an unknown revision names the version that wrote it."""
    from engine.journal.preflight import JournalUnusable, check_journal

    check_journal(PG_URL, "db_url")
    with pg_journal.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0099'"))
        connection.execute(text("UPDATE journal_info SET value = 'paper-terminal 9.1.0'"))
    with pytest.raises(JournalUnusable) as info:
        check_journal(PG_URL, "db_url")
    assert "written by paper-terminal 9.1.0" in info.value.message and info.value.field == "db_url"
