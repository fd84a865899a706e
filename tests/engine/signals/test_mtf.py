"""Multi-timeframe agreement rules on synthetic trends."""

from __future__ import annotations

import numpy as np
import pytest

from engine.signals.indicators import Atr, Ema, Macd, Rsi
from engine.signals.mtf import MultiTimeframeGenerator, TimeframeState
from engine.signals.protocol import BarsFrame
from engine.signals.validation import validate_signal
from engine.values import Bar, Side, Timeframe
from tests.engine.signals.factories import T0, bars_from_closes

TFS = (Timeframe.M15, Timeframe.H1, Timeframe.H4)


def aggregate(bars: list[Bar], n: int, tf: Timeframe) -> list[Bar]:
    out = []
    for i in range(0, len(bars) - n + 1, n):
        chunk = bars[i : i + n]
        out.append(
            Bar(
                chunk[0].symbol,
                tf,
                chunk[0].time,
                chunk[0].open,
                max(b.high for b in chunk),
                min(b.low for b in chunk),
                chunk[-1].close,
            )
        )
    return out


def run_mtf(closes: list[float], gen: MultiTimeframeGenerator) -> list:
    """Feed M15 bars and the H1/H4 bars built from them, higher timeframes first at each close."""
    m15 = bars_from_closes(closes, timeframe=Timeframe.M15, wick=0.0002)
    h1, h4 = aggregate(m15, 4, Timeframe.H1), aggregate(m15, 16, Timeframe.H4)
    frames = {tf: BarsFrame("EURUSD", tf, 600) for tf in TFS}
    closing: dict[int, list[Bar]] = {}
    for bar in [*h4, *h1]:
        closing.setdefault(int(bar.time.timestamp()) + bar.timeframe.seconds, []).append(bar)
    signals = []
    for bar in m15:
        end = int(bar.time.timestamp()) + bar.timeframe.seconds
        for higher in sorted(closing.get(end, []), key=lambda b: -b.timeframe.seconds):
            frames[higher.timeframe].append(higher)
            signals += gen.on_bar("EURUSD", higher.timeframe, frames[higher.timeframe])
        frames[Timeframe.M15].append(bar)
        signals += gen.on_bar("EURUSD", Timeframe.M15, frames[Timeframe.M15])
    return signals


def trend(n: int, drift: float, start: float = 1.10) -> list[float]:
    wiggle = 0.0004 * np.sin(np.arange(n) / 3.0)
    return (start + drift * np.arange(n) + wiggle).tolist()


def test_mtf_uptrend_on_all_timeframes_one_buy():
    signals = run_mtf(trend(16 * 80, 0.0001), MultiTimeframeGenerator())
    assert len(signals) == 1
    sig = validate_signal(signals[0])
    assert sig.side is Side.BUY
    assert sig.sl < sig.entry < sig.tp
    assert sig.rr == pytest.approx(2.0, abs=0.05)  # prices rounded to 5 digits
    assert 0.5 < sig.confidence <= 0.85
    assert sig.timeframe is Timeframe.M15


def test_mtf_downtrend_on_all_timeframes_one_sell():
    signals = run_mtf(trend(16 * 80, -0.0001), MultiTimeframeGenerator())
    assert [s.side for s in signals] == [Side.SELL]


def test_mtf_rally_against_h4_downtrend_needs_all_timeframes():
    down = trend(16 * 80, -0.0001)
    rally = trend(40, 0.0004, start=down[-1])
    closes = down + rally
    strict = run_mtf(closes, MultiTimeframeGenerator())
    loose = run_mtf(closes, MultiTimeframeGenerator(min_agree=2))
    assert [s.side for s in strict] == [Side.SELL]  # the rally is not confirmed by H4
    assert Side.BUY in [s.side for s in loose]  # two timeframes would have bought it


def test_mtf_warmup_not_reached_no_signal():
    assert run_mtf(trend(16 * 30, 0.0001), MultiTimeframeGenerator()) == []


def test_timeframe_state_vote_trend_and_momentum():
    state = TimeframeState(Ema(20), Ema(50), Rsi(14), Macd(), Atr(14))
    state.fast.value, state.slow.value, state.prev_slow = 1.2, 1.1, 1.09
    state.rsi.value, state.hist, state.atr.value = 60.0, 0.001, 0.05
    assert state.vote() == (1.0, 1.0)
    state.rsi.value = 40.0  # momentum now disagrees
    assert state.vote() == (0.5, 1.0)
    state.prev_slow = 1.2  # slow EMA falling: no trend vote
    assert state.vote()[0] == 0.0


def test_mtf_stronger_agreement_higher_confidence():
    weak = run_mtf(trend(16 * 80, 0.00003), MultiTimeframeGenerator())
    strong = run_mtf(trend(16 * 80, 0.0002), MultiTimeframeGenerator())
    assert weak and strong
    assert strong[0].confidence > weak[0].confidence
    assert strong[0].created_at > T0
