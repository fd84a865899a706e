"""TradingEngine: commit-before-publish, restart and resume, stale quotes, commands, reset, bars."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from engine.broker import BrokerConfig, OrderRequest, PaperBroker
from engine.errors import NotFound, OrderRejectedError, ValidationError
from engine.events import (
    AccountReset,
    AccountUpdated,
    BarClosed,
    Event,
    MirrorStateChanged,
    OrderCancelled,
    OrderRejected,
    PriceUpdated,
    TradeClosed,
    TradeOpened,
)
from engine.journal import SqlJournal
from engine.service import TradingEngine
from engine.values import CloseReason, FeedStatus, OrderType, Quote, Side, Timeframe, TradeStatus
from tests import kit
from tests.kit import Recorder

T0 = datetime(2026, 11, 24, 10, 0, tzinfo=timezone.utc)  # a Tuesday


def quote(bid: float, seconds: float = 0.0, symbol: str = "EURUSD", stale: bool = False) -> Quote:
    return Quote(symbol, bid, round(bid + 0.0001, 5), T0 + timedelta(seconds=seconds), "test", stale)


def make_engine(url: str, **kwargs) -> TradingEngine:
    """The engine these tests drive: 3.50 per lot and side of commission, flushed by hand."""
    kwargs.setdefault("flush_interval", 3600)
    return kit.make_engine(url, broker=PaperBroker(BrokerConfig(commission_per_lot_side=Decimal("3.50"))), **kwargs)


@pytest.fixture
async def engine(db_url):
    e = make_engine(db_url)
    await e.start()
    await e.on_quote(quote(1.08500))
    yield e
    await e.stop()


def buy(sl: float | None = 1.08000, tp: float | None = 1.09500, lots: str = "0.10", **kw) -> OrderRequest:
    return OrderRequest("EURUSD", Side.BUY, lots=Decimal(lots), sl=sl, tp=tp, **kw)


async def test_start_on_empty_journal_stores_the_new_account(db_url):
    e = make_engine(db_url)
    await e.start()
    await e.stop()
    account = SqlJournal(db_url).account()
    assert account is not None and account.balance == Decimal("10000.00")


async def test_place_order_commits_before_trade_opened_is_published(engine, db_url):
    reader = SqlJournal(db_url)
    seen_in_db: list[TradeStatus] = []
    engine.bus.subscribe(TradeOpened, lambda ev: seen_in_db.append(reader.trade(ev.trade.id).status))
    trade = await engine.place_order(buy())
    assert seen_in_db == [TradeStatus.OPEN]
    assert trade.entry_price == 1.08510 and trade.status is TradeStatus.OPEN


async def test_on_quote_crossing_sl_closes_commits_then_publishes(engine, db_url):
    reader = SqlJournal(db_url)
    recorder = Recorder(engine.bus)
    trade = await engine.place_order(buy())
    seen: list[tuple[TradeStatus, Decimal]] = []
    engine.bus.subscribe(
        TradeClosed, lambda ev: seen.append((reader.trade(ev.trade.id).status, reader.account().balance))
    )
    await engine.on_quote(quote(1.07990, 1))
    closed = recorder.of(TradeClosed)[0].trade
    assert closed.id == trade.id and closed.close_reason is CloseReason.SL
    assert seen == [(TradeStatus.CLOSED, engine.account().balance)]
    assert engine.account().balance == Decimal("10000") + closed.net


async def test_stale_quote_is_published_but_never_triggers_sl(engine):
    recorder = Recorder(engine.bus)
    await engine.place_order(buy())
    await engine.on_quote(quote(1.07000, 1, stale=True))
    assert recorder.of(TradeClosed) == []
    assert recorder.of(PriceUpdated)[-1].quote.stale is True
    assert engine.quote("eurusd").bid == 1.07000
    assert [t.status for t in engine.active_trades()] == [TradeStatus.OPEN]


async def test_restart_reloads_open_trade_and_keeps_watching_its_sl(db_url):
    first = make_engine(db_url)
    await first.start()
    await first.on_quote(quote(1.08500))
    trade = await first.place_order(buy())
    pending = await first.place_order(buy(order_type=OrderType.LIMIT, price=1.08300, sl=1.08000, tp=None))
    await first.stop()

    second = make_engine(db_url)
    recorder = Recorder(second.bus)
    await second.start()
    assert {t.id for t in second.active_trades()} == {trade.id, pending.id}
    await second.on_quote(quote(1.07950, 5))
    closed_ids = {e.trade.id for e in recorder.of(TradeClosed)}
    await second.stop()
    assert trade.id in closed_ids
    stored = SqlJournal(db_url).trade(trade.id)
    assert stored.status is TradeStatus.CLOSED and stored.close_reason is CloseReason.SL


async def test_rejected_order_publishes_order_rejected_and_reraises(engine):
    recorder = Recorder(engine.bus)
    with pytest.raises(OrderRejectedError) as info:
        await engine.place_order(OrderRequest("EURUSD", Side.BUY, lots=Decimal("0.001"), signal_id=7))
    rejected = recorder.of(OrderRejected)
    assert [(r.code, r.field, r.signal_id, r.symbol) for r in rejected] == [(info.value.code, "lots", 7, "EURUSD")]


async def test_close_trade_partially_returns_child_and_stores_both(engine, db_url):
    trade = await engine.place_order(buy(lots="0.30"))
    part = await engine.close_trade(trade.id, Decimal("0.10"))
    assert part.parent_id == trade.id and part.close_reason is CloseReason.PARTIAL and part.lots == Decimal("0.10")
    reader = SqlJournal(db_url)
    assert reader.trade(trade.id).lots == Decimal("0.20")
    assert reader.trade(part.id).status is TradeStatus.CLOSED


async def test_close_pending_order_cancels_it(engine):
    recorder = Recorder(engine.bus)
    pending = await engine.place_order(buy(order_type=OrderType.LIMIT, price=1.08300))
    cancelled = await engine.close_trade(pending.id)
    assert cancelled.status is TradeStatus.CANCELLED
    assert [e.trade.id for e in recorder.of(OrderCancelled)] == [pending.id]


async def test_pending_order_expires_on_a_later_quote(engine, db_url):
    pending = await engine.place_order(
        buy(order_type=OrderType.LIMIT, price=1.08300, expires_at=T0 + timedelta(minutes=1))
    )
    await engine.on_quote(quote(1.08500, 61))
    stored = SqlJournal(db_url).trade(pending.id)
    assert (stored.status, stored.close_reason) == (TradeStatus.CANCELLED, CloseReason.EXPIRED)


async def test_reset_account_archives_journal_and_continues_ids(engine, db_url):
    recorder = Recorder(engine.bus)
    old = await engine.place_order(buy())
    account = await engine.reset_account(balance="500", currency="eur", leverage=30)
    assert (account.balance, account.currency, account.leverage) == (Decimal("500.00"), "EUR", 30)
    assert recorder.of(AccountReset)[0].account == account
    assert engine.active_trades() == []
    assert await engine.list_trades() == ([], 0)
    new = await engine.place_order(buy())  # prices carried over: the new account can trade at once
    assert new.id > old.id
    reader = SqlJournal(db_url)
    assert len(reader.archived_accounts()) == 1 and reader.trade(old.id).status is TradeStatus.OPEN


async def test_reset_account_bad_terms_name_the_field(engine):
    with pytest.raises(ValidationError) as info:
        await engine.reset_account(balance="-5")
    assert info.value.field == "balance"
    with pytest.raises(ValidationError) as info:
        await engine.reset_account(currency="EURO")
    assert info.value.field == "currency"


async def test_account_updates_on_prices_are_throttled(db_url):
    e = make_engine(db_url, account_interval=3600)
    recorder = Recorder(e.bus)
    await e.start()
    for i in range(50):
        await e.on_quote(quote(1.085 + i * 1e-5, i))
    await e.place_order(buy())
    await e.stop()
    assert len(recorder.of(AccountUpdated)) == 2  # the first price, then the trade change


async def test_quotes_across_minutes_publish_bar_closed_and_serve_bars(engine):
    recorder = Recorder(engine.bus)
    for i in range(1, 180, 20):
        await engine.on_quote(quote(1.085 + i * 1e-5, i))
    closed = [e.bar for e in recorder.of(BarClosed) if e.bar.timeframe is Timeframe.M1]
    assert [b.time for b in closed] == [T0, T0 + timedelta(minutes=1)]
    bars = await engine.bars("EURUSD", "M1", limit=10)
    assert [b.time for b in bars] == [T0, T0 + timedelta(minutes=1), T0 + timedelta(minutes=2)]


async def test_bars_and_last_quotes_survive_restart(db_url):
    first = make_engine(db_url)
    await first.start()
    for i in range(0, 200, 30):
        await first.on_quote(quote(1.085, i))
    await first.stop()
    second = make_engine(db_url)
    await second.start()
    bars = await second.bars("EURUSD", Timeframe.M1)
    last = second.quote("EURUSD")
    await second.stop()
    assert [b.time for b in bars] == [T0, T0 + timedelta(minutes=1), T0 + timedelta(minutes=2)]
    assert last is not None and last.stale is True


class FlakyJournal(SqlJournal):
    """A journal whose next ``fail`` commits raise (a full disk, a locked file)."""

    fail = 0

    def commit(self, trades, account, signals=()):
        if self.fail:
            self.fail -= 1
            raise OSError("disk full")
        return super().commit(trades, account, signals)


async def test_list_and_get_trade_give_live_figures_for_open_trades(engine):
    trade = await engine.place_order(buy())
    await engine.on_quote(quote(1.08700, 1))
    items, total = await engine.list_trades(status="open")
    assert total == 1 and items[0].mfe_pips == pytest.approx(19.0, abs=0.05)  # the journal row still has 0
    assert engine.journal.trade(trade.id).mfe_pips == 0.0
    assert (await engine.get_trade(trade.id)).mfe_pips == items[0].mfe_pips
    with pytest.raises(NotFound):
        await engine.get_trade(999)


async def test_set_mirror_state_commits_and_publishes(engine, db_url):
    recorder = Recorder(engine.bus)
    trade = await engine.place_order(buy())
    await engine.set_mirror_state(trade.id, "123", "open")
    assert SqlJournal(db_url).trade(trade.id).mirror_ticket == "123"
    assert recorder.of(MirrorStateChanged)[0].ticket == "123"


async def test_feeds_status_collects_sources_and_skips_broken_ones(engine):
    engine.register_status_source(lambda: [FeedStatus("sim", True, True)])
    engine.register_status_source(lambda: FeedStatus("mt5", False, False, "not connected"))

    def broken():
        raise RuntimeError("boom")

    engine.register_status_source(broken)
    assert [s.name for s in engine.feeds_status()] == ["sim", "mt5"]


async def test_concurrent_commands_commit_in_event_order(engine, db_url):
    recorder = Recorder(engine.bus)
    reader = SqlJournal(db_url)
    trades = await asyncio.gather(*(engine.place_order(buy()) for _ in range(5)))
    assert [e.trade.id for e in recorder.of(TradeOpened)] == sorted(t.id for t in trades)
    assert reader.trades(status="open")[1] == 5


async def test_failed_commit_on_a_quote_keeps_prices_flowing_and_retries(db_url):
    journal = FlakyJournal(db_url)
    e = kit.make_engine(journal, flush_interval=3600)
    recorder = Recorder(e.bus)
    await e.start()
    await e.on_quote(quote(1.085))
    trade = await e.place_order(buy())
    journal.fail = 1
    await e.on_quote(quote(1.0799, 1))  # hits the SL, but the commit fails
    assert recorder.of(TradeClosed) == [] and recorder.of(PriceUpdated)[-1].quote.bid == 1.0799
    assert SqlJournal(db_url).trade(trade.id).status is TradeStatus.OPEN
    await e.on_quote(quote(1.0800, 2))
    await e.stop()
    assert [ev.trade.id for ev in recorder.of(TradeClosed)] == [trade.id]
    assert SqlJournal(db_url).trade(trade.id).status is TradeStatus.CLOSED


async def test_stop_saves_a_performance_snapshot_and_performance_matches(db_url):
    e = make_engine(db_url)
    await e.start()
    await e.on_quote(quote(1.085))
    trade = await e.place_order(buy())
    closed_record = await e.close_trade(trade.id)
    figures = await e.performance()
    await e.stop()
    assert figures["total_trades"] == 1 and figures["net_profit"] == closed_record.net
    snapshot = SqlJournal(db_url).latest_metrics()
    assert snapshot is not None
    assert snapshot["performance"]["total_trades"] == 1 and "equity_curve" not in snapshot["performance"]
    assert snapshot["account"]["balance"] == float(Decimal("10000") + closed_record.net)


async def test_engine_open_trade_carries_floating_pips_and_pnl_everywhere(engine):
    trade = await engine.place_order(buy())  # buys at the ask 1.08510
    await engine.on_quote(quote(1.08760, seconds=5))  # bid 1.08760: +25.0 pips
    live = await engine.get_trade(trade.id)
    assert (live.pips, live.pnl) == (25.0, Decimal("25.00"))  # 0.0025 × 0.10 × 100,000 USD
    assert engine.active_trades()[0].pnl == Decimal("25.00")
    items, _ = await engine.list_trades(status="open")
    assert items[0].pips == 25.0
    closed = await engine.close_trade(trade.id)
    assert closed.pnl == Decimal("25.00")  # what was shown is what is booked


async def test_engine_plugins_are_attached_through_its_public_methods(engine):
    from types import SimpleNamespace

    from engine.signals.book import SignalBook

    assert engine.signals is None and engine.mirror is None
    book = SignalBook(engine)
    engine.attach_signals(book)
    mirror = SimpleNamespace(paused=False, pause=lambda: None, resume=lambda: None)
    engine.attach_mirror(mirror)
    assert engine.signals is book and engine.mirror is mirror
    with pytest.raises(AttributeError):
        engine.signals = None  # read-only: only attach_signals sets it
    with pytest.raises(AttributeError):
        engine.mirror = None
    engine.attach_signals(None)
    engine.attach_mirror(None)
    assert engine.signals is None and engine.mirror is None


async def test_engine_clock_is_the_one_given_at_construction_and_stamps_its_events(engine):
    from engine.clock import MarketClock

    clock = engine.clock
    with pytest.raises(AttributeError):
        engine.clock = MarketClock(follows_wall=True)  # read-only: the bus stamps events with this one
    seen: list[Event] = []
    engine.bus.subscribe(Event, seen.append)
    moved = clock.now() + timedelta(hours=2)
    clock.observe(moved)
    await engine.on_quote(Quote("EURUSD", 1.1000, 1.1001, moved))
    assert engine.clock is clock and seen and {e.ts for e in seen} == {clock.now()}
