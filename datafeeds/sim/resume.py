"""Resuming the simulated market from a journal: continue, never regenerate.

A ``ResumePoint`` is what a journal holds of the market: each symbol's last
quote, its stored M1 bars, the earliest stored bar the engine will show of it
(any timeframe), and the journal's last event. ``SimulatedFeed`` given one
(DESIGN's ``--speed``):

- starts each symbol's price at its last stored quote (``anchor``: the
  currency log values of ``datafeeds.sim.model`` that reproduce those mids;
  a cross whose legs are both known follows from them);
- starts its clock no earlier than the journal's last event (``start_clock``);
  at speed 1, where ticks carry the wall time, a journal whose last event lies
  ahead of the wall clock (a previous run at another speed) shifts the clock
  forward by the difference;
- generates its past only *before* the earliest stored bar, ending exactly at
  that bar's open (``generate_history(end_x=...)``), then continues with the
  stored M1 bars: history continues what was stored, with no price gap.
  Without ``--seed`` that invented past is seeded by the journal
  (``past_seed``), so every restart shows the same chart; the ticks to come
  stay random.
- a journal that recorded how its first start invented the past (``SimPast``:
  the seed, the first start's clock, weekends closed or not; written at that
  start) gets exactly that past again, before its stored M1 bars: the chart a
  trader saw left of the first start keeps its shape at every restart. (Ending
  the past at the earliest stored bar instead, which may be an M15 or D1 bar
  begun before the first start, regenerated a different past at the first
  restart.)
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import numpy as np

from datafeeds.sim import calendar
from datafeeds.sim.history import SymbolBars, generate_history
from datafeeds.sim.model import MarketModel
from engine.instruments import get_spec
from engine.values import Bar, Quote


@dataclass(frozen=True, slots=True)
class SimPast:
    """How a first start invented the past: the generator's seed, the clock it ended at, weekends open or closed.

    ``text`` is what the journal stores (``engine.journal.info.SIM_PAST``): ``seed|ISO time|0 or 1``.
    """

    seed: int
    end: datetime
    always_open: bool

    def text(self) -> str:
        return f"{self.seed}|{self.end.astimezone(timezone.utc).isoformat()}|{int(self.always_open)}"

    @classmethod
    def parse(cls, text: str | None) -> SimPast | None:
        """The record in ``text``; None when there is none or it does not read (a hand-edited journal)."""
        try:
            seed, end, always_open = (text or "").split("|")
            when = datetime.fromisoformat(end)
            if when.tzinfo is None or always_open not in ("0", "1"):
                return None
            return cls(int(seed), when.astimezone(timezone.utc), always_open == "1")
        except ValueError:
            return None


@dataclass(frozen=True, slots=True)
class ResumePoint:
    """A journal's market, per symbol (see the module docstring); times are UTC."""

    quotes: Mapping[str, Quote] = field(default_factory=dict)
    bars: Mapping[str, Sequence[Bar]] = field(default_factory=dict)  # stored M1 bars, oldest first
    first_bar: Mapping[str, Bar] = field(default_factory=dict)  # the earliest stored bar shown, any timeframe
    not_before: datetime | None = None
    past: SimPast | None = None  # how the journal's first start invented the past, when it recorded it

    def covers(self, symbols: Sequence[str]) -> bool:
        """True when the journal holds a price of any of ``symbols``."""
        return any(s in self.quotes or self.bars.get(s) for s in symbols)

    def last_mids(self, symbols: Sequence[str]) -> dict[str, float]:
        """Each symbol's last stored mid: its last quote's, else its last bar's close (bid + typical spread / 2)."""
        mids: dict[str, float] = {}
        for symbol in symbols:
            quote = self.quotes.get(symbol)
            bars = self.bars.get(symbol)
            if quote is not None:
                mids[symbol] = (quote.bid + quote.ask) / 2.0
            elif bars:
                mids[symbol] = _bid_to_mid(symbol, bars[-1].close)
        return mids

    def first_mids(self, symbols: Sequence[str]) -> dict[str, float]:
        """Each symbol's mid where its stored history begins (the open of its earliest stored bar)."""
        mids = {s: _bid_to_mid(s, self.first_bar[s].open) for s in symbols if s in self.first_bar}
        return mids | {s: m for s, m in self.last_mids(symbols).items() if s not in mids}

    def past_seed(self, symbols: Sequence[str]) -> int:
        """A seed for the generated past fixed by the journal (its earliest stored bar) and ``symbols``.

        Without ``--seed`` the past before the stored bars is then the same at every restart.
        """
        key = f"{self.history_end(symbols)}|{','.join(sorted(symbols))}".encode()
        return int.from_bytes(hashlib.sha256(key).digest()[:8], "big")

    def history_end(self, symbols: Sequence[str]) -> datetime | None:
        """Where the generated past must end: the earliest stored bar (or quote) of any of ``symbols``."""
        times = [self.first_bar[s].time for s in symbols if s in self.first_bar]
        times += [self.bars[s][0].time for s in symbols if self.bars.get(s)]
        times += [self.quotes[s].time for s in symbols if s in self.quotes]
        return min(times) if times else None


