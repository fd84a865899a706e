"""Harmonic XABCD patterns (Gartley, Bat, Butterfly, Crab) on zigzag swings, as Carney defines them.

Legs: ``XA = |A - X|``, ``AB``, ``BC``, ``CD`` likewise. Ratios: ``AB/XA`` (B
retracement of XA), ``BC/AB`` (C retracement of AB), ``CD/BC`` (the BC
projection) and ``AD/XA`` (D retracement of XA, or extension beyond X):

=========  ===========  ===========  ===========  ===========
pattern    AB/XA        BC/AB        CD/BC        AD/XA
=========  ===========  ===========  ===========  ===========
Gartley    0.618        0.382-0.886  1.13-1.618   0.786
Bat        0.382-0.50   0.382-0.886  1.618-2.618  0.886
Butterfly  0.786        0.382-0.886  1.618-2.24   1.27-1.618
Crab       0.382-0.618  0.382-0.886  2.24-3.618   1.618
=========  ===========  ===========  ===========  ===========

**Error of a ratio**: 0 inside its range, else the distance to the nearer
bound relative to that bound (``(lo - r) / lo`` or ``(r - hi) / hi``). A
pattern **fits** when AB/XA, BC/AB and AD/XA each have an error of at most
``tolerance`` (5 %). CD/BC is counted in the error but not required: with
these values it is implied by the other three, and Carney's table is not
consistent at every B (a Crab with B at 0.382 and C at 0.886 has CD/BC = 4.6).
Of the patterns that fit, the one with the **smallest total error** (sum over
the four ratios) is reported; every pattern is evaluated, none first.

**Completion (when D is taken)**: D is the extreme of the leg after C. It is
*confirmed* on the first closed bar whose close has turned back from that
extreme by at least ``confirm_atr`` × ATR (default 0.5 ATR; the bar that makes
the extreme may confirm it, as a pin bar does), while the extreme still
stands. Only then are the ratios measured, with D = the extreme. So a pattern
whose D zone lies further out (a Crab at 1.618) is never reported as a nearer
one (a Gartley at 0.786) that price merely passed through: it is reported
where price actually turned. A new extreme (price goes on) cancels the
confirmation and waits for the next turn. Each (C swing, pattern) yields at
most one signal.

Trading a match (bullish when D is a swing low → buy; bearish → sell):

- entry: the close of the confirming bar; the signal is stamped at that
  bar's close;
- stop-loss: beyond the invalidation level — X for the retracement patterns
  (Gartley, Bat), the AD/XA = upper bound + 0.272 extension for Butterfly and
  Crab — plus ``sl_buffer_atr`` × ATR;
- take-profit: the ``tp_retracement`` (default 61.8 %) retracement of AD from
  D; the 38.2 % level is also given in ``pattern["targets"]``;
- confidence: ``0.45 + 0.35 × fit`` (0.45..0.80) with ``fit = max(0, 1 −
  total error / (4 × tolerance))``. It is a goodness-of-fit score, not a
  calibrated probability; the signal report measures how it calibrates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from engine.instruments import SPECS
from engine.signals.indicators import Atr
from engine.signals.protocol import BarsFrame, StreamStates
from engine.signals.zigzag import Pivot, ZigZag
from engine.values import PatternPoint, Side, Signal, Timeframe

RATIOS = ("ab_xa", "bc_ab", "cd_bc", "ad_xa")
REQUIRED = ("ab_xa", "bc_ab", "ad_xa")


@dataclass(frozen=True, slots=True)
class HarmonicSpec:
    """Ratio ranges of one pattern (``(low, high)``; equal bounds mean a single value)."""

    name: str
    ab_xa: tuple[float, float]
    bc_ab: tuple[float, float]
    cd_bc: tuple[float, float]
    ad_xa: tuple[float, float]

    @property
    def extension(self) -> bool:
        """True when D lies beyond X (AD/XA > 1)."""
        return self.ad_xa[0] > 1.0


PATTERNS: tuple[HarmonicSpec, ...] = (
    HarmonicSpec("Gartley", (0.618, 0.618), (0.382, 0.886), (1.13, 1.618), (0.786, 0.786)),
    HarmonicSpec("Bat", (0.382, 0.50), (0.382, 0.886), (1.618, 2.618), (0.886, 0.886)),
    HarmonicSpec("Butterfly", (0.786, 0.786), (0.382, 0.886), (1.618, 2.24), (1.27, 1.618)),
    HarmonicSpec("Crab", (0.382, 0.618), (0.382, 0.886), (2.24, 3.618), (1.618, 1.618)),
)


@dataclass(frozen=True, slots=True)
class HarmonicMatch:
    """A pattern that fits: its spec, total ratio error, fit (0..1), ratios and direction (+1 bullish)."""

    spec: HarmonicSpec
    error: float
    fit: float
    ratios: dict[str, float]
    direction: int


def ratio_error(value: float, bounds: tuple[float, float]) -> float:
    """0 inside ``bounds``, else the distance to the nearer bound relative to it."""
    lo, hi = bounds
    if value < lo:
        return (lo - value) / lo
    if value > hi:
        return (value - hi) / hi
    return 0.0


def xabcd_ratios(x: float, a: float, b: float, c: float, d: float) -> tuple[int, dict[str, float]] | None:
    """(direction, the four ratios) of alternating swings with D on A's far side, else None."""
    direction = 1 if a > x else -1
    legs = (a - x, b - a, c - b, d - c)
    if not (legs[0] * direction > 0 > legs[1] * direction and legs[2] * direction > 0 > legs[3] * direction):
        return None
    if (a - d) * direction <= 0:
        return None
    xa, ab, bc, cd = (abs(v) for v in legs)
    return direction, {"ab_xa": ab / xa, "bc_ab": bc / ab, "cd_bc": cd / bc, "ad_xa": abs(d - a) / xa}


