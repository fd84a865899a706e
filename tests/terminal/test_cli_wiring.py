"""The composition root: the journal's account wins over new-account flags; feeds are built by name."""

from __future__ import annotations

from decimal import Decimal

import pytest

from engine.errors import PermanentError, ValidationError
from engine.journal import SqlJournal
from terminal.settings import Settings
from terminal.wiring import build_runtime, make_feed
from tests.kit import make_account
from tests.terminal.cli_helpers import ListFeed


async def test_build_runtime_keeps_the_journal_account_over_flags(tmp_path):
    db = tmp_path / "paper.db"
    SqlJournal(f"sqlite:///{db}").commit([], make_account("5000", currency="EUR", leverage=30))
    settings = Settings.load({"db": str(db), "balance": "10000", "currency": "USD", "leverage": "100"})
    runtime = build_runtime(settings, feed=ListFeed([]), plugins=())
    await runtime.start()
    account = runtime.engine.account()
    await runtime.stop()
    assert (account.balance, account.currency, account.leverage) == (Decimal("5000.00"), "EUR", 30)


async def test_build_runtime_new_journal_uses_the_flags(tmp_path):
    settings = Settings.load({"db": str(tmp_path / "p.db"), "balance": "2500", "currency": "gbp", "commission": "3.5"})
    runtime = build_runtime(settings, feed=ListFeed([]), plugins=())
    await runtime.start()
    account = runtime.engine.account()
    await runtime.stop()
    assert (account.balance, account.currency) == (Decimal("2500.00"), "GBP")
    assert runtime.engine.broker.config.commission_per_lot_side == Decimal("3.5")


def test_make_feed_sim_builds_the_simulator():
    feed = make_feed(Settings.load({"feed": "sim", "seed": "4", "speed": "max"}))
    assert feed.name == "sim"


def test_make_feed_replay_without_file_names_the_field():
    with pytest.raises(PermanentError) as info:
        make_feed(Settings.load({"feed": "replay"}))
    assert getattr(info.value, "field", None) == "replay"


def test_make_feed_metatrader_names_build_bridge_feeds():
    assert make_feed(Settings.load({"feed": "zmq"})).name == "zmq"


