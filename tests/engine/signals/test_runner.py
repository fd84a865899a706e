"""SignalRunner: closed bars → generators off the loop → SignalBook (+ aggregator); attach_signals wiring."""

from __future__ import annotations

import asyncio
import threading
from datetime import timedelta

import pytest

from engine.bus import EventBus
from engine.events import BarClosed
from engine.signals.aggregate import SignalAggregator
from engine.signals.book import SignalBook
from engine.signals.harmonic import HarmonicGenerator
from engine.signals.protocol import BarsFrame, SignalGenerator
from engine.signals.runner import SignalRunner
from engine.signals.setup import attach_signals, default_generators, load_model
from engine.values import Quote, Side, Signal, SignalStatus, Timeframe
from tests.engine.signals.factories import T0, bars_from_closes, path_through
from tests.engine.signals.test_harmonic import CASES, series_for, swings
from tests.kit import make_engine


class EveryNth:
    """A generator that buys on every ``n``-th bar and records the thread it ran on."""

    def __init__(self, name: str, n: int, fail: bool = False) -> None:
        self.name, self.n, self.fail = name, n, fail
        self.timeframes = (Timeframe.H1,)
        self.threads: set[str] = set()
        self.seen = 0

    def on_bar(self, symbol: str, timeframe: Timeframe, bars: BarsFrame) -> list[Signal]:
        self.threads.add(threading.current_thread().name)
        self.seen += 1
        if self.fail:
            raise RuntimeError("broken generator")
        if self.seen % self.n:
            return []
        close = float(bars.close[-1])
        created = bars.time_at(-1) + timedelta(hours=1)
        return [
            Signal(
                None,
                symbol,
                Side.BUY,
                close,
                close - 0.05,
                close + 0.1,
                0.7,
                self.name,
                timeframe,
                created,
                created + timedelta(days=30),
            )
        ]


@pytest.fixture
async def engine(tmp_path):
    e = make_engine(tmp_path / "p.db", flush_interval=3600)
    await e.start()
    await e.on_quote(Quote("EURUSD", 1.1, 1.1001, T0, "test"))
    yield e
    await e.stop()


async def run_bars(engine, generators, bars, aggregator=None):
    book = SignalBook(engine, sweep_interval=3600)
    await book.start()
    runner = SignalRunner(engine.bus, book, generators, aggregator=aggregator)
    await runner.start()
    for bar in bars:
        engine.bus.publish(BarClosed(bar))
    await runner.drain()
    await runner.stop()
    return book


def test_every_nth_satisfies_protocol():
    assert isinstance(EveryNth("x", 1), SignalGenerator)


async def test_runner_runs_generators_off_loop_and_submits(engine):
    gen = EveryNth("nth", 5)
    bars = bars_from_closes(path_through([1.10, 1.11], 20))
    book = await run_bars(engine, [gen], bars)
    assert gen.seen == len(bars)
    assert threading.current_thread().name not in gen.threads
    assert all(name.startswith("signal-generators") for name in gen.threads)
    stored = await book.list()
    assert len(stored) == len(bars) // 5
    assert all(s.status is SignalStatus.NEW and s.source == "nth" for s in stored)


async def test_runner_broken_generator_does_not_stop_others(engine):
    good, bad = EveryNth("good", 2), EveryNth("bad", 1, fail=True)
    book = await run_bars(engine, [bad, good], bars_from_closes(path_through([1.10, 1.11], 9)))
    assert bad.seen == 10
    assert len(await book.list()) == 5


async def test_runner_ignores_other_timeframes(engine):
    gen = EveryNth("nth", 1)
    await run_bars(engine, [gen], bars_from_closes(path_through([1.1, 1.2], 5), timeframe=Timeframe.M5))
    assert gen.seen == 0


async def test_runner_harmonic_pattern_reaches_book_with_points(engine):
    bars = bars_from_closes(series_for(swings(*CASES["Bat"]), True))
    book = await run_bars(engine, [HarmonicGenerator(timeframes=(Timeframe.H1,))], bars)
    (signal,) = await book.list()
    assert signal.pattern["name"] == "Bat" and len(signal.pattern["points"]) == 5


async def test_runner_aggregator_combines_two_models(engine):
    bars = bars_from_closes(path_through([1.10, 1.11], 5))
    book = await run_bars(engine, [EveryNth("a", 3), EveryNth("b", 3)], bars, SignalAggregator())
    sources = sorted(s.source for s in await book.list())
    assert sources == ["a", "a", "aggregate", "aggregate", "b", "b"]


async def test_attach_signals_sets_engine_signals_and_generates(engine):
    stop = await attach_signals(engine, generators=[EveryNth("nth", 1)])
    assert isinstance(engine.signals, SignalBook)
    for bar in bars_from_closes([1.1, 1.1002]):
        engine.bus.publish(BarClosed(bar))
    await engine.bus.drain()
    for _ in range(50):
        if len(await engine.signals.list()) == 2:
            break
        await asyncio.sleep(0.02)
    assert len(await engine.signals.list()) == 2
    await stop()


def test_default_generators_include_ml_from_bundled_model():
    names = [g.name for g in default_generators()]
    assert names == ["harmonic", "mtf", "ml"]


def test_runner_process_batch_higher_timeframes_first():
    seen: list[Timeframe] = []

    class Recorder:
        name = "rec"
        timeframes = (Timeframe.M15, Timeframe.H1, Timeframe.H4)

        def on_bar(self, symbol, timeframe, bars):
            seen.append(timeframe)
            return []

    runner = SignalRunner(EventBus(), None, [Recorder()])
    h4 = bars_from_closes([1.1], timeframe=Timeframe.H4)[0]
    h1 = bars_from_closes([1.1], timeframe=Timeframe.H1, start=T0 + timedelta(hours=3))[0]
    m15 = bars_from_closes([1.1], timeframe=Timeframe.M15, start=T0 + timedelta(hours=3, minutes=45))[0]
    runner.process_batch([m15, h1, h4])  # the order the engine publishes them in
    assert seen == [Timeframe.H4, Timeframe.H1, Timeframe.M15]


def test_load_model_skips_unusable_user_file_for_bundled(tmp_path):
    broken = tmp_path / "ml_model.joblib"
    broken.write_bytes(b"not a model")
    missing = tmp_path / "missing.joblib"
    model = load_model([missing, broken])
    assert model is not None and model.horizon == 6