def match_xabcd(x: float, a: float, b: float, c: float, d: float, tolerance: float = 0.05) -> list[HarmonicMatch]:
    """Every pattern the five swing prices fit, best (smallest total error) first; empty when none."""
    found = xabcd_ratios(x, a, b, c, d)
    if found is None:
        return []
    direction, ratios = found
    matches = []
    for spec in PATTERNS:
        errors = {k: ratio_error(ratios[k], getattr(spec, k)) for k in RATIOS}
        if any(errors[k] > tolerance for k in REQUIRED):
            continue
        total = sum(errors.values())
        fit = max(0.0, 1.0 - total / (4 * tolerance))
        matches.append(HarmonicMatch(spec, total, fit, ratios, direction))
    return sorted(matches, key=lambda m: m.error)


def xabc_can_complete(x: float, a: float, b: float, c: float, tolerance: float = 0.05) -> bool:
    """Whether some pattern accepts these X, A, B, C (AB/XA and BC/AB), whatever D turns out to be."""
    xa, ab, bc = a - x, b - a, c - b
    if not (xa * ab < 0 < xa * bc) or ab == 0:
        return False
    r_ab, r_bc = abs(ab / xa), abs(bc / ab)
    return any(
        ratio_error(r_ab, spec.ab_xa) <= tolerance and ratio_error(r_bc, spec.bc_ab) <= tolerance for spec in PATTERNS
    )


@dataclass(slots=True)
class _State:
    atr: Atr
    zigzag: ZigZag
    last_time: int
    bars: int = 0
    emitted: set[tuple[int, str]] = field(default_factory=set)  # (C's time, pattern name)
    judged: int = -1  # the candidate D's time last evaluated at a turn
    confirmed_now: Pivot | None = None  # the swing the zigzag confirmed on the newest bar
    xabc_time: int = -1  # C's time when ``xabc_ok`` was computed (the last pivot identifies X..C)
    xabc_ok: bool = False


