"""Indicator values over a chart's ``BarSeries``, kept up to date incrementally (Qt-free).

Every formula is the engine's (``engine.signals.indicators``): a whole series
is computed with its batch (pandas) functions, and afterwards only what
changed is computed again with its incremental classes, seeded from the
values already held for the bar before. So a price on the forming bar costs
one step (a window of ``n`` for SMA and Bollinger), a new bar two, a closed
bar merged late a few (``BarSeries.first_change_since``); a long stretch
(more than ``BULK_BARS``) goes back to the batch functions.

An indicator is described by an ``IndicatorSpec``; the defaults of the ones
the signal models use are read from the models themselves, so the chart
shows what a model saw.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from engine.signals import indicators as ind
from engine.signals.mtf import MultiTimeframeGenerator
from terminal.chart.series import BarSeries

BULK_BARS = 512


@dataclass(frozen=True, slots=True)
class Kind:
    """One kind of indicator: its parameters, outputs and where it is drawn."""

    name: str
    title: str
    params: tuple[str, ...]
    outputs: tuple[str, ...]  # drawn
    state: tuple[str, ...] = ()  # kept to seed the incremental class, not drawn
    overlay: bool = True  # on the price pane; else in a pane of its own


KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind("sma", "SMA", ("period",), ("value",)),
        Kind("ema", "EMA", ("period",), ("value",)),
        Kind("bollinger", "Bollinger", ("period", "deviations"), ("mid", "upper", "lower")),
        Kind("rsi", "RSI", ("period",), ("value",), ("gain", "loss"), overlay=False),
        Kind(
            "macd",
            "MACD",
            ("fast", "slow", "signal"),
            ("macd", "signal", "hist"),
            ("fast_ema", "slow_ema"),
            overlay=False,
        ),
        Kind("atr", "ATR", ("period",), ("value",), overlay=False),
    )
}

PARAM_BOUNDS: dict[str, tuple[float, float]] = {
    "period": (1, 1000),
    "fast": (1, 1000),
    "slow": (1, 1000),
    "signal": (1, 1000),
    "deviations": (0.1, 10.0),
}


def _default(callable_: Callable[..., Any], name: str) -> Any:
    return inspect.signature(callable_).parameters[name].default


@dataclass(frozen=True, slots=True)
class IndicatorSpec:
    """One indicator on the chart: ``key`` (stable id), ``kind``, parameters, shown or not.

    ``used_by`` names the signal models computing the same indicator with the
    same parameters by default (shown in the menu).
    """

    key: str
    kind: str
    params: tuple[float, ...]
    enabled: bool = False
    used_by: str = ""
    name: str = ""  # how the chart names it ("EMA fast"); the kind's title when empty

    @property
    def title(self) -> str:
        return self.name or KINDS[self.kind].title

    @property
    def label(self) -> str:
        values = ", ".join(f"{p:g}" for p in self.params)
        return f"{self.title} ({values})"

    def validated(self) -> IndicatorSpec:
        """Check the kind and every parameter; raise ValueError naming the bad one."""
        if self.kind not in KINDS:
            raise ValueError(f"kind: unknown indicator {self.kind!r}")
        names = KINDS[self.kind].params
        if len(self.params) != len(names):
            raise ValueError(f"params: {self.kind} takes {len(names)} parameters, got {len(self.params)}")
        clean = []
        for name, value in zip(names, self.params, strict=True):
            low, high = PARAM_BOUNDS[name]
            if (
                isinstance(value, bool)
                or not isinstance(value, (int, float))
                or not math.isfinite(value)
                or not low <= value <= high
            ):
                raise ValueError(f"{name}: must be a number in {low:g}..{high:g}, got {value!r}")
            clean.append(float(value) if name == "deviations" else int(value))
        if self.kind == "macd" and clean[0] >= clean[1]:
            raise ValueError(f"fast: must be below slow ({clean[0]} >= {clean[1]})")
        return replace(self, params=tuple(clean))


def default_specs() -> list[IndicatorSpec]:
    """The indicators offered on the chart, all off; the models' own ones with the models' defaults."""
    mtf = MultiTimeframeGenerator
    macd = tuple(_default(ind.Macd, p) for p in ("fast", "slow", "signal"))
    return [
        IndicatorSpec("sma", "sma", (50,)),
        IndicatorSpec("ema_fast", "ema", (_default(mtf, "fast"),), used_by="mtf, ml", name="EMA fast"),
        IndicatorSpec("ema_slow", "ema", (_default(mtf, "slow"),), used_by="mtf, ml", name="EMA slow"),
        IndicatorSpec("bollinger", "bollinger", (20, 2.0)),
        IndicatorSpec("rsi", "rsi", (_default(mtf, "rsi_period"),), used_by="mtf, ml"),
        IndicatorSpec("macd", "macd", macd, used_by="mtf, ml"),
        IndicatorSpec("atr", "atr", (_default(mtf, "atr_period"),), used_by="mtf, harmonic, ml"),
    ]


# --- computation ---------------------------------------------------------------------------------


def _bulk(spec: IndicatorSpec, series: BarSeries) -> dict[str, np.ndarray]:
    """Every output and state column over the whole series, by the engine's batch functions."""
    close = pd.Series(series.close, copy=False)
    p = spec.params
    if spec.kind == "sma":
        return {"value": ind.sma(close, int(p[0])).to_numpy()}
    if spec.kind == "ema":
        return {"value": ind.ema(close, int(p[0])).to_numpy()}
    if spec.kind == "bollinger":
        frame = ind.bollinger(close, int(p[0]), float(p[1]))
        return {name: frame[name].to_numpy() for name in ("mid", "upper", "lower")}
    if spec.kind == "rsi":
        averages = ind.rsi_averages(close, int(p[0]))
        return {
            "value": ind.rsi(close, int(p[0])).to_numpy(),
            "gain": averages["gain"].to_numpy(),
            "loss": averages["loss"].to_numpy(),
        }
    if spec.kind == "macd":
        fast, slow, signal = (int(x) for x in p)
        frame = ind.macd(close, fast, slow, signal)
        return {
            "macd": frame["macd"].to_numpy(),
            "signal": frame["signal"].to_numpy(),
            "hist": frame["hist"].to_numpy(),
            "fast_ema": ind.ema(close, fast).to_numpy(),
            "slow_ema": ind.ema(close, slow).to_numpy(),
        }
    high, low = pd.Series(series.high, copy=False), pd.Series(series.low, copy=False)
    return {"value": ind.atr(high, low, close, int(p[0])).to_numpy()}


