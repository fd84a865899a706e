"""Factories for signal tests: synthetic bars through given swing prices, signals (trades: tests.kit)."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta, timezone

import numpy as np
import pandas as pd

from engine.signals.protocol import BarsFrame
from engine.values import Bar, Side, Signal, Timeframe

T0 = datetime(2026, 1, 5, tzinfo=timezone.utc)


def path_through(prices: list[float], steps: int) -> list[float]:
    """Closes moving linearly from each price to the next in ``steps`` bars per leg."""
    out = [prices[0]]
    for p0, p1 in itertools.pairwise(prices):
        out.extend(np.linspace(p0, p1, steps + 1)[1:].tolist())
    return out


def bars_from_closes(
    closes: list[float],
    symbol: str = "EURUSD",
    timeframe: Timeframe = Timeframe.H1,
    start: datetime = T0,
    wick: float = 0.0,
) -> list[Bar]:
    """Bars whose open is the previous close, high/low the max/min of open and close (± ``wick``)."""
    bars = []
    prev = closes[0]
    for i, c in enumerate(closes):
        t = start + timedelta(seconds=i * timeframe.seconds)
        bars.append(Bar(symbol, timeframe, t, prev, max(prev, c) + wick, min(prev, c) - wick, c, 100.0))
        prev = c
    return bars


def random_walk(n: int, seed: int = 1, start: float = 1.1, vol: float = 0.0008) -> list[float]:
    rng = np.random.default_rng(seed)
    return (start * np.exp(np.cumsum(rng.normal(0.0, vol, n)))).tolist()


def frame_of(bars: list[Bar]) -> pd.DataFrame:
    return BarsFrame.from_bars(bars, capacity=len(bars) + 1).frame()


def run_generator(gen, bars: list[Bar], capacity: int = 500) -> list[Signal]:
    """Feed bars one by one as the runner would; return every signal."""
    frame = BarsFrame(bars[0].symbol, bars[0].timeframe, capacity)
    out = []
    for bar in bars:
        frame.append(bar)
        out.extend(gen.on_bar(bar.symbol, bar.timeframe, frame))
    return out


def make_signal(**over) -> Signal:
    base = {
        "id": None,
        "symbol": "EURUSD",
        "side": Side.BUY,
        "entry": 1.1000,
        "sl": 1.0950,
        "tp": 1.1100,
        "confidence": 0.7,
        "source": "test",
        "timeframe": Timeframe.H1,
        "created_at": T0,
        "expires_at": T0 + timedelta(hours=1),
    }
    base.update(over)
    return Signal(**base)
