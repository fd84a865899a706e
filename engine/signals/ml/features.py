"""Features and labels of the ML signal model, strictly from past bars.

Every feature at bar ``t`` uses bars ``<= t`` only (causal shifts, rolling
windows and recursive averages); the label at ``t`` looks ``horizon`` bars
ahead and is used for training only. ``FeatureState`` computes the same
features bar by bar in O(1) for live generation.

Features (ATR is Wilder's ATR(14), log returns ``r_t = ln(close_t / close_{t-1})``):

- ``ret_k`` (k = 1, 3, 6, 12, 24): ``ln(close_t / close_{t-k})``;
- ``vol_k`` (k = 12, 24): sample standard deviation (ddof 1) of the last k ``r``;
- ``rsi``: RSI(14) / 100 - 0.5;
- ``macd_hist``: MACD(12, 26, 9) histogram / ATR;
- ``dist_ema20``, ``dist_ema50``: (close - EMA) / ATR;
- ``slope_ema20``: (EMA20_t - EMA20_{t-1}) / ATR;
- ``atr_rel``: ATR / close; ``range``: (high - low) / ATR;
- ``hour_sin``, ``hour_cos``: the bar's UTC open hour on the unit circle.

Label: 1 when ``close_{t+horizon} > close_t`` else 0 (NaN for the last
``horizon`` bars, which have no future yet).
"""

from __future__ import annotations

import math
from collections import deque
from typing import cast

import numpy as np
import pandas as pd

from engine.signals import indicators as ind

RETURN_LAGS = (1, 3, 6, 12, 24)
VOL_WINDOWS = (12, 24)
FEATURES: tuple[str, ...] = (
    *(f"ret_{k}" for k in RETURN_LAGS),
    *(f"vol_{k}" for k in VOL_WINDOWS),
    "rsi",
    "macd_hist",
    "dist_ema20",
    "dist_ema50",
    "slope_ema20",
    "atr_rel",
    "range",
    "hour_sin",
    "hour_cos",
)
WARMUP_BARS = 60  # rows before this are dropped: indicators still settling


def build_features(df: pd.DataFrame) -> pd.DataFrame:
    """Feature matrix of a bar frame (``open/high/low/close``, UTC DatetimeIndex), warm-up rows dropped."""
    close, high, low = df["close"].astype(float), df["high"].astype(float), df["low"].astype(float)
    logc = cast(pd.Series, np.log(close))  # a ufunc keeps the Series (the stubs say ndarray)
    r1 = logc.diff()
    atr = ind.atr(high, low, close, 14)
    ema20, ema50 = ind.ema(close, 20), ind.ema(close, 50)
    out = pd.DataFrame(index=df.index)
    for k in RETURN_LAGS:
        out[f"ret_{k}"] = logc - logc.shift(k)
    for k in VOL_WINDOWS:
        out[f"vol_{k}"] = r1.rolling(k).std(ddof=1)
    out["rsi"] = ind.rsi(close, 14) / 100.0 - 0.5
    out["macd_hist"] = ind.macd(close)["hist"] / atr
    out["dist_ema20"] = (close - ema20) / atr
    out["dist_ema50"] = (close - ema50) / atr
    out["slope_ema20"] = ema20.diff() / atr
    out["atr_rel"] = atr / close
    out["range"] = (high - low) / atr
    index = cast(pd.DatetimeIndex, df.index)
    hours = index.hour + index.minute / 60.0
    out["hour_sin"] = np.sin(2 * np.pi * hours / 24.0)
    out["hour_cos"] = np.cos(2 * np.pi * hours / 24.0)
    return out.iloc[WARMUP_BARS:].replace([np.inf, -np.inf], np.nan)


def make_labels(close: pd.Series, horizon: int) -> pd.Series:
    """1.0 when the close ``horizon`` bars later is higher, 0.0 when not, NaN without a future."""
    future = close.shift(-horizon)
    label = (future > close).astype(float)
    return label.where(future.notna())


def _sample_std(values: list[float]) -> float:
    """Sample standard deviation (ddof 1) in plain Python: faster than numpy for a few dozen values."""
    n = len(values)
    mean = sum(values) / n
    return math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))


class FeatureState:
    """The features of :func:`build_features`, updated one bar at a time."""

    __slots__ = ("atr", "ema20", "ema50", "rsi", "macd", "closes", "returns", "bars", "prev_ema20")

    def __init__(self) -> None:
        self.atr, self.ema20, self.ema50 = ind.Atr(14), ind.Ema(20), ind.Ema(50)
        self.rsi, self.macd = ind.Rsi(14), ind.Macd()
        self.closes: deque[float] = deque(maxlen=max(RETURN_LAGS) + 1)
        self.returns: deque[float] = deque(maxlen=max(VOL_WINDOWS))
        self.bars = 0
        self.prev_ema20: float | None = None

    def update(self, time_s: int, high: float, low: float, close: float) -> np.ndarray | None:
        """Add one closed bar; return its feature vector (order of ``FEATURES``), None while warming up."""
        if self.closes:
            self.returns.append(math.log(close / self.closes[-1]))
        self.closes.append(close)
        atr = self.atr.update(high, low, close)
        self.prev_ema20 = self.ema20.value
        e20, e50 = self.ema20.update(close), self.ema50.update(close)
        rsi = self.rsi.update(close)
        hist = self.macd.update(close)[2]
        self.bars += 1
        if self.bars <= WARMUP_BARS or not atr > 0:
            return None
        assert self.prev_ema20 is not None  # the EMA has a value once warm
        logc = math.log(close)
        closes = self.closes
        values = [logc - math.log(closes[-1 - k]) for k in RETURN_LAGS]
        rets = list(self.returns)
        values.extend(_sample_std(rets[-k:]) for k in VOL_WINDOWS)
        hour = (time_s % 86400) / 3600.0
        values.extend(
            (
                rsi / 100.0 - 0.5,
                hist / atr,
                (close - e20) / atr,
                (close - e50) / atr,
                (e20 - self.prev_ema20) / atr,
                atr / close,
                (high - low) / atr,
                math.sin(2 * math.pi * hour / 24.0),
                math.cos(2 * math.pi * hour / 24.0),
            )
        )
        return np.asarray(values, dtype=np.float64)