def _stepper(
    spec: IndicatorSpec, series: BarSeries, columns: dict[str, np.ndarray], start: int
) -> Callable[[int], tuple[float, ...]]:
    """The engine's incremental class in the state it had after bar ``start - 1``, as a bar → values step."""
    p = spec.params
    close, high, low = series.close, series.high, series.low
    before = start - 1
    if spec.kind == "sma":
        n = int(p[0])
        sma = ind.Sma(n)
        for x in close[max(0, start - n + 1) : start].tolist():
            sma.update(x)
        return lambda i: (sma.update(float(close[i])),)
    if spec.kind == "bollinger":
        n = int(p[0])
        bands = ind.Bollinger(n, float(p[1]))
        for x in close[max(0, start - n + 1) : start].tolist():
            bands.update(x)
        return lambda i: bands.update(float(close[i]))
    if spec.kind == "ema":
        ema = ind.Ema(int(p[0]))
        ema.value = float(columns["value"][before]) if before >= 0 else None
        return lambda i: (ema.update(float(close[i])),)
    if spec.kind == "rsi":
        rsi = ind.Rsi(int(p[0]))
        if before >= 0:
            rsi.prev = float(close[before])
            rsi.value = float(columns["value"][before])
            gain, loss = float(columns["gain"][before]), float(columns["loss"][before])
            if not math.isnan(gain):
                rsi.gain, rsi.loss = gain, loss

        def rsi_step(i: int) -> tuple[float, ...]:
            value = rsi.update(float(close[i]))
            return value, math.nan if rsi.gain is None else rsi.gain, math.nan if rsi.loss is None else rsi.loss

        return rsi_step
    if spec.kind == "macd":
        macd = ind.Macd(*(int(x) for x in p))
        if before >= 0:
            macd.fast.value = float(columns["fast_ema"][before])
            macd.slow.value = float(columns["slow_ema"][before])
            macd.signal.value = float(columns["signal"][before])

        def macd_step(i: int) -> tuple[float, ...]:
            values = macd.update(float(close[i]))
            fast, slow = macd.fast.value, macd.slow.value
            assert fast is not None and slow is not None  # both EMAs have a value once updated
            return (*values, fast, slow)

        return macd_step
    atr = ind.Atr(int(p[0]))
    if before >= 0:
        atr.prev_close = float(close[before])
        atr.value = float(columns["value"][before])
    return lambda i: (atr.update(float(high[i]), float(low[i]), float(close[i])),)


class IndicatorValues:
    """The values of one indicator over one ``BarSeries``; call ``sync`` after the series changed.

    ``column(name)`` is a view of ``len(series)`` values (NaN where undefined).
    ``recomputed`` is how many bars the last ``sync`` computed (for tests and
    benchmarks: 1 for a price on the forming bar).
    """

    def __init__(self, spec: IndicatorSpec) -> None:
        self.spec = spec.validated()
        kind = KINDS[self.spec.kind]
        self._names = kind.outputs + kind.state
        self._columns: dict[str, np.ndarray] = {name: np.empty(0) for name in self._names}
        self._series: BarSeries | None = None
        self._n = 0
        self._final = 0  # bars whose values were computed once they were closed
        self._version = -1
        self._forming = -1
        self.recomputed = 0

    def column(self, name: str) -> np.ndarray:
        return self._columns[name][: self._n]

    def sync(self, series: BarSeries) -> bool:
        """Bring the values up to date with ``series``; return True when any changed."""
        if series is not self._series:
            self._series, self._version, self._final = series, -1, 0
        n = len(series)
        changed = series.first_change_since(self._version) if self._version >= 0 else 0
        if changed is None and series.forming_version == self._forming and n == self._n:
            self.recomputed = 0
            return False
        start = min(self._final, n - 1 if changed is None else changed, max(n - 1, 0))
        if n == 0:
            self._n = 0
        elif start == 0 or n - start > BULK_BARS:
            self._take_bulk(series)
        else:
            self._step_from(series, start)
        self.recomputed = n - start if n else 0
        self._final = max(n - 1, 0)
        self._version, self._forming = series.version, series.forming_version
        return True

    def _take_bulk(self, series: BarSeries) -> None:
        n = len(series)
        values = _bulk(self.spec, series)
        capacity = max(2 * n, 1024)
        for name in self._names:
            column = np.full(capacity, np.nan)
            column[:n] = values[name]
            self._columns[name] = column
        self._n = n

    def _step_from(self, series: BarSeries, start: int) -> None:
        n = len(series)
        if n > len(self._columns[self._names[0]]):
            for name in self._names:
                grown = np.full(max(2 * n, 1024), np.nan)
                grown[: self._n] = self._columns[name][: self._n]
                self._columns[name] = grown
        self._n = n
        step = _stepper(self.spec, series, self._columns, start)
        columns = [self._columns[name] for name in self._names]
        for i in range(start, n):
            for column, value in zip(columns, step(i), strict=False):  # the per-bar hot path, unchecked
                column[i] = value
