"""Events carry the engine's sequence number and time (STYLE rule 5): ``seq`` and ``ts``.

``seq`` increases by one per published event, and a restarted engine numbers
above everything an earlier run of the same journal published, even when
the wall clock was set back between the runs. ``ts`` is the engine's market
clock at publication.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

import engine.bus as bus_module
from engine.broker import BrokerConfig, OrderRequest, PaperBroker
from engine.bus import EventBus
from engine.clock import MarketClock
from engine.events import AccountUpdated, Event, PriceUpdated, TradeOpened
from engine.journal import SqlJournal
from engine.service import TradingEngine
from engine.values import Quote, Side

T0 = datetime(2026, 11, 24, 10, 0, tzinfo=timezone.utc)


def quote(bid: float, seconds: float = 0.0) -> Quote:
    return Quote("EURUSD", bid, round(bid + 0.0001, 5), T0 + timedelta(seconds=seconds), "test")


def make_engine(url: str) -> TradingEngine:
    return TradingEngine(
        EventBus(),
        PaperBroker(BrokerConfig()),
        SqlJournal(url, durable=False),
        symbols=["EURUSD"],
        flush_interval=3600,
        clock=MarketClock(follows_wall=False),
    )


def record(bus: EventBus) -> list[Event]:
    seen: list[Event] = []
    bus.subscribe(Event, seen.append)
    return seen


def test_bus_stamps_each_event_with_the_next_seq_and_its_clock():
    times = iter([T0, T0 + timedelta(seconds=1)])
    bus = EventBus(clock=lambda: next(times))
    seen = record(bus)
    start = bus.last_seq
    first = PriceUpdated(quote(1.1))
    bus.publish(first)
    bus.publish(PriceUpdated(quote(1.2)))
    assert [(e.seq, e.ts) for e in seen] == [(start + 1, T0), (start + 2, T0 + timedelta(seconds=1))]
    assert bus.last_seq == start + 2
    assert first.seq == 0 and first.ts is None  # the publisher's event is not changed: handlers get a stamped copy
    assert seen[0] == first  # stamps take no part in equality


def test_bus_starts_above_the_wall_clock_in_microseconds_and_resume_only_raises_it(monkeypatch):
    monkeypatch.setattr(bus_module, "run_start_seq", lambda: 1_000)
    bus = EventBus()
    bus.resume_after(5_000)
    bus.resume_after(10)  # a lower recorded number never lowers the count
    seen = record(bus)
    bus.publish(PriceUpdated(quote(1.1)))
    assert seen[0].seq == 5_001
    assert bus_module.time.time_ns() // 1000 * 3 < 2**53  # exact in JavaScript for centuries


def test_bus_refuses_a_publish_from_another_thread():
    bus = EventBus()
    bus.publish(PriceUpdated(quote(1.1)))  # the loop's thread
    failure: list[BaseException] = []

    def other() -> None:
        try:
            bus.publish(PriceUpdated(quote(1.2)))
        except RuntimeError as exc:
            failure.append(exc)

    thread = threading.Thread(target=other)
    thread.start()
    thread.join()
    assert failure and "another thread" in str(failure[0])


async def test_engine_events_carry_increasing_seq_and_the_market_clock(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'paper.db'}")
    seen = record(engine.bus)
    await engine.start()
    await engine.on_quote(quote(1.08500, 30))
    await engine.place_order(OrderRequest("EURUSD", Side.BUY, lots=Decimal("0.10")))
    await engine.stop()
    kinds = [type(e) for e in seen]
    assert PriceUpdated in kinds and TradeOpened in kinds and AccountUpdated in kinds
    seqs = [e.seq for e in seen]
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))
    assert all(e.ts == T0 + timedelta(seconds=30) for e in seen)  # market time: the last quote's


async def test_a_restarted_engine_numbers_above_the_last_run_even_with_the_clock_set_back(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'paper.db'}"
    first = make_engine(url)
    seen = record(first.bus)
    await first.start()
    for i in range(3):
        await first.on_quote(quote(1.08500 + i / 10_000, i))
    await first.stop()
    last = seen[-1].seq
    assert SqlJournal(url).load().event_seq == last  # recorded at stop

    monkeypatch.setattr(bus_module, "run_start_seq", lambda: 1)  # the wall clock was set back
    second = make_engine(url)
    again = record(second.bus)
    await second.start()
    await second.on_quote(quote(1.08600, 10))
    await second.stop()
    assert again[0].seq == last + 1


@pytest.mark.parametrize("stored", [0, 123_456])
def test_journal_records_the_last_event_seq(tmp_path, stored):
    journal = SqlJournal(f"sqlite:///{tmp_path / 'paper.db'}", durable=False)
    try:
        assert journal.load().event_seq == 0
        if stored:
            journal.save_event_seq(stored)
            journal.save_event_seq(stored + 1)
        assert journal.load().event_seq == (stored + 1 if stored else 0)
    finally:
        journal.close()
