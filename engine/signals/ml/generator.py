"""Signals from the calibrated ML direction model.

On each closed bar the features are updated incrementally and the model gives
``p = P(close_{t+h} > close_t)``. A buy is raised when ``p >= threshold``, a
sell when ``1 - p >= threshold``; at most one signal per symbol and timeframe
every ``horizon`` bars. Confidence is the calibrated probability of the
predicted direction. SL and TP are ``sl_atr`` / ``tp_atr`` × ATR(14) from the
close; with equal multiples the probability of the direction is a fair proxy
for hitting TP before SL, which ``stats`` checks on forward-test results.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from engine.signals.bracket import atr_bracket_signal
from engine.signals.ml.features import FeatureState
from engine.signals.protocol import BarsFrame, StreamStates
from engine.values import Signal, Timeframe

if TYPE_CHECKING:
    from engine.signals.ml.model import SignalModel


@dataclass(slots=True)
class _State:
    features: FeatureState = field(default_factory=FeatureState)
    last_time: int = 0
    bars: int = 0
    last_signal_bar: int = -(10**9)
    row: np.ndarray | None = None  # the newest bar's feature vector, None while warming up
    close: float = 0.0


class MLGenerator:
    """Raise signals from ``model`` (see module docstring)."""

    def __init__(
        self,
        model: SignalModel | Callable[[], SignalModel | None],
        name: str = "ml",
        timeframes: tuple[Timeframe, ...] = (Timeframe.H1,),
        threshold: float = 0.55,
        sl_atr: float = 1.5,
        tp_atr: float = 1.5,
        lifetime_bars: int = 1,
    ) -> None:
        self._model: SignalModel | None = None
        self._load: Callable[[], SignalModel | None] | None = None
        if callable(model) and not hasattr(model, "predict_up_fast"):
            self._load = model  # loaded on first use, in the runner's worker thread (see ``model``)
        else:
            self._model = model  # type: ignore[assignment]
        self.name = name
        self.timeframes = tuple(timeframes)
        self.threshold = threshold
        self.sl_atr, self.tp_atr = sl_atr, tp_atr
        self.lifetime_bars = lifetime_bars
        self._streams = StreamStates(_State, self._feed)

    @staticmethod
    def _feed(state: _State, bars: BarsFrame, i: int) -> None:
        t = int(bars.times[i])
        close = float(bars.close[i])
        state.row = state.features.update(t, float(bars.high[i]), float(bars.low[i]), close)
        state.close = close
        state.last_time = t
        state.bars += 1

    @property
    def model(self) -> SignalModel | None:
        """The model; given as a loader, it is loaded on first use (None: it did not load; no signals).

        The runner calls ``on_bar`` in its one worker thread, so a loader runs
        there: off the event loop and off the start-up path, while the bars that
        close meanwhile wait in the runner's queue (none is skipped).
        """
        if self._load is not None:
            load, self._load = self._load, None
            self._model = load()
        return self._model

    def on_bar(self, symbol: str, timeframe: Timeframe, bars: BarsFrame) -> list[Signal]:
        """Update the features with the newest bar; return a signal when the model is confident."""
        state = self._streams.advance(symbol, timeframe, bars)
        model = self.model
        if model is None or state is None or state.row is None or state.bars - state.last_signal_bar < model.horizon:
            return []
        p_up = model.predict_up_fast(state.row)
        if p_up >= self.threshold:
            direction, confidence = 1, p_up
        elif 1.0 - p_up >= self.threshold:
            direction, confidence = -1, 1.0 - p_up
        else:
            return []
        atr = state.features.atr.value or 0.0
        if not atr > 0:
            return []
        state.last_signal_bar = state.bars
        return [
            atr_bracket_signal(
                symbol=symbol,
                direction=direction,
                close=state.close,
                atr=atr,
                sl_atr=self.sl_atr,
                tp_atr=self.tp_atr,
                confidence=confidence,
                source=self.name,
                timeframe=timeframe,
                bar_open_time=state.last_time,
                lifetime_bars=self.lifetime_bars,
            )
        ]