class HarmonicGenerator:
    """Detect XABCD patterns at a confirmed D on closed bars (see module docstring).

    ``zigzag_atr`` sets the swing threshold as a multiple of ATR(``atr_period``);
    ``confirm_atr`` the turn from D that confirms it; a signal lives
    ``lifetime_bars`` bars.
    """

    def __init__(
        self,
        name: str = "harmonic",
        timeframes: tuple[Timeframe, ...] = (Timeframe.M15, Timeframe.H1, Timeframe.H4),
        tolerance: float = 0.05,
        zigzag_atr: float = 2.0,
        atr_period: int = 14,
        confirm_atr: float = 0.5,
        sl_buffer_atr: float = 0.25,
        tp_retracement: float = 0.618,
        lifetime_bars: int = 4,
        warmup_bars: int = 30,
    ) -> None:
        self.name = name
        self.timeframes = tuple(timeframes)
        self.tolerance = tolerance
        self.zigzag_atr = zigzag_atr
        self.atr_period = atr_period
        self.confirm_atr = confirm_atr
        self.sl_buffer_atr = sl_buffer_atr
        self.tp_retracement = tp_retracement
        self.lifetime_bars = lifetime_bars
        self.warmup_bars = warmup_bars
        self._streams = StreamStates(self._new_state, self._feed)

    def on_bar(self, symbol: str, timeframe: Timeframe, bars: BarsFrame) -> list[Signal]:
        """Update the swings with the newest bar; return a signal when a turn confirms a pattern's D."""
        state = self._streams.advance(symbol, timeframe, bars)
        if state is None:
            return []
        return self._evaluate(symbol, timeframe, state, float(bars.close[-1]))

    def _new_state(self) -> _State:
        return _State(Atr(self.atr_period), ZigZag(), last_time=0)

    def _feed(self, state: _State, bars: BarsFrame, i: int) -> None:
        high, low, close = float(bars.high[i]), float(bars.low[i]), float(bars.close[i])
        t = int(bars.times[i])
        atr = state.atr.update(high, low, close)
        state.bars += 1
        threshold = self.zigzag_atr * atr if state.bars >= self.atr_period else 0.0
        state.confirmed_now = state.zigzag.update(t, high, low, threshold)
        state.last_time = t

    def _turned(self, state: _State, d: Pivot, close: float) -> bool:
        """Whether the newest close confirms the candidate D (module docstring)."""
        atr = state.atr.value or 0.0
        return atr > 0 and (close - d.price) * -d.kind >= self.confirm_atr * atr

    def _evaluate(self, symbol: str, timeframe: Timeframe, state: _State, close: float) -> list[Signal]:
        zz = state.zigzag
        if state.bars < self.warmup_bars:
            return []
        pivots = list(zz.pivots)
        fast = state.confirmed_now  # a turn so sharp that the zigzag confirmed D before a bar could
        if fast is not None and fast.time != state.judged and len(pivots) >= 5 and self._turned(state, fast, close):
            state.judged = fast.time
            return self._judge(symbol, timeframe, state, tuple(pivots[-5:-1]), fast, close)
        d = zz.candidate
        if d is None or len(pivots) < 4 or d.time == state.judged or not self._turned(state, d, close):
            return []
        state.judged = d.time
        return self._judge(symbol, timeframe, state, tuple(pivots[-4:]), d, close)

    def _judge(
        self, symbol: str, timeframe: Timeframe, state: _State, xabc: tuple[Pivot, ...], d: Pivot, close: float
    ) -> list[Signal]:
        """Measure the ratios at a confirmed D; return the best-fitting pattern's signal, if any."""
        x, a, b, c = xabc
        if state.xabc_time != c.time:
            state.xabc_time = c.time
            state.xabc_ok = xabc_can_complete(x.price, a.price, b.price, c.price, self.tolerance)
        if not state.xabc_ok:
            return []
        matches = [
            m
            for m in match_xabcd(x.price, a.price, b.price, c.price, d.price, self.tolerance)
            if (c.time, m.spec.name) not in state.emitted
        ]
        if not matches:
            return []
        signal = self._signal(symbol, timeframe, matches[0], (x, a, b, c, d), close, state)
        if signal is None:
            return []
        state.emitted.add((c.time, matches[0].spec.name))
        return [signal]

    def _signal(
        self,
        symbol: str,
        timeframe: Timeframe,
        match: HarmonicMatch,
        points: tuple[Pivot, ...],
        close: float,
        state: _State,
    ) -> Signal | None:
        x, a, _, _, d = points
        direction = match.direction
        xa = abs(a.price - x.price)
        ad = abs(a.price - d.price)
        buffer = self.sl_buffer_atr * (state.atr.value or 0.0)
        level = a.price - direction * (match.spec.ad_xa[1] + 0.272) * xa if match.spec.extension else x.price
        sl = level - direction * buffer
        tp = d.price + direction * self.tp_retracement * ad
        tp1 = d.price + direction * 0.382 * ad
        if not ((sl - close) * direction < 0 < (tp - close) * direction):
            return None
        spec = SPECS.get(symbol)
        digits = spec.digits if spec else 5
        created = datetime.fromtimestamp(state.last_time + timeframe.seconds, tz=timezone.utc)
        pattern = {
            "name": match.spec.name,
            "direction": "bullish" if direction > 0 else "bearish",
            "points": [
                PatternPoint(label, datetime.fromtimestamp(p.time, tz=timezone.utc), p.price)
                for label, p in zip("XABCD", points, strict=True)
            ],
            "ratios": {k: round(v, 3) for k, v in match.ratios.items()},
            "error": round(match.error, 4),
            "targets": [round(tp1, digits), round(tp, digits)],
            "fit": round(match.fit, 3),
        }
        return Signal(
            id=None,
            symbol=symbol,
            side=Side.BUY if direction > 0 else Side.SELL,
            entry=round(close, digits),
            sl=round(sl, digits),
            tp=round(tp, digits),
            confidence=round(0.45 + 0.35 * match.fit, 4),
            source=self.name,
            timeframe=timeframe,
            created_at=created,
            expires_at=created + timedelta(seconds=self.lifetime_bars * timeframe.seconds),
            pattern=pattern,
        )
