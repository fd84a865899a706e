"""Technical indicators, batch (pandas) and incremental (one bar at a time).

The batch functions take pandas Series and are used for training and tests;
the incremental classes give the *same numbers* bar by bar in O(1), for live
generation, where recomputing over the whole history on every bar would be
too slow. Every recurrence is seeded with the first value it sees, like
``pandas.Series.ewm(adjust=False)``.

Definitions:
- EMA(n): ``e_t = e_{t-1} + alpha * (x_t - e_{t-1})``, ``alpha = 2 / (n + 1)``, ``e_0 = x_0``.
- RSI(n) (Wilder): average gain ``g`` and loss ``l`` of close-to-close changes,
  smoothed with ``alpha = 1 / n`` from the first change; ``RSI = 100 - 100 / (1 + g / l)``,
  100 when ``l == 0 < g`` and 50 when both are 0. In 0..100.
- MACD(fast, slow, signal): ``macd = EMA_fast(close) - EMA_slow(close)``,
  ``signal = EMA_signal(macd)``, ``hist = macd - signal`` (price units).
- ATR(n) (Wilder): true range ``max(high, prev_close) - min(low, prev_close)``
  (``high - low`` on the first bar), smoothed with ``alpha = 1 / n``. Price units.
- SMA(n): the mean of the last ``n`` values; undefined (NaN) before the n-th.
- Bollinger(n, k): middle = SMA(n); upper/lower = middle ± k × the population
  standard deviation (``ddof = 0``) of the same ``n`` values. Price units.
"""

from __future__ import annotations

import math
from collections import deque

import numpy as np
import pandas as pd


def ema(series: pd.Series, n: int) -> pd.Series:
    """Exponential moving average with ``alpha = 2 / (n + 1)``, seeded with the first value."""
    return series.ewm(alpha=2.0 / (n + 1), adjust=False).mean()


def sma(series: pd.Series, n: int) -> pd.Series:
    """Simple moving average of the last ``n`` values (NaN before the n-th)."""
    return series.rolling(n).mean()


def bollinger(close: pd.Series, n: int = 20, k: float = 2.0) -> pd.DataFrame:
    """Bollinger bands: columns ``mid``, ``upper``, ``lower`` (NaN before the n-th close)."""
    mid = sma(close, n)
    band = k * close.rolling(n).std(ddof=0)
    return pd.DataFrame({"mid": mid, "upper": mid + band, "lower": mid - band})


def rsi_averages(close: pd.Series, n: int = 14) -> pd.DataFrame:
    """Wilder's smoothed average gain and loss (columns ``gain``, ``loss``; NaN on the first close).

    These are the state of :class:`Rsi` after each close.
    """
    delta = close.diff()
    gain = delta.clip(lower=0.0).iloc[1:].ewm(alpha=1.0 / n, adjust=False).mean()
    loss = (-delta.clip(upper=0.0)).iloc[1:].ewm(alpha=1.0 / n, adjust=False).mean()
    return pd.DataFrame({"gain": gain, "loss": loss}, index=close.index)