def test_settings_extra_config_keys_reach_the_bridges(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text('mirror_magic = 777\nzmq_host = "10.0.0.5"\n')
    settings = Settings.load({"config": str(config)})
    assert settings.metatrader.magic == 777 and settings.zmq.host == "10.0.0.5"  # flat keys, typed


def test_make_feed_auto_builds_the_aggregator_with_the_journal_fallback(tmp_path):
    settings = Settings.load({"db": str(tmp_path / "p.db"), "feed": "auto"})
    runtime = build_runtime(settings, plugins=())
    assert runtime.feed.name != "sim"
    assert runtime.feed._last_quotes == runtime.journal.last_quotes


async def test_attach_signals_starts_generators_and_reads_auto_execution_from_config(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text("[signals.auto]\nenabled = true\nmin_confidence = 0.75\n")
    settings = Settings.load({"db": str(tmp_path / "p.db"), "config": str(config)})
    runtime = build_runtime(settings, feed=ListFeed([]), plugins=("signals",))
    await runtime.start()
    try:
        book = runtime.engine.signals
        assert book is not None
        assert book.auto.enabled and book.auto.config.min_confidence == 0.75
    finally:
        await runtime.stop()


async def test_attach_signals_bad_auto_setting_names_the_field(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text('[signals.auto]\nmin_rr = "high"\n')
    with pytest.raises(ValidationError) as info:  # refused when the settings are read, before anything starts
        Settings.load({"db": str(tmp_path / "p.db"), "config": str(config)})
    assert info.value.field == "signals.auto.min_rr" and "signals.auto.min_rr" in info.value.message


def _order_on_saturday(settings):
    from datetime import datetime, timezone

    from engine.broker import OrderRequest
    from engine.errors import OrderRejectedError
    from engine.values import Quote, Side
    from terminal.wiring import make_broker

    broker = make_broker(settings, Decimal("10000"), "USD", 100)
    saturday = datetime(2026, 11, 28, 12, tzinfo=timezone.utc)
    broker.on_quote(Quote("EURUSD", 1.1, 1.1001, saturday))
    try:
        broker.place(OrderRequest("EURUSD", Side.BUY, lots=Decimal("0.10")))
    except OrderRejectedError as exc:
        return exc.code
    return "filled"


def test_broker_on_fast_sim_refuses_orders_on_the_weekend():
    assert _order_on_saturday(Settings.load({"feed": "sim", "speed": "max"})) == "market_closed"
    assert _order_on_saturday(Settings.load({"feed": "replay", "replay": "x.csv"})) == "market_closed"


def test_broker_on_wall_clock_sim_is_open_around_the_clock():
    assert _order_on_saturday(Settings.load({"feed": "sim"})) == "filled"


class _HistoryFailingFeed(ListFeed):
    async def history(self, symbol, timeframe, count):
        from engine.errors import ProviderUnavailable
        from engine.values import Timeframe

        if timeframe is Timeframe.D1:
            raise ProviderUnavailable("daily bars refused")
        return await super().history(symbol, timeframe, count)


async def test_runtime_start_announces_history_backfill_progress_and_goes_on_after_a_failure(tmp_path):
    from engine.events import HistoryBackfillProgressed
    from engine.values import Timeframe

    settings = Settings.load({"db": str(tmp_path / "p.db"), "symbols": "EURUSD,USDJPY"})
    runtime = build_runtime(settings, feed=_HistoryFailingFeed([]), plugins=())
    seen = []
    runtime.bus.subscribe(HistoryBackfillProgressed, seen.append)
    await runtime.start()
    try:
        bars = await runtime.engine.bars("EURUSD", Timeframe.H1, 10)
    finally:
        await runtime.stop()
    assert [e.done for e in seen] == list(range(1, 15)) and {e.total for e in seen} == {14}
    h1 = [e for e in seen if e.timeframe == "H1"]
    assert [e.bars for e in h1] == [3, 3]
    d1 = [e for e in seen if e.timeframe == "D1"]
    assert all(e.bars == 0 and "daily bars refused" in e.error for e in d1)
    assert len(bars) >= 3


def test_serve_describes_backfill_progress_for_the_log():
    from engine.events import HistoryBackfillProgressed
    from terminal.commands.serve import _describe

    assert _describe(HistoryBackfillProgressed(3, 14, "EURUSD", "M15", 500)) == "history 3/14: EURUSD M15 500 bars"
    assert (
        _describe(HistoryBackfillProgressed(4, 14, "EURUSD", "D1", 0, "timeout"))
        == "history 4/14: EURUSD D1 none (timeout)"
    )


async def test_attach_signals_reads_the_max_drift_from_config_and_names_a_bad_one(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text("[signals]\nmax_drift_pips = 5\nmax_drift_stop_fraction = 0.5\n")
    settings = Settings.load({"db": str(tmp_path / "p.db"), "config": str(config)})
    runtime = build_runtime(settings, feed=ListFeed([]), plugins=("signals",))
    await runtime.start()
    try:
        drift = runtime.engine.signals.drift
        assert (drift.max_pips, drift.max_stop_fraction) == (5.0, 0.5) and drift.pips(40) == 5.0
    finally:
        await runtime.stop()
    config.write_text("[signals]\nmax_drift_pips = -1\n")
    with pytest.raises(ValidationError) as info:
        Settings.load({"db": str(tmp_path / "q.db"), "config": str(config)})
    assert info.value.field == "signals.max_drift_pips"


def test_market_clock_follows_the_wall_only_where_the_feed_does(tmp_path):
    from terminal.wiring import feed_on_own_clock

    cases = {
        ("sim", 1): True,
        ("sim", 60): False,
        ("sim", "max"): False,
        ("replay", 1): False,
        ("auto", 1): True,
        ("yahoo", 1): True,
    }
    for (feed, speed), wall in cases.items():
        settings = Settings.load({"db": str(tmp_path / "p.db"), "feed": feed, "speed": str(speed)})
        assert feed_on_own_clock(settings) is not wall, (feed, speed)
        runtime = build_runtime(settings, feed=ListFeed([]), plugins=())
        assert runtime.engine.clock.follows_wall is wall, (feed, speed)
        runtime.journal.close()


async def test_attach_mirror_lends_the_service_to_the_engine_and_takes_it_back(tmp_path):
    import dataclasses

    from bridges.factory import Bridges
    from terminal.wiring import attach_mirror
    from tests.bridges.fake_mirror import FakeMirror

    settings = Settings.load({"db": str(tmp_path / "p.db"), "mirror": "zmq"})
    runtime = build_runtime(settings, feed=ListFeed([]), plugins=())
    runtime = dataclasses.replace(runtime, bridges=Bridges(feed=None, mirror=FakeMirror()))
    await runtime.start()
    try:
        stop = await attach_mirror(runtime)
        assert stop is not None and runtime.engine.mirror is runtime.mirror and not runtime.engine.mirror.paused
        assert any(s.name == "mirror:fake" for s in runtime.engine.feeds_status())
        await stop()
        assert runtime.engine.mirror is None
    finally:
        await runtime.stop()
