"""Multi-timeframe trend and momentum agreement (M15, H1, H4 by default).

On every closed bar of each timeframe the generator updates, incrementally,
EMA(fast) and EMA(slow) of the close, RSI, MACD and ATR. Each timeframe then
votes:

- trend ``= +1`` when EMA_fast > EMA_slow and EMA_slow rose over the last bar,
  ``-1`` for the mirror image, else 0;
- momentum ``= +1`` when RSI > 50 and the MACD histogram > 0, ``-1`` when
  RSI < 50 and the histogram < 0, else 0;
- score ``= (trend + momentum) / 2`` in -1..1, and strength
  ``= min(1, |EMA_fast - EMA_slow| / ATR)``.

On a closed bar of the entry timeframe (the lowest one) the direction is the
sign of that timeframe's score; the timeframes *agree* when their score has
that sign. When at least ``min_agree`` agree (all three by default) and they
did not on the previous entry bar, a signal is raised:

- entry at the close, SL ``sl_atr`` × ATR(entry timeframe) away, TP ``tp_atr`` × ATR;
- confidence ``= 0.5 + 0.35 × Σ w_tf · max(0, d · score_tf) · strength_tf / Σ w_tf``
  with weights 0.25 (M15), 0.35 (H1), 0.40 (H4): more agreeing timeframes and
  stronger trends give more confidence (0.5..0.85). Not a calibrated probability.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.signals.bracket import atr_bracket_signal
from engine.signals.indicators import Atr, Ema, Macd, Rsi
from engine.signals.protocol import BarsFrame, StreamStates
from engine.values import Signal, Timeframe


@dataclass(slots=True)
class TimeframeState:
    """Indicator state of one symbol on one timeframe."""

    fast: Ema
    slow: Ema
    rsi: Rsi
    macd: Macd
    atr: Atr
    last_time: int = 0
    bars: int = 0
    prev_slow: float | None = None
    hist: float = 0.0
    close: float = 0.0

    def vote(self) -> tuple[float, float]:
        """``(score, strength)`` as defined in the module docstring."""
        fast, slow = self.fast.value, self.slow.value
        if fast is None or slow is None or self.prev_slow is None:
            return 0.0, 0.0
        slope = slow - self.prev_slow
        trend = 1 if fast > slow and slope > 0 else -1 if fast < slow and slope < 0 else 0
        rsi = self.rsi.value
        momentum = 1 if rsi > 50 and self.hist > 0 else -1 if rsi < 50 and self.hist < 0 else 0
        atr = self.atr.value or 0.0
        strength = min(1.0, abs(fast - slow) / atr) if atr > 0 else 0.0
        return (trend + momentum) / 2.0, strength


WEIGHTS = {Timeframe.M15: 0.25, Timeframe.H1: 0.35, Timeframe.H4: 0.40}


class MultiTimeframeGenerator:
    """Raise a signal when trend and momentum agree across timeframes (see module docstring)."""

    def __init__(
        self,
        name: str = "mtf",
        timeframes: tuple[Timeframe, ...] = (Timeframe.M15, Timeframe.H1, Timeframe.H4),
        fast: int = 20,
        slow: int = 50,
        rsi_period: int = 14,
        atr_period: int = 14,
        sl_atr: float = 1.5,
        tp_atr: float = 3.0,
        min_agree: int | None = None,
        lifetime_bars: int = 2,
        warmup_bars: int = 60,
    ) -> None:
        self.name = name
        self.timeframes = tuple(sorted(timeframes, key=lambda tf: tf.seconds))
        self.entry_timeframe = self.timeframes[0]
        self.fast_n, self.slow_n = fast, slow
        self.rsi_period, self.atr_period = rsi_period, atr_period
        self.sl_atr, self.tp_atr = sl_atr, tp_atr
        self.min_agree = len(self.timeframes) if min_agree is None else min_agree
        self.lifetime_bars = lifetime_bars
        self.warmup_bars = warmup_bars
        self._streams = StreamStates(self._new_state, self._feed)
        self._agreed: dict[str, int] = {}

    def _new_state(self) -> TimeframeState:
        return TimeframeState(Ema(self.fast_n), Ema(self.slow_n), Rsi(self.rsi_period), Macd(), Atr(self.atr_period))

    @staticmethod
    def _feed(state: TimeframeState, bars: BarsFrame, i: int) -> None:
        close = float(bars.close[i])
        state.prev_slow = state.slow.value
        state.fast.update(close)
        state.slow.update(close)
        state.rsi.update(close)
        state.hist = state.macd.update(close)[2]
        state.atr.update(float(bars.high[i]), float(bars.low[i]), close)
        state.close = close
        state.bars += 1
        state.last_time = int(bars.times[i])

    def votes(self, symbol: str) -> dict[Timeframe, tuple[float, float]] | None:
        """Each timeframe's ``(score, strength)``, or None while any is still warming up."""
        out = {}
        for tf in self.timeframes:
            state = self._streams.get(symbol, tf)
            if state is None or state.bars < self.warmup_bars:
                return None
            out[tf] = state.vote()
        return out

    def on_bar(self, symbol: str, timeframe: Timeframe, bars: BarsFrame) -> list[Signal]:
        """Update ``timeframe``'s indicators; on an entry-timeframe bar, test agreement."""
        state = self._streams.advance(symbol, timeframe, bars)
        if state is None or timeframe is not self.entry_timeframe or not (state.atr.value or 0.0) > 0:
            return []
        votes = self.votes(symbol)
        if votes is None:
            return []
        score = votes[self.entry_timeframe][0]
        direction = 1 if score > 0 else -1 if score < 0 else 0
        agree = sum(1 for s, _ in votes.values() if s * direction > 0) if direction else 0
        signalled = direction if agree >= self.min_agree else 0
        previous = self._agreed.get(symbol, 0)
        self._agreed[symbol] = signalled
        if signalled == 0 or signalled == previous:
            return []
        return [self._signal(symbol, state, votes, direction)]

    def _signal(
        self, symbol: str, state: TimeframeState, votes: dict[Timeframe, tuple[float, float]], direction: int
    ) -> Signal:
        total = sum(WEIGHTS.get(tf, 1.0 / len(votes)) for tf in votes)
        support = sum(WEIGHTS.get(tf, 1.0 / len(votes)) * max(0.0, direction * s) * k for tf, (s, k) in votes.items())
        confidence = 0.5 + 0.35 * support / total
        return atr_bracket_signal(
            symbol=symbol,
            direction=direction,
            close=state.close,
            atr=state.atr.value or 0.0,
            sl_atr=self.sl_atr,
            tp_atr=self.tp_atr,
            confidence=confidence,
            source=self.name,
            timeframe=self.entry_timeframe,
            bar_open_time=state.last_time,
            lifetime_bars=self.lifetime_bars,
        )
