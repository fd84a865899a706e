"""The journal and memory never disagree: failed writes, retries, read-only journals, old quotes.

Faults are injected into a real ``SqlJournal`` (``tests.engine.journal_faults``);
the issue's own trigger (an order expiring 9999-12-31T23:59:59-12:00, whose
INSERT overflows) is reproduced at the engine as well.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from engine.broker import BrokerConfig, OrderRequest, PaperBroker
from engine.bus import EventBus
from engine.errors import JournalReadOnly, JournalUnavailable, OrderRejectedError
from engine.events import JournalStateChanged, OrderPlaced, PriceUpdated, TradeClosed, TradeOpened
from engine.journal import SqlJournal
from engine.service import TradingEngine
from engine.service_journal import Backlog, FailureLog, JournalState, describe
from engine.values import OrderType, Quote, Side, Timeframe, TradeStatus
from tests.engine.journal_faults import FlakyJournal, ReadOnlySwitch
from tests.kit import Recorder, make_engine

T0 = datetime(2026, 11, 24, 10, 0, tzinfo=timezone.utc)


def quote(bid: float, seconds: float = 0.0, symbol: str = "EURUSD") -> Quote:
    return Quote(symbol, bid, round(bid + 0.0001, 5), T0 + timedelta(seconds=seconds), "test")


def buy(sl: float | None = 1.08000, tp: float | None = 1.09500, lots: str = "0.10") -> OrderRequest:
    return OrderRequest("EURUSD", Side.BUY, lots=Decimal(lots), sl=sl, tp=tp)


def make(journal: SqlJournal, **kwargs) -> TradingEngine:
    kwargs.setdefault("flush_interval", 3600)
    return make_engine(journal, **kwargs)


async def wait_for(condition, timeout: float = 10.0) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.01)


@pytest.fixture
def url(tmp_path):
    return f"sqlite:///{tmp_path / 'paper.db'}"


def stored(url: str) -> dict[int, TradeStatus]:
    journal = SqlJournal(url)
    try:
        return {t.id: t.status for t in journal.all_trades()}
    finally:
        journal.close()


# -- a command whose write fails is not applied ---------------------------------------------------


async def test_limit_order_expiring_in_year_9999_is_not_applied_and_later_orders_are(url, caplog):
    """The issue's scenario. The date is now refused at the edge (engine.bounds) before the journal sees it;
    nothing stays in memory either way, and the next orders are journalled."""
    e = make(SqlJournal(url, durable=False))
    recorder = Recorder(e.bus)
    await e.start()
    await e.on_quote(quote(1.08500))
    before = e.account()
    far = datetime.fromisoformat("9999-12-31T23:59:59-12:00")
    with pytest.raises(OrderRejectedError) as info:
        await e.place_order(
            OrderRequest("EURUSD", Side.BUY, OrderType.LIMIT, lots=Decimal("1"), price=1.0, expires_at=far)
        )
    assert (info.value.field, info.value.code) == ("expires_at", "time_out_of_range")
    assert e.active_trades() == [] and e.account() == before and recorder.of(OrderPlaced) == []
    assert e.journal_status().state is JournalState.OK  # the journal itself takes writes: only that order failed
    caplog.clear()
    with caplog.at_level(logging.ERROR):
        trades = [await e.place_order(buy()) for _ in range(3)]
        for i in range(200):
            await e.on_quote(quote(1.08500 + (i % 7) * 1e-5, 1 + i))
    assert [t.status for t in trades] == [TradeStatus.OPEN] * 3
    assert [t.id for t in (await e.list_trades(status="open"))[0]] == [t.id for t in reversed(trades)]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]  # nothing is retried per quote
    await e.stop()
    assert stored(url) == {t.id: TradeStatus.OPEN for t in trades}


async def test_command_refused_by_a_read_only_file_is_rolled_back_and_later_commands_are_refused(url):
    journal = SqlJournal(url, durable=False)
    switch = ReadOnlySwitch(journal)
    e = make(journal, retry_initial=3600)
    recorder = Recorder(e.bus)
    await e.start()
    await e.on_quote(quote(1.08500))
    kept = await e.place_order(buy())
    before, active = e.account(), e.active_trades()
    switch.set(True)
    with pytest.raises(JournalUnavailable) as info:
        await e.close_trade(kept.id, Decimal("0.05"))
    assert "readonly database" in info.value.message and "UPDATE" not in info.value.message
    assert e.active_trades() == active and e.account() == before  # the partial close is undone
    status = e.journal_status()
    assert status.state is JournalState.UNAVAILABLE and "readonly" in status.last_error
    assert [ev.status.state for ev in recorder.of(JournalStateChanged)] == [JournalState.UNAVAILABLE]
    with pytest.raises(JournalUnavailable):  # refused up front now: the broker is not touched
        await e.place_order(buy())
    assert e.broker.next_id == kept.id + 1 and e.active_trades() == active
    switch.set(False)
    await e.stop()
    assert stored(url) == {kept.id: TradeStatus.OPEN}


async def test_failed_command_write_publishes_nothing_and_is_never_retried(url):
    journal = FlakyJournal(url, durable=False)
    e = make(journal)
    recorder = Recorder(e.bus)
    await e.start()
    await e.on_quote(quote(1.085))
    journal.fail = 1
    with pytest.raises(JournalUnavailable) as info:
        await e.place_order(buy())
    assert "No space left on device" in info.value.message and "/secret" not in info.value.message
    assert recorder.of(TradeOpened) == [] and e.active_trades() == []
    await e.on_quote(quote(1.0851, 1))
    await e.stop()
    assert recorder.of(TradeOpened) == [] and stored(url) == {}


# -- while the journal cannot be written ----------------------------------------------------------


async def test_sl_and_tp_closes_during_an_outage_are_journalled_in_order_once_it_is_back(url):
    journal = SqlJournal(url, durable=False)
    switch = ReadOnlySwitch(journal)
    e = make(journal, retry_initial=0.02, retry_max=0.05)
    recorder = Recorder(e.bus)
    await e.start()
    await e.on_quote(quote(1.08500))
    first = await e.place_order(buy(sl=1.08300, tp=None))
    second = await e.place_order(buy(sl=1.08100, tp=None))
    switch.set(True)
    await e.on_quote(quote(1.08250, 1))  # closes the first in memory; its write fails
    await e.on_quote(quote(1.08050, 2))  # closes the second while the journal is down
    assert e.active_trades() == [] and recorder.of(TradeClosed) == []
    status = e.journal_status()
    assert status.state is JournalState.UNAVAILABLE and status.pending_changes == 2
    assert stored(url) == {first.id: TradeStatus.OPEN, second.id: TradeStatus.OPEN}
    with pytest.raises(JournalUnavailable):
        await e.place_order(buy())
    switch.set(False)
    await wait_for(lambda: e.journal_status().state is JournalState.OK)
    assert [ev.trade.id for ev in recorder.of(TradeClosed)] == [first.id, second.id]
    assert [ev.trade.close_reason.value for ev in recorder.of(TradeClosed)] == ["sl", "sl"]
    assert stored(url) == {first.id: TradeStatus.CLOSED, second.id: TradeStatus.CLOSED}
    assert [ev.status.state for ev in recorder.of(JournalStateChanged)] == [JournalState.UNAVAILABLE, JournalState.OK]
    third = await e.place_order(buy())
    await e.stop()
    closed = SqlJournal(url).closed_trades()
    assert [t.id for t in closed] == [first.id, second.id]
    assert SqlJournal(url).account().balance == Decimal("10000") + sum((t.net for t in closed), Decimal("0"))
    assert stored(url)[third.id] is TradeStatus.OPEN


async def test_an_outage_costs_one_write_per_backoff_step_and_one_log_line(url, caplog):
    """Today: one failed commit and one traceback per quote (364 in 30 s); now one attempt, one line."""
    journal = FlakyJournal(url, durable=False)
    e = make(journal, retry_initial=3600)
    await e.start()
    await e.on_quote(quote(1.08500))
    await e.place_order(buy(sl=1.08300, tp=None))
    commits = journal.commits
    journal.fail = 10**6
    with caplog.at_level(logging.INFO, logger="engine"):
        for i in range(500):
            await e.on_quote(quote(1.08250 - (i % 5) * 1e-5, 1 + i))
    assert journal.commits - commits == 1
    failures = [r for r in caplog.records if "journal write failed" in r.getMessage()]
    assert len(failures) == 1 and not any(r.exc_info for r in caplog.records if r.levelno >= logging.WARNING)
    journal.fail = 0
    await e.stop()  # the stop writes the waiting close
    assert list(stored(url).values()) == [TradeStatus.CLOSED]


async def test_signal_while_the_journal_is_down_is_refused_cleanly(url):
    from engine.signals.book import SignalBook
    from engine.values import Signal

    journal = SqlJournal(url, durable=False)
    switch = ReadOnlySwitch(journal)
    e = TradingEngine(
        EventBus(),
        PaperBroker(BrokerConfig()),
        journal,
        symbols=["EURUSD"],
        flush_interval=3600,
        retry_initial=3600,
    )
    await e.start()
    e.attach_signals(SignalBook(e))
    await e.on_quote(quote(1.08500))
    switch.set(True)
    signal = Signal(
        id=None,
        symbol="EURUSD",
        side=Side.BUY,
        entry=1.085,
        sl=1.08,
        tp=1.095,
        confidence=0.7,
        source="test",
        timeframe=Timeframe.H1,
        created_at=T0,
        expires_at=T0 + timedelta(hours=1),
    )
    with pytest.raises(JournalUnavailable):
        await e.signals.submit(signal)
    assert e.journal_status().state is JournalState.UNAVAILABLE
    switch.set(False)
    await e.stop()


# -- read-only journal ----------------------------------------------------------------------------


async def test_read_only_journal_refuses_every_write_and_prices_trigger_nothing(url):
    writer = make(SqlJournal(url, durable=False))
    await writer.start()
    await writer.on_quote(quote(1.08500))
    trade = await writer.place_order(buy(sl=1.08300, tp=None))
    await writer.stop()
    viewer = make(SqlJournal(url, read_only=True))
    recorder = Recorder(viewer.bus)
    await viewer.start()
    assert viewer.journal_status().state is JournalState.READ_ONLY
    await viewer.on_quote(quote(1.08200, 1))  # beyond the SL: a viewer values, never closes
    assert [t.id for t in viewer.active_trades()] == [trade.id] and recorder.of(TradeClosed) == []
    assert viewer.account().equity < viewer.account().balance
    for command in (viewer.place_order(buy()), viewer.close_trade(trade.id), viewer.reset_account()):
        with pytest.raises(JournalReadOnly) as info:
            await command
        assert info.value.code == "journal_read_only"
    assert recorder.of(PriceUpdated)
    await viewer.stop()
    assert stored(url) == {trade.id: TradeStatus.OPEN}


# -- quotes older than what was traded on ---------------------------------------------------------


async def test_after_restart_quotes_older_than_the_journal_last_event_close_nothing(url):
    e = make(SqlJournal(url, durable=False))
    await e.start()
    await e.on_quote(quote(1.08500, 600))
    trade = await e.place_order(buy(sl=1.08300, tp=None))
    await e.stop()
    again = make(SqlJournal(url, durable=False))
    recorder = Recorder(again.bus)
    await again.start()
    await again.on_quote(quote(1.08200, 0))  # ten minutes before the trade opened: shown, not traded on
    assert recorder.of(TradeClosed) == [] and recorder.of(PriceUpdated)[-1].quote.stale
    await again.on_quote(quote(1.08200, 601))
    (closed,) = recorder.of(TradeClosed)
    await again.stop()
    assert closed.trade.id == trade.id and closed.trade.close_time >= closed.trade.open_time


async def test_a_quote_older_than_the_trade_open_triggers_nothing_a_later_late_one_does(url):
    e = make(SqlJournal(url, durable=False))
    recorder = Recorder(e.bus)
    await e.start()
    await e.on_quote(quote(1.08500, 10))
    trade = await e.place_order(buy(sl=1.08300, tp=None))  # opened at 10 s
    await e.on_quote(quote(1.08200, 5))  # a lagging provider's quote from before the open
    assert recorder.of(TradeClosed) == []
    await e.on_quote(quote(1.08450, 20))
    await e.on_quote(quote(1.08200, 15))  # late, but after the open: traded on, as before
    (closed,) = recorder.of(TradeClosed)
    await e.stop()
    assert closed.trade.id == trade.id and closed.trade.close_time >= closed.trade.open_time


# -- the parts -----------------------------------------------------------------------------------


def test_failure_log_writes_one_line_per_distinct_failure_per_minute(caplog):
    now = [0.0]
    failures = FailureLog(logging.getLogger("test.failures"), interval=60.0, clock=lambda: now[0])
    with caplog.at_level(logging.ERROR, logger="test.failures"):
        for i in range(1000):
            now[0] = i * 0.05
            failures.failed("price-driven changes", OSError(28, "No space left on device", "/x/paper.db"))
        failures.failed("a command", OverflowError("date value out of range"))
        now[0] = 61.0
        failures.failed("price-driven changes", OSError(28, "No space left on device", "/x/paper.db"))
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 3
    assert "(999 more like it in the last 60 s)" in lines[2] and "/x/" not in "".join(lines)


def test_describe_names_the_driver_error_without_sql_parameters_or_paths():
    from sqlalchemy.exc import OperationalError, StatementError

    wrapped = StatementError(
        "(builtins.OverflowError) date value out of range",
        "INSERT INTO paper_trades (id) VALUES (?)",
        (1,),
        OverflowError("date value out of range"),
    )
    assert describe(wrapped) == "OverflowError: date value out of range"
    sqlite = OperationalError("UPDATE x", {}, Exception("unable to open database file /home/me/paper.db"))
    assert describe(sqlite) == "Exception: unable to open database file …"
    assert describe(OperationalError("COMMIT", {}, Exception("disk I/O error"))) == "Exception: disk I/O error"
    assert describe(OSError("cannot open C:\\Users\\me\\paper.db now")) == "OSError: cannot open … now"
    assert (
        describe(PermissionError(13, "Permission denied", "/home/me/paper.db")) == "PermissionError: Permission denied"
    )


def test_backlog_keeps_the_last_modification_of_a_trade_and_the_order_of_the_rest():
    from engine.events import TradeModified
    from engine.values import TradeRecord
    from tests.kit import make_trade

    def record(trade_id: int, sl: float) -> TradeRecord:
        return make_trade(
            trade_id,
            at=T0,
            lots="1",
            requested_price=1.1,
            entry_price=1.1,
            sl=sl,
            tp=None,
            pnl="0",
            commission="0",
            swap="0",
            comment="",
            created_at=None,
        )

    backlog = Backlog()
    backlog.add([TradeModified(record(1, 1.0)), TradeModified(record(2, 1.0))])
    backlog.add([TradeModified(record(1, 1.01)), TradeModified(record(1, 1.02))])
    assert [(r.id, r.sl) for r in backlog.records()] == [(2, 1.0), (1, 1.02)] and len(backlog) == 2


async def test_journal_files_made_immutable_mid_run_make_it_unavailable_until_they_are_not(tmp_path):
    """A real file fault under open connections: ``chattr +i`` on paper.db and its log (root only)."""
    import os
    import shutil
    import subprocess

    if os.geteuid() != 0 or shutil.which("chattr") is None:
        pytest.skip("needs root and chattr to make open files unwritable")
    db = tmp_path / "paper.db"
    e = make(SqlJournal(f"sqlite:///{db}", durable=False), retry_initial=0.05, retry_max=0.1)
    await e.start()
    await e.on_quote(quote(1.08500))
    kept = await e.place_order(buy(sl=1.08300, tp=None))
    files = [str(db), str(db) + "-wal"]
    if subprocess.run(["chattr", "+i", *files], capture_output=True).returncode != 0:
        pytest.skip("this file system has no immutable flag")
    try:
        with pytest.raises(JournalUnavailable):
            await e.place_order(buy())
        assert e.journal_status().state is JournalState.UNAVAILABLE and [t.id for t in e.active_trades()] == [kept.id]
        await e.on_quote(quote(1.08250, 1))  # the SL closes in memory; its record waits
        assert e.journal_status().pending_changes == 1
    finally:
        subprocess.run(["chattr", "-i", *files], check=True)
    await wait_for(lambda: e.journal_status().state is JournalState.OK)
    await e.stop()
    assert stored(f"sqlite:///{db}") == {kept.id: TradeStatus.CLOSED}
