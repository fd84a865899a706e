"""The engine's one market clock."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from engine.clock import MarketClock
from engine.journal import SqlJournal
from engine.service import TradingEngine
from engine.values import Quote
from tests.kit import make_engine

WALL = datetime(2026, 12, 6, 12, 0, tzinfo=timezone.utc)
MARKET = datetime(2026, 11, 6, 9, 30, tzinfo=timezone.utc)


def test_clock_in_wall_mode_reads_the_wall_whatever_the_quotes():
    clock = MarketClock(follows_wall=True, wall=lambda: WALL)
    clock.observe(MARKET)
    assert clock.now() == WALL and clock.mode == "wall"
    assert clock.age(WALL - timedelta(seconds=20)) == 20.0


def test_clock_in_market_mode_reads_the_latest_quote_and_never_goes_back():
    clock = MarketClock(follows_wall=False, wall=lambda: WALL)
    assert clock.now() == WALL  # nothing known yet: the wall clock
    clock.set_origin(MARKET - timedelta(hours=1))  # the feed's start
    assert clock.now() == MARKET - timedelta(hours=1)
    clock.observe(MARKET)
    clock.observe(MARKET - timedelta(minutes=5))  # an older quote of another symbol
    assert clock.now() == MARKET and clock.mode == "market"
    clock.observe(MARKET + timedelta(seconds=15))
    assert clock.age(MARKET) == 15.0


async def test_engine_clock_follows_fresh_quotes_and_resumes_from_the_journal(tmp_path):
    url = f"sqlite:///{tmp_path / 'paper.db'}"

    def make() -> TradingEngine:
        return make_engine(url, clock=MarketClock(follows_wall=False, wall=lambda: WALL))

    first = make()
    await first.start()
    await first.on_quote(Quote("EURUSD", 1.1, 1.1001, MARKET, "sim"))
    await first.on_quote(Quote("EURUSD", 1.1, 1.1001, MARKET + timedelta(hours=2), "cache", stale=True))
    assert first.clock.now() == MARKET  # a stale quote does not move the market
    await first.stop()
    second = make()
    await second.start()
    try:
        assert second.clock.now() == MARKET  # resumed at the journal's last price, not the wall
    finally:
        await second.stop()


async def test_engine_metrics_snapshots_are_dated_by_the_market_clock(tmp_path):
    """The equity samples the dashboard draws sit on the market clock, not the wall clock."""
    journal = SqlJournal(f"sqlite:///{tmp_path / 'paper.db'}", durable=False)
    engine = make_engine(journal, clock=MarketClock(follows_wall=False, wall=lambda: WALL))
    await engine.start()
    try:
        await engine.on_quote(Quote("EURUSD", 1.1, 1.1001, MARKET, "sim"))
        await engine._save_metrics()
        samples = await engine.run_db(journal.account_samples)
    finally:
        await engine.stop()
    assert samples and samples[-1][0] == MARKET
