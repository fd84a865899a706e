"""A correlated jump-diffusion model of currency values, and the pairs derived from them.

Every currency ``c`` has a log value in US dollars ``x_c`` (``x_USD = 0``).
Each step of ``dt`` seconds moves it by

    dx_c = σ_c · sqrt(dt / TRADING_YEAR_SECONDS) · (sqrt(ρ_c) · F + sqrt(1 − ρ_c) · ε_c) + J_c

with ``F`` a common standard normal factor (the dollar: a rise of ``F`` is a
weaker dollar), ``ε_c`` independent standard normals, ``σ_c`` the annual
volatility of the currency's dollar pair (``engine.instruments``), ``ρ_c``
its loading on the dollar factor (``DOLLAR_LOADING``; gold less), and ``J_c``
a rare jump (Poisson, ``JUMPS_PER_DAY`` per currency and trading day, normal
size with the standard deviation of ``JUMP_MINUTES`` minutes of diffusion).

A pair's mid price is ``exp(x_base − x_quote)``, so crosses are exactly the
product of their legs (EURJPY = EURUSD × USDJPY), EURUSD and GBPUSD correlate
positively (≈ ρ) and USDCHF negatively with EURUSD. Start values come from the
dollar pairs' ``base_price``. The model is deterministic for a given seed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from engine.instruments import SPECS, get_spec

TRADING_YEAR_SECONDS = 260 * 86_400  # trading days per year × seconds per day
DOLLAR_LOADING = 0.6
GOLD_LOADING = 0.25
JUMPS_PER_DAY = 0.5
JUMP_MINUTES = 20.0
WEEKEND_GAP_HOURS = 3.0
BLOCK = 1024  # steps drawn per numpy call  # a Monday gap has the spread of this many hours of trading


def _dollar_legs() -> dict[str, tuple[str, int]]:
    """Map each currency to (its dollar pair, +1 when quoted XXXUSD or −1 when USDXXX)."""
    legs: dict[str, tuple[str, int]] = {}
    for spec in SPECS.values():
        if spec.quote == "USD" and spec.base != "USD":
            legs.setdefault(spec.base, (spec.symbol, 1))
        elif spec.base == "USD" and spec.quote != "USD":
            legs.setdefault(spec.quote, (spec.symbol, -1))
    return legs


DOLLAR_LEGS = _dollar_legs()


class MarketModel:
    """State of every currency's dollar value; produces mid prices of ``symbols``."""

    def __init__(self, symbols: Sequence[str], seed: int | None = None) -> None:
        self.symbols = [get_spec(s).symbol for s in symbols]
        self.currencies = sorted(DOLLAR_LEGS)
        self._index = {c: i for i, c in enumerate(self.currencies)}
        vol, loading, start = [], [], []
        for currency in self.currencies:
            pair, sign = DOLLAR_LEGS[currency]
            spec = SPECS[pair]
            vol.append(spec.annual_volatility)
            loading.append(GOLD_LOADING if currency == "XAU" else DOLLAR_LOADING)
            start.append(sign * math.log(spec.base_price))
        self.sigma = np.array(vol)
        self._common = np.sqrt(np.array(loading))
        self._own = np.sqrt(1.0 - np.array(loading))
        self.x = np.array(start)
        self.rng = np.random.default_rng(seed)
        self._block = np.empty((0, len(self.currencies)))
        self._block_dt, self._block_pos = 0.0, 0
        self._padded = np.zeros(len(self.currencies) + 1)  # x with USD's 0 appended
        self._noise: list[float] = []
        self._noise_pos = 0
        # mid = exp(x[b] - x[q]); USD is index -1 → a zero appended to x
        self._base = np.array([self._slot(get_spec(s).base) for s in self.symbols], dtype=np.intp)
        self._quote = np.array([self._slot(get_spec(s).quote) for s in self.symbols], dtype=np.intp)

    def _slot(self, currency: str) -> int:
        return len(self.currencies) if currency == "USD" else self._index[currency]

    def increments(self, steps: int, dt: float) -> np.ndarray:
        """Draw ``steps`` × currencies log-value increments of ``dt`` seconds each (no state change)."""
        scale = self.sigma * math.sqrt(dt / TRADING_YEAR_SECONDS)
        common = self.rng.standard_normal((steps, 1))
        own = self.rng.standard_normal((steps, len(self.currencies)))
        moves = scale * (self._common * common + self._own * own)
        jump_probability = JUMPS_PER_DAY * dt / 86_400
        jumps = self.rng.random((steps, len(self.currencies))) < jump_probability
        if jumps.any():
            jump_scale = self.sigma * math.sqrt(JUMP_MINUTES * 60 / TRADING_YEAR_SECONDS)
            sizes = self.rng.standard_normal((steps, len(self.currencies))) * jump_scale
            moves += np.where(jumps, sizes, 0.0)
        return moves

    def step(self, dt: float) -> None:
        """Advance every currency by one step of ``dt`` seconds.

        Steps are drawn ``BLOCK`` at a time (numpy is fast per block, slow per
        call); the sequence depends only on the seed and the calls made.
        """
        if self._block_dt != dt or self._block_pos >= self._block.shape[0]:
            self._block = self.increments(BLOCK, dt)
            self._block_dt, self._block_pos = dt, 0
        self.x += self._block[self._block_pos]
        self._block_pos += 1

    def gap(self, hours: float = WEEKEND_GAP_HOURS) -> None:
        """Apply a reopening gap: one move with the spread of ``hours`` of trading."""
        self.x += self.increments(1, hours * 3600.0)[0]

    def mids(self) -> np.ndarray:
        """Mid prices of ``symbols`` (same order), unrounded."""
        self._padded[:-1] = self.x
        return np.exp(self._padded[self._base] - self._padded[self._quote])

    def mids_of_path(self, path: np.ndarray) -> np.ndarray:
        """Mid prices (rows × symbols) for a path of log values (rows × currencies)."""
        padded = np.concatenate([path, np.zeros((path.shape[0], 1))], axis=1)
        return np.exp(padded[:, self._base] - padded[:, self._quote])

    def spread_noise(self) -> float:
        """A random spread multiplier ≥ 1 (mean 1.15): quiet books are tight, busy ones wider."""
        if self._noise_pos >= len(self._noise):
            self._noise = (1.0 + self.rng.exponential(0.15, BLOCK)).tolist()
            self._noise_pos = 0
        self._noise_pos += 1
        return self._noise[self._noise_pos - 1]