def _bid_to_mid(symbol: str, bid: float) -> float:
    spec = get_spec(symbol)
    return bid + spec.typical_spread_pips * spec.pip_size / 2.0


def anchor(model: MarketModel, mids: Mapping[str, float]) -> np.ndarray:
    """Currency log values (``model.x`` layout) whose pair mids equal ``mids``; others stay as in ``model.x``.

    Pairs quoted against the dollar fix their currency first; a cross then fixes
    the one currency of its two still free; a cross whose currencies are both
    fixed follows from them.
    """
    x = model.x.copy()
    index = {c: i for i, c in enumerate(model.currencies)}
    known = {"USD"}

    def value(currency: str) -> float:
        return 0.0 if currency == "USD" else float(x[index[currency]])

    pending = sorted(mids.items(), key=lambda item: "USD" not in (get_spec(item[0]).base, get_spec(item[0]).quote))
    while pending:
        left = []
        for symbol, mid in pending:
            spec = get_spec(symbol)
            base, quote = spec.base, spec.quote
            if base in known and quote in known:
                continue
            if quote in known:
                x[index[base]] = math.log(mid) + value(quote)
                known.add(base)
            elif base in known:
                x[index[quote]] = value(base) - math.log(mid)
                known.add(quote)
            else:
                left.append((symbol, mid))
        if len(left) == len(pending):  # a cross with no known leg: keep its base, fix its quote
            known.add(get_spec(left[0][0]).base)
        pending = left
    return x


def start_clock(
    point: ResumePoint,
    now: datetime,
    *,
    wall_clock: bool,
    sim_start: datetime | None,
    default_start: datetime,
    tick: timedelta,
) -> tuple[datetime, timedelta]:
    """(the first tick's time, the offset of a wall clock) when resuming ``point``.

    Never before the journal's last event: at speed 1 the wall clock, shifted
    forward when the journal is ahead of it; at other speeds ``sim_start`` (or
    ``default_start``) or just after the last event, whichever is later, moved to
    the next open market.
    """
    last = point.not_before
    if wall_clock:
        offset = (last + tick - now) if last is not None and last + tick > now else timedelta(0)
        return now + offset, offset
    start = sim_start or default_start
    if last is not None and start <= last:
        start = last + tick
    return calendar.next_open(start), timedelta(0)


def resumed_history(
    model: MarketModel, symbols: Sequence[str], point: ResumePoint, days: float, always_open: bool
) -> dict[str, SymbolBars]:
    """The past of a resumed feed: generated up to the earliest stored bar, then the stored M1 bars.

    Leaves ``model`` at the last stored prices (``ResumePoint.last_mids``).
    With ``point.past`` the past is the first start's own (module docstring):
    the caller seeds ``model`` with ``point.past.seed`` first.
    """
    end = point.history_end(symbols)
    if end is None:
        raise ValueError("the resume point holds no price of these symbols")
    if point.past is not None:
        recorded = point.past
        generated = generate_history(model, symbols, recorded.end, days, recorded.always_open)
        end = recorded.end
    else:
        target = anchor(model, point.first_mids(symbols))
        generated = generate_history(model, symbols, end, days, always_open, end_x=target)
    for symbol, past in generated.items():
        stored = [b for b in point.bars.get(symbol, ()) if b.time >= end]
        if not stored:
            continue
        times = np.array([int(b.time.timestamp()) * 10**9 for b in stored], dtype="int64")
        ohlc = np.array([(b.open, b.high, b.low, b.close) for b in stored], dtype="float64")
        keep = past.times < times[0]
        generated[symbol] = SymbolBars(
            symbol, np.concatenate([past.times[keep], times]), np.concatenate([past.ohlc[keep], ohlc])
        )
    model.x = anchor(model, point.last_mids(symbols))
    return generated
