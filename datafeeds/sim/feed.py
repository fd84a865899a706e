"""The simulated market as a ``PriceFeed`` (``--feed sim``, the default without provider keys).

Clock: at ``speed == 1`` ticks carry the wall-clock time and the market is
open around the clock (the terminal is alive whenever it is opened). At any
other speed the feed runs its own clock from ``sim_start`` (default 30 days
ago), ``speed`` simulated seconds per wall second (``math.inf`` = as fast as
the consumer takes them), with weekends closed: the clock jumps from Friday
22:00 to Sunday 22:00 UTC without ticks and the first tick of the week
carries a Monday gap.

Ticks: every ``tick_seconds`` of simulated time (0.25 s: four quotes per
second per symbol) each symbol gets a quote. Spread (price units) =
``typical_spread_pips × pip_size × noise × rollover_factor`` rounded up to a
whole point, so it is never below the typical spread; ``noise`` ≥ 1 (mean
1.15) and the rollover factor peaks at 4 at 22:00 UTC. bid = mid − spread/2
rounded to the symbol's digits, ask = bid + spread.

Resume (``resume``, a ``datafeeds.sim.resume.ResumePoint`` read from the
journal): the feed continues the stored market instead of generating a new
one: each symbol from its last stored quote, at a time no earlier than the
journal's last event, its past continuing the stored bars (see resume.py).
The log says so. A first start says how it invented the past (``past``, a
``SimPast``), for the journal to keep: every restart generates it again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import datetime, timedelta, timezone

import numpy as np

from datafeeds.sim import calendar
from datafeeds.sim.history import SymbolBars, generate_history
from datafeeds.sim.model import MarketModel
from datafeeds.sim.resume import ResumePoint, SimPast, resumed_history, start_clock
from engine.errors import ValidationError
from engine.instruments import SPECS, get_spec
from engine.values import Bar, FeedStatus, Quote, Timeframe, iso

log = logging.getLogger(__name__)

DEFAULT_SIM_START_AGO = timedelta(days=30)
HISTORY_DAYS = 21.0


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


def parse_speed(value: float | str | None) -> float:
    """Return a speed multiplier: a positive number, or ``math.inf`` for ``"max"``."""
    if value is None:
        return 1.0
    if isinstance(value, str) and value.strip().lower() == "max":
        return math.inf
    try:
        speed = float(value)
    except (TypeError, ValueError):
        raise ValidationError(f"speed {value!r} must be a positive number or 'max'", field="speed") from None
    if not speed > 0 or math.isnan(speed):
        raise ValidationError(f"speed {value!r} must be a positive number or 'max'", field="speed")
    return speed


class SimulatedFeed:
    """Correlated simulated quotes for the configured symbols (see the module docstring)."""

    name = "sim"

    def __init__(
        self,
        *,
        speed: float | str = 1.0,
        seed: int | None = None,
        sim_start: datetime | None = None,
        tick_seconds: float = 0.25,
        history_days: float = HISTORY_DAYS,
        now: Callable[[], datetime] = _utcnow,
        resume: ResumePoint | None = None,
    ) -> None:
        self.speed = parse_speed(speed)
        if sim_start is not None and sim_start.tzinfo is None:
            raise ValidationError("sim_start must carry a timezone (UTC)", field="sim_start")
        if not tick_seconds > 0:
            raise ValidationError("tick_seconds must be positive", field="tick_seconds")
        self.seed = seed
        self.wall_clock = self.speed == 1.0
        self.tick_seconds = tick_seconds
        self.history_days = history_days
        self._now = now
        self._sim_start = sim_start
        self._resume = resume
        self._offset = timedelta(0)  # added to the wall clock at speed 1 (a journal ahead of it)
        self._model: MarketModel | None = None
        self.past: SimPast | None = None  # set by a first start: how it invented the past (to be recorded)
        self._bars: dict[str, SymbolBars] = {}
        self._clock: datetime | None = None
        self._stopped = asyncio.Event()
        self._running = False
        self._ticks = 0
        self._last_error: str | None = None

    # -- lifecycle -----------------------------------------------------------------
    async def start(self, symbols: Sequence[str]) -> None:
        """Validate ``symbols``, build the model and generate the history (off the loop)."""
        names = [s.strip().upper() for s in symbols]
        unknown = [s for s in names if s not in SPECS]
        if unknown or not names:
            raise ValidationError(
                f"unknown symbol(s) {', '.join(unknown) or '(none given)'}", field="symbols", code="unknown_symbol"
            )
        self.symbols = list(dict.fromkeys(names))
        self._model = MarketModel(self.symbols, self.seed)
        point = self._resume
        if point is not None and point.covers(self.symbols):
            clock = await self._resume_from(point)
        else:
            if self.wall_clock:
                clock = self._now()
            else:
                clock = calendar.next_open(self._sim_start or (self._now() - DEFAULT_SIM_START_AGO))
            seed = self.seed if self.seed is not None else int(np.random.default_rng().integers(2**62))
            self._model.rng = np.random.default_rng(seed)
            self._bars = await asyncio.to_thread(
                generate_history, self._model, self.symbols, clock, self.history_days, self.wall_clock
            )
            if self.seed is None:
                self._model.rng = np.random.default_rng()  # a new future
            self.past = SimPast(seed, clock, self.wall_clock)
        self._clock = clock
        # per symbol: (name, typical spread in points, point, digits, its bars)
        self._layout = [
            (
                s,
                get_spec(s).typical_spread_pips * get_spec(s).pip_size / get_spec(s).point,
                get_spec(s).point,
                get_spec(s).digits,
                self._bars[s],
            )
            for s in self.symbols
        ]
        self._stopped.clear()
        self._running = True

    async def _resume_from(self, point: ResumePoint) -> datetime:
        """Continue the journal's market (module docstring); return the clock of the first tick."""
        assert self._model is not None
        now = self._now()
        clock, self._offset = start_clock(
            point,
            now,
            wall_clock=self.wall_clock,
            sim_start=self._sim_start,
            default_start=now - DEFAULT_SIM_START_AGO,
            tick=timedelta(seconds=self.tick_seconds),
        )
        model = self._model
        if point.past is not None:  # the first start's own past (resume.SimPast)
            model.rng = np.random.default_rng(point.past.seed)
        elif self.seed is None:  # the same invented past at every restart on this journal; a new future
            model.rng = np.random.default_rng(point.past_seed(self.symbols))
        self._bars = await asyncio.to_thread(
            resumed_history, model, self.symbols, point, self.history_days, self.wall_clock
        )
        if self.seed is None:
            model.rng = np.random.default_rng()
        mids = point.last_mids(self.symbols)
        prices = ", ".join(f"{s} {mids[s]:.{get_spec(s).digits}f}" for s in self.symbols if s in mids)
        ahead = f"; the clock runs {self._offset} ahead of the wall clock" if self._offset else ""
        log.info(
            "simulator resumes from the journal: %s at %s, not before the journal's last event %s%s",
            prices,
            iso(clock),
            iso(point.not_before) if point.not_before else "-",
            ahead,
        )
        return clock

    async def stop(self) -> None:
        """Stop the stream; ``stream()`` returns at its next step."""
        self._running = False
        self._stopped.set()

    # -- ticks ---------------------------------------------------------------------
    @property
    def clock(self) -> datetime | None:
        """The simulated time of the last tick (wall time at speed 1)."""
        return self._clock

    def step(self) -> list[Quote]:
        """Advance the market by one tick step and return one quote per symbol.

        Synchronous and cheap; ``stream()`` paces it. On its own clock a step
        that lands in a closed weekend jumps to the next open with a gap.
        """
        model, clock = self._model, self._clock
        if model is None or clock is None:
            raise RuntimeError("SimulatedFeed.step() before start()")
        if self.wall_clock:
            clock = max(self._now() + self._offset, clock)
        else:
            clock = clock + timedelta(seconds=self.tick_seconds)
            if not calendar.is_open(clock):
                clock = calendar.next_open(clock)
                model.gap()
        model.step(self.tick_seconds)
        self._clock = clock
        rollover = calendar.rollover_factor(clock) if clock.hour in (21, 22) else 1.0
        quotes = []
        for (symbol, typical_points, point, digits, bars), mid in zip(self._layout, model.mids().tolist(), strict=True):
            points = math.ceil(typical_points * rollover * model.spread_noise() - 1e-9)
            bid = round(mid - points * point / 2.0, digits)
            quote = Quote(symbol, bid, round(bid + points * point, digits), clock, "sim")
            bars.add_quote(quote)
            quotes.append(quote)
        self._ticks += len(quotes)
        return quotes

    async def stream(self) -> AsyncIterator[Quote]:
        """Yield quotes until ``stop()``, paced by ``speed`` (see the module docstring)."""
        loop = asyncio.get_running_loop()
        wall_start = loop.time()
        steps = 0
        while self._running:
            for quote in self.step():
                yield quote
            steps += 1
            if math.isinf(self.speed):
                await asyncio.sleep(0)
                continue
            delay = wall_start + steps * self.tick_seconds / self.speed - loop.time()
            if delay > 0:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(delay):
                        await self._stopped.wait()
            elif steps % 64 == 0:
                await asyncio.sleep(0)

    # -- queries -------------------------------------------------------------------
    async def history(self, symbol: str, timeframe: Timeframe, count: int) -> list[Bar]:
        """Closed bars of ``symbol`` (generated past + bars built from live ticks), oldest first."""
        bars = self._bars.get(symbol.strip().upper())
        if bars is None:
            raise ValidationError(
                f"symbol {symbol!r} is not simulated (start() with it)", field="symbol", code="unknown_symbol"
            )
        return await asyncio.to_thread(bars.bars, Timeframe(timeframe), count)

    def status(self) -> list[FeedStatus]:
        """One ``FeedStatus`` naming the speed, the simulated clock and whether the market is open."""
        clock = self._clock
        details = {
            "speed": "max" if math.isinf(self.speed) else self.speed,
            "seed": self.seed,
            "clock": iso(clock),
            "market_open": True if self.wall_clock or clock is None else calendar.is_open(clock),
            "ticks": self._ticks,
        }
        return [
            FeedStatus(
                name=self.name,
                enabled=True,
                healthy=self._running,
                last_error=self._last_error,
                in_use=self._running,
                details=details,
            )
        ]
