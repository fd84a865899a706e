"""False-positive rate of the harmonic detector on random walks: signals per 1,000 bars, per pattern.

A random walk has no structure to find, so every pattern reported on it is a
false positive: the rate tells what "a pattern" is worth on its own. Walks:
``WALKS`` series of ``BARS`` H1 bars each, log-price increments normal with
σ = 0.0015 per bar (about EURUSD's H1 volatility), each bar built from 12
sub-steps (open, high, low, close of the path inside it); seeds 1..WALKS. The
generator is the built-in one (2 × ATR(14) zigzag, ±5 % ratios, D confirmed
by a 0.5 ATR turn) fed bar by bar as the runner feeds it.

Run: ``python -m tests.benchmarks.bench_harmonic_fp`` (about 10 s).
"""

from __future__ import annotations

import time
from collections import Counter
from datetime import datetime, timedelta, timezone

import numpy as np

from engine.signals.harmonic import PATTERNS, HarmonicGenerator
from engine.signals.protocol import BarsFrame
from engine.values import Bar, Timeframe

WALKS = 50
BARS = 10_000
SUBSTEPS = 12
SIGMA = 0.0015
START = datetime(2020, 1, 6, tzinfo=timezone.utc)


def random_walk_bars(seed: int, n: int = BARS) -> list[Bar]:
    """``n`` H1 bars of a geometric random walk (module docstring)."""
    rng = np.random.default_rng(seed)
    steps = rng.normal(0.0, SIGMA / np.sqrt(SUBSTEPS), n * SUBSTEPS)
    path = 1.1 * np.exp(np.cumsum(steps)).reshape(n, SUBSTEPS)
    opens = np.concatenate(([1.1], path[:-1, -1]))
    highs = np.maximum(path.max(axis=1), opens)
    lows = np.minimum(path.min(axis=1), opens)
    return [
        Bar("EURUSD", Timeframe.H1, START + timedelta(hours=i), float(o), float(h), float(lo), float(c))
        for i, (o, h, lo, c) in enumerate(zip(opens, highs, lows, path[:, -1], strict=True))
    ]


def count_signals(bars: list[Bar]) -> Counter[str]:
    """Signals per pattern name that the generator raises over ``bars``."""
    gen = HarmonicGenerator(timeframes=(Timeframe.H1,))
    frame = BarsFrame("EURUSD", Timeframe.H1, 500)
    found: Counter[str] = Counter()
    for bar in bars:
        frame.append(bar)
        for signal in gen.on_bar("EURUSD", Timeframe.H1, frame):
            found[signal.pattern["name"]] += 1
    return found


def main() -> None:
    started = time.perf_counter()
    total: Counter[str] = Counter()
    for seed in range(1, WALKS + 1):
        total += count_signals(random_walk_bars(seed))
    bars = WALKS * BARS
    print(f"random walks: {WALKS} x {BARS} H1 bars, sigma {SIGMA} per bar ({time.perf_counter() - started:.1f} s)")
    for spec in PATTERNS:
        print(
            f"harmonic_fp_{spec.name.lower()}: {1000 * total[spec.name] / bars:.2f} signals per 1000 bars "
            f"({total[spec.name]} signals)"
        )
    print(f"harmonic_fp_all: {1000 * sum(total.values()) / bars:.2f} signals per 1000 bars")


if __name__ == "__main__":
    main()
