"""SqlJournal: trade round trip, upsert, atomic commits, account reset, queries, prices, signals."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from engine.errors import NotFound
from engine.journal import SqlJournal
from engine.journal import models as m
from engine.values import (
    Bar,
    CloseReason,
    OrderType,
    PatternPoint,
    Quote,
    Side,
    Signal,
    SignalStatus,
    Timeframe,
    TradeStatus,
)
from tests.kit import T0, closed, make_account, make_trade


@pytest.fixture
def journal(tmp_path):
    j = SqlJournal(f"sqlite:///{tmp_path / 'journal.db'}", durable=False)
    yield j
    j.close()


def _row_count(journal: SqlJournal, model) -> int:
    with journal.engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(model)).scalar_one()


def test_load_empty_journal_has_no_account_and_first_ids(journal):
    state = journal.load()
    assert state.account is None and state.active == []
    assert (state.next_trade_id, state.next_signal_id) == (1, 1)


def test_commit_trade_with_every_field_round_trips_exactly(journal):
    trade = make_trade(
        5,
        side=Side.SELL,
        order_type=OrderType.LIMIT,
        status=TradeStatus.PENDING,
        lots=Decimal("1.25"),
        requested_price=1.09,
        entry_price=None,
        trailing_pips=12.5,
        pnl=Decimal("-12.34"),
        commission=Decimal("3.50"),
        swap=Decimal("-0.07"),
        mfe_pips=3.2,
        mae_pips=-7.1,
        signal_id=42,
        comment="ünïcode ✓",
        expires_at=T0 + timedelta(hours=2),
        mirror_ticket="T-99",
        mirror_state="open",
    )
    journal.commit([trade], make_account())
    assert journal.trade(5) == trade
    assert journal.load().active == [trade]


def test_commit_same_id_twice_upserts_one_row(journal):
    trade = make_trade(1)
    journal.commit([trade], make_account())
    journal.commit([replace(trade, sl=1.0811)], make_account())
    assert _row_count(journal, m.PaperTrade) == 1
    assert journal.trade(1).sl == 1.0811


def test_commit_batch_keeps_last_version_of_each_trade(journal):
    first = make_trade(1)
    journal.commit([first, replace(first, tp=1.1), replace(first, tp=1.2)], make_account())
    assert journal.trade(1).tp == 1.2


def test_commit_partial_close_stores_child_pointing_at_parent(journal):
    parent = make_trade(1, lots=Decimal("0.30"))
    journal.commit([parent], make_account())
    remaining = replace(parent, lots=Decimal("0.20"))
    child = closed(make_trade(2, lots=Decimal("0.10"), parent_id=1), pnl="4.00", reason=CloseReason.PARTIAL)
    journal.commit([child, remaining], make_account("10004"))
    assert journal.trade(2).parent_id == 1
    assert journal.trade(1).lots == Decimal("0.20")
    assert journal.account().balance == Decimal("10004.00")


def test_commit_with_a_bad_record_stores_nothing(journal):
    journal.commit([], make_account())
    orphan = make_trade(3, parent_id=999)  # the parent does not exist: foreign key violation
    with pytest.raises(IntegrityError):
        journal.commit([make_trade(1), orphan], make_account("1"))
    assert _row_count(journal, m.PaperTrade) == 0
    assert journal.account().balance == Decimal("10000.00")


def test_reset_account_archives_old_account_and_keeps_its_trades(journal):
    journal.commit([make_trade(1), closed(make_trade(2), pnl="10.00")], make_account("10010"))
    journal.reset_account(make_account("5000", currency="EUR", leverage=30))
    state = journal.load()
    assert state.account is not None
    assert (state.account.balance, state.account.currency, state.account.leverage) == (Decimal("5000.00"), "EUR", 30)
    assert state.active == []
    assert state.next_trade_id == 3
    assert journal.trades() == ([], 0)
    assert _row_count(journal, m.PaperTrade) == 2
    archived = journal.archived_accounts()
    assert len(archived) == 1 and archived[0][1].balance == Decimal("10010.00")
    assert journal.trade(1).id == 1  # old trades stay readable by id


def test_trades_filters_pages_newest_first_with_total(journal):
    trades = [make_trade(i, symbol="EURUSD" if i % 2 else "USDJPY") for i in range(1, 8)]
    trades[0] = closed(trades[0], pnl="1.00")
    journal.commit(trades, make_account())
    items, total = journal.trades(limit=3, offset=1)
    assert total == 7 and [t.id for t in items] == [6, 5, 4]
    items, total = journal.trades(symbol="usdjpy")
    assert total == 3 and {t.symbol for t in items} == {"USDJPY"}
    items, total = journal.trades(status="closed")
    assert total == 1 and items[0].id == 1
    items, total = journal.trades(since=T0 + timedelta(minutes=5), until=T0 + timedelta(minutes=6))
    assert [t.id for t in items] == [6, 5]


def test_closed_trades_are_ordered_by_close_time(journal):
    a = closed(make_trade(1), pnl="1.00", minutes=90)
    b = closed(make_trade(2), pnl="2.00", minutes=5)
    journal.commit([a, b, make_trade(3)], make_account())
    assert [t.id for t in journal.closed_trades()] == [2, 1]


def test_trade_unknown_id_raises_not_found(journal):
    with pytest.raises(NotFound) as info:
        journal.trade(404)
    assert info.value.field == "id"


_MONEY_JOURNAL: list[SqlJournal] = []


@settings(max_examples=40, deadline=None)
@given(st.decimals(min_value=Decimal("-99999999999.99"), max_value=Decimal("99999999999.99"), places=2))
def test_money_round_trips_to_the_cent(value):
    if not _MONEY_JOURNAL:
        _MONEY_JOURNAL.append(SqlJournal("sqlite://"))
    journal = _MONEY_JOURNAL[0]
    journal.commit([closed(make_trade(1), pnl=str(value))], make_account(balance=str(abs(value) + 1)))
    assert journal.trade(1).pnl == value
    assert journal.account().balance == abs(value) + 1


def test_save_bars_upserts_and_load_bars_returns_latest_oldest_first(journal):
    bars = [Bar("EURUSD", Timeframe.M1, T0 + timedelta(minutes=i), 1.0, 1.2, 0.9, 1.1, 3) for i in range(5)]
    journal.save_bars(bars, "sim")
    journal.save_bars([replace(bars[-1], close=1.15)], "sim")
    loaded = journal.load_bars("EURUSD", Timeframe.M1, limit=3)
    assert [b.time for b in loaded] == [b.time for b in bars[2:]]
    assert loaded[-1].close == 1.15
    assert journal.load_bars("EURUSD", Timeframe.H1) == []


def test_last_quotes_keep_newest_per_symbol_marked_stale(journal):
    journal.save_quote(Quote("EURUSD", 1.1, 1.1001, T0, "sim"))
    journal.save_quote(Quote("EURUSD", 1.2, 1.2001, T0 + timedelta(seconds=1), "sim"))
    journal.save_quotes([Quote("USDJPY", 150.0, 150.01, T0, "yahoo")])
    quotes = journal.last_quotes()
    assert [(q.symbol, q.bid, q.stale) for q in quotes] == [("EURUSD", 1.2, True), ("USDJPY", 150.0, True)]


def test_signals_round_trip_with_pattern_and_status_filter(journal):
    pattern = {"name": "gartley", "points": [PatternPoint("X", T0, 1.08), PatternPoint("A", T0, 1.09)]}
    signal = Signal(
        None,
        "EURUSD",
        Side.BUY,
        1.085,
        1.08,
        1.095,
        0.7,
        "harmonic",
        Timeframe.H1,
        T0,
        T0 + timedelta(minutes=30),
        pattern=pattern,
    )
    stored = journal.commit([], None, [signal])
    assert stored[0].id == 1 and stored[0].pattern == pattern
    journal.commit([], None, [replace(stored[0], status=SignalStatus.EXECUTED, trade_id=9)])
    assert journal.signals(status="new") == []
    assert journal.signal(1).trade_id == 9
    assert journal.load().next_signal_id == 2


def test_save_metrics_keeps_snapshots_of_current_account(journal):
    journal.commit([], make_account())
    journal.save_metrics({"net_profit": 1.5})
    journal.save_metrics({"net_profit": 2.5})
    assert journal.latest_metrics() == {"net_profit": 2.5}


def test_secrets_are_not_part_of_the_schema(journal):
    columns = {c.name for table in m.Base.metadata.tables.values() for c in table.columns}
    assert not {name for name in columns if "token" in name or "key" in name or "password" in name}