def rsi(close: pd.Series, n: int = 14) -> pd.Series:
    """Wilder's RSI (0..100); the first value (no change yet) is 50."""
    averages = rsi_averages(close, n).iloc[1:]
    out = pd.Series(50.0, index=close.index)
    g = averages["gain"].to_numpy()
    lo = averages["loss"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.where(lo > 0, 100.0 - 100.0 / (1.0 + g / np.where(lo > 0, lo, 1.0)), np.where(g > 0, 100.0, 50.0))
    out.iloc[1:] = value  # type: ignore[call-overload]  # pandas-stubs take no ndarray here; pandas does
    return out


def macd(close: pd.Series, fast: int = 12, slow: int = 26, signal: int = 9) -> pd.DataFrame:
    """MACD line, signal line and histogram (columns ``macd``, ``signal``, ``hist``)."""
    line = ema(close, fast) - ema(close, slow)
    sig = ema(line, signal)
    return pd.DataFrame({"macd": line, "signal": sig, "hist": line - sig})


def true_range(high: pd.Series, low: pd.Series, close: pd.Series) -> pd.Series:
    """True range; ``high - low`` on the first bar."""
    prev = close.shift(1)
    tr = pd.concat([high, prev], axis=1).max(axis=1) - pd.concat([low, prev], axis=1).min(axis=1)
    return tr.fillna(high - low)


def atr(high: pd.Series, low: pd.Series, close: pd.Series, n: int = 14) -> pd.Series:
    """Wilder's average true range (price units)."""
    return true_range(high, low, close).ewm(alpha=1.0 / n, adjust=False).mean()


class Ema:
    """Incremental EMA, equal to :func:`ema`."""

    __slots__ = ("alpha", "value")

    def __init__(self, n: int) -> None:
        self.alpha = 2.0 / (n + 1)
        self.value: float | None = None

    def update(self, x: float) -> float:
        """Add one value; return the new average."""
        if self.value is None:
            self.value = x
        else:
            self.value += self.alpha * (x - self.value)
        return self.value


class Rsi:
    """Incremental Wilder RSI, equal to :func:`rsi`."""

    __slots__ = ("alpha", "prev", "gain", "loss", "value")

    def __init__(self, n: int = 14) -> None:
        self.alpha = 1.0 / n
        self.prev: float | None = None
        self.gain: float | None = None
        self.loss: float | None = None
        self.value = 50.0

    def update(self, close: float) -> float:
        """Add one close; return the RSI."""
        if self.prev is None:
            self.prev = close
            return self.value
        delta = close - self.prev
        self.prev = close
        up, down = max(delta, 0.0), max(-delta, 0.0)
        if self.gain is None or self.loss is None:  # the first change (both are set together)
            self.gain, self.loss = up, down
        else:
            self.gain += self.alpha * (up - self.gain)
            self.loss += self.alpha * (down - self.loss)
        if self.loss > 0:
            self.value = 100.0 - 100.0 / (1.0 + self.gain / self.loss)
        else:
            self.value = 100.0 if self.gain > 0 else 50.0
        return self.value


class Macd:
    """Incremental MACD, equal to :func:`macd`; ``update`` returns ``(macd, signal, hist)``."""

    __slots__ = ("fast", "slow", "signal")

    def __init__(self, fast: int = 12, slow: int = 26, signal: int = 9) -> None:
        self.fast, self.slow, self.signal = Ema(fast), Ema(slow), Ema(signal)

    def update(self, close: float) -> tuple[float, float, float]:
        line = self.fast.update(close) - self.slow.update(close)
        sig = self.signal.update(line)
        return line, sig, line - sig


class Atr:
    """Incremental Wilder ATR, equal to :func:`atr`."""

    __slots__ = ("alpha", "prev_close", "value")

    def __init__(self, n: int = 14) -> None:
        self.alpha = 1.0 / n
        self.prev_close: float | None = None
        self.value: float | None = None

    def update(self, high: float, low: float, close: float) -> float:
        """Add one bar; return the ATR."""
        tr = high - low if self.prev_close is None else max(high, self.prev_close) - min(low, self.prev_close)
        self.prev_close = close
        if self.value is None:
            self.value = tr
        else:
            self.value += self.alpha * (tr - self.value)
        return self.value


class Sma:
    """Incremental SMA, equal to :func:`sma` (NaN until ``n`` values were added)."""

    __slots__ = ("n", "window", "value")

    def __init__(self, n: int) -> None:
        self.n = n
        self.window: deque[float] = deque(maxlen=n)
        self.value = math.nan

    def update(self, x: float) -> float:
        """Add one value; return the mean of the last ``n`` (exactly summed)."""
        self.window.append(x)
        if len(self.window) == self.n:
            self.value = math.fsum(self.window) / self.n
        return self.value


class Bollinger:
    """Incremental Bollinger bands, equal to :func:`bollinger`; ``update`` returns ``(mid, upper, lower)``."""

    __slots__ = ("k", "sma")

    def __init__(self, n: int = 20, k: float = 2.0) -> None:
        self.k = k
        self.sma = Sma(n)

    def update(self, x: float) -> tuple[float, float, float]:
        mid = self.sma.update(x)
        if math.isnan(mid):
            return mid, mid, mid
        band = self.k * math.sqrt(math.fsum((v - mid) ** 2 for v in self.sma.window) / self.sma.n)
        return mid, mid + band, mid - band


def finite(x: float | None) -> bool:
    """True when ``x`` is a finite number."""
    return x is not None and math.isfinite(x)
