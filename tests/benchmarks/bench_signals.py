"""Signal generation time per closed bar: 20 symbols × 3 timeframes (M15, H1, H4).

The default generators (harmonic, multi-timeframe, ML on H1) run through
``SignalRunner.process`` — the function the runner's worker thread calls for
each closed bar (window append + every generator of that timeframe). Each
stream is warmed up with 300 bars first (not timed).

Printed figures:
- ``all_streams_close``: one closed bar on every one of the 60 streams at once
  (the worst minute, when M15, H1 and H4 close together on all 20 symbols);
- ``per_m1_bar_amortised``: the average work per M1 bar across the 20 symbols,
  as M15/H1/H4 bars close every 15/60/240 minutes;
- ``per_stream_bar``: one stream's closed bar through all its generators.

Wall-clock means suffer when other processes share the CPU; ``cpu_mean``
(this thread's CPU time) and the median are steadier.

Run: ``python -m tests.benchmarks.bench_signals``
"""

from __future__ import annotations

import statistics
import time
from datetime import datetime, timedelta, timezone

import numpy as np

from engine.bus import EventBus
from engine.instruments import SPECS
from engine.signals.runner import SignalRunner
from engine.signals.setup import default_generators
from engine.values import Bar, Timeframe

SYMBOLS = list(SPECS)[:20]
TIMEFRAMES = (Timeframe.M15, Timeframe.H1, Timeframe.H4)
WARMUP = 300
STEPS = 200
START = datetime(2026, 1, 5, tzinfo=timezone.utc)


def make_bars(symbol: str, tf: Timeframe, n: int, seed: int) -> list[Bar]:
    rng = np.random.default_rng(seed)
    base = SPECS[symbol].base_price
    vol = 0.0015 * np.sqrt(tf.seconds / 3600)
    closes = base * np.exp(np.cumsum(rng.normal(0, vol, n)))
    opens = np.concatenate([[base], closes[:-1]])
    wick = np.abs(rng.normal(0, vol / 2, n)) * base
    highs = np.maximum(opens, closes) + wick
    lows = np.minimum(opens, closes) - wick
    return [
        Bar(symbol, tf, START + timedelta(seconds=i * tf.seconds), float(o), float(h), float(lo), float(c))
        for i, (o, h, lo, c) in enumerate(zip(opens, highs, lows, closes, strict=True))
    ]


def main() -> None:
    runner = SignalRunner(EventBus(), book=None, generators=default_generators())
    streams = {
        (s, tf): make_bars(s, tf, WARMUP + STEPS, seed=i * 7 + k)
        for i, s in enumerate(SYMBOLS)
        for k, tf in enumerate(TIMEFRAMES)
    }
    for bars in streams.values():
        for bar in bars[:WARMUP]:
            runner.process(bar)
    per_tf: dict[Timeframe, list[float]] = {tf: [] for tf in TIMEFRAMES}
    steps: list[float] = []
    cpu: list[float] = []
    signals = 0
    for step in range(WARMUP, WARMUP + STEPS):
        c_step = time.thread_time()
        t_step = time.perf_counter()
        for tf in reversed(TIMEFRAMES):  # higher timeframes first, as they close first
            t_tf = time.perf_counter()
            for symbol in SYMBOLS:
                signals += len(runner.process(streams[(symbol, tf)][step]))
            per_tf[tf].append(time.perf_counter() - t_tf)
        steps.append(time.perf_counter() - t_step)
        cpu.append(time.thread_time() - c_step)
    ms = 1000.0
    all_close = statistics.mean(steps) * ms
    p99 = float(np.percentile(steps, 99)) * ms
    amortised = sum(statistics.mean(per_tf[tf]) * ms * 60 / tf.seconds for tf in TIMEFRAMES)
    per_call = statistics.mean(steps) / (len(SYMBOLS) * len(TIMEFRAMES)) * 1e6
    print(f"signals.streams: {len(SYMBOLS) * len(TIMEFRAMES)} streams")
    print(f"signals.all_streams_close.mean: {all_close:.3f} ms")
    print(f"signals.all_streams_close.median: {statistics.median(steps) * ms:.3f} ms")
    print(f"signals.all_streams_close.p99: {p99:.3f} ms")
    print(f"signals.all_streams_close.cpu_mean: {statistics.mean(cpu) * ms:.3f} ms")
    for tf in TIMEFRAMES:
        print(f"signals.{tf.value}_20_symbols.mean: {statistics.mean(per_tf[tf]) * ms:.3f} ms")
    print(f"signals.per_m1_bar_amortised: {amortised:.3f} ms")
    print(f"signals.per_stream_bar: {per_call:.1f} us")
    print(f"signals.raised_during_run: {signals} signals")


if __name__ == "__main__":
    main()
