"""Harmonic XABCD patterns (Gartley, Bat, Butterfly, Crab) on zigzag swings.

Legs: ``XA = |A - X|``, ``AB``, ``BC``, ``CD`` likewise. The ratios tested are
``AB/XA`` (B retracement of XA), ``BC/AB`` (C retracement of AB), ``CD/BC``
(CD extension of BC) and ``AD/XA`` (D retracement, or extension beyond X, of XA).
The classic ranges (Carney):

=========  ===========  ===========  ===========  ===========
pattern    AB/XA        BC/AB        CD/BC        AD/XA
=========  ===========  ===========  ===========  ===========
Gartley    0.618        0.382-0.886  1.13-1.618   0.786
Bat        0.382-0.50   0.382-0.886  1.618-2.618  0.886
Butterfly  0.786        0.382-0.886  1.618-2.24   1.27-1.618
Crab       0.382-0.618  0.382-0.886  2.24-3.618   1.618
=========  ===========  ===========  ===========  ===========

A ratio fits when it lies within its range widened by ``tolerance`` (relative,
default 5 %). Its *fit score* is 1 inside the range and falls linearly to 0 at
the widened edge; for a single value the score is ``1 - |r - t| / (t * tolerance)``.
The pattern's fit is the mean score, with the defining ratios AB/XA and AD/XA
counted twice.

Trading a match (bullish when D is a swing low → buy; bearish → sell):
- entry: the close of the bar on which D is reached;
- stop-loss: beyond the invalidation level — X for the retracement patterns
  (Gartley, Bat), the AD/XA = upper bound + 0.272 extension for Butterfly and
  Crab — plus ``sl_buffer_atr`` × ATR;
- take-profit: the ``tp_retracement`` (default 61.8 %) retracement of AD from
  D; the 38.2 % level is also given in ``pattern["targets"]``;
- confidence: ``0.45 + 0.35 × fit`` (0.45..0.80). It is a goodness-of-fit
  score, not a calibrated probability; ``stats`` measures how it calibrates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from engine.instruments import SPECS
from engine.signals.indicators import Atr
from engine.signals.protocol import BarsFrame, StreamStates
from engine.signals.zigzag import Pivot, ZigZag
from engine.values import PatternPoint, Side, Signal, Timeframe


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
    """A pattern that fits: its spec, fit (0..1), ratios and direction (+1 bullish, -1 bearish)."""

    spec: HarmonicSpec
    fit: float
    ratios: dict[str, float]
    direction: int


def ratio_score(value: float, bounds: tuple[float, float], tolerance: float) -> float:
    """Fit of one ratio: 1 inside ``bounds``, linearly 0 at the bounds widened by ``tolerance``."""
    lo, hi = bounds
    if lo <= value <= hi:
        return 1.0
    edge = (lo if value < lo else hi) * tolerance
    gap = lo - value if value < lo else value - hi
    return max(0.0, 1.0 - gap / edge) if edge > 0 else 0.0


def match_xabcd(x: float, a: float, b: float, c: float, d: float,
                tolerance: float = 0.05) -> list[HarmonicMatch]:
    """Patterns that the five swing prices fit, best first (empty when none does).

    The swings must alternate: a bullish pattern has X low, A high, B low,
    C high, D low (a bearish one the mirror image).
    """
    direction = 1 if a > x else -1
    legs = (a - x, b - a, c - b, d - c)
    if not (legs[0] * direction > 0 > legs[1] * direction and legs[2] * direction > 0 > legs[3] * direction):
        return []
    xa, ab, bc, cd = (abs(v) for v in legs)
    ad = abs(d - a)
    ratios = {"ab_xa": ab / xa, "bc_ab": bc / ab, "cd_bc": cd / bc, "ad_xa": ad / xa}
    # D must be on the correct side: below A for bullish, and AD/XA measured toward X.
    if (a - d) * direction <= 0:
        return []
    matches = []
    for spec in PATTERNS:
        scores = [ratio_score(ratios[k], getattr(spec, k), tolerance) for k in ratios]
        if min(scores) <= 0.0:
            continue
        fit = (2 * scores[0] + scores[1] + scores[2] + 2 * scores[3]) / 6.0
        matches.append(HarmonicMatch(spec, fit, ratios, direction))
    return sorted(matches, key=lambda m: m.fit, reverse=True)


def xabc_can_complete(x: float, a: float, b: float, c: float, tolerance: float = 0.05) -> bool:
    """Whether some pattern accepts these X, A, B, C (AB/XA and BC/AB), whatever D turns out to be."""
    xa, ab, bc = a - x, b - a, c - b
    if not (xa * ab < 0 < xa * bc) or ab == 0:
        return False
    r_ab, r_bc = abs(ab / xa), abs(bc / ab)
    return any(ratio_score(r_ab, spec.ab_xa, tolerance) > 0 and ratio_score(r_bc, spec.bc_ab, tolerance) > 0
               for spec in PATTERNS)


@dataclass(slots=True)
class _State:
    atr: Atr
    zigzag: ZigZag
    last_time: int
    bars: int = 0
    emitted: set[int] = field(default_factory=set)
    xabc_time: int = -1          # C's time when ``xabc_ok`` was computed (the last pivot identifies X..C)
    xabc_ok: bool = False


class HarmonicGenerator:
    """Detect XABCD patterns as D forms on closed bars (see module docstring).

    ``zigzag_atr`` sets the swing threshold as a multiple of ATR(``atr_period``);
    a signal lives ``lifetime_bars`` bars; each C swing yields at most one signal.
    """

    def __init__(self, name: str = "harmonic",
                 timeframes: tuple[Timeframe, ...] = (Timeframe.M15, Timeframe.H1, Timeframe.H4),
                 tolerance: float = 0.05, zigzag_atr: float = 2.0, atr_period: int = 14,
                 sl_buffer_atr: float = 0.25, tp_retracement: float = 0.618,
                 lifetime_bars: int = 4, warmup_bars: int = 30) -> None:
        self.name = name
        self.timeframes = tuple(timeframes)
        self.tolerance = tolerance
        self.zigzag_atr = zigzag_atr
        self.atr_period = atr_period
        self.sl_buffer_atr = sl_buffer_atr
        self.tp_retracement = tp_retracement
        self.lifetime_bars = lifetime_bars
        self.warmup_bars = warmup_bars
        self._streams = StreamStates(self._new_state, self._feed)

    def on_bar(self, symbol: str, timeframe: Timeframe, bars: BarsFrame) -> list[Signal]:
        """Update the swings with the newest bar; return a signal when D completes a pattern."""
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
        state.zigzag.update(t, high, low, threshold)
        state.last_time = t

    def _evaluate(self, symbol: str, timeframe: Timeframe, state: _State, close: float) -> list[Signal]:
        zz = state.zigzag
        d = zz.candidate
        if state.bars < self.warmup_bars or d is None or d.time != state.last_time or len(zz.pivots) < 4:
            return []
        x, a, b, c = list(zz.pivots)[-4:]
        if c.time in state.emitted:
            return []
        if state.xabc_time != c.time:
            state.xabc_time = c.time
            state.xabc_ok = xabc_can_complete(x.price, a.price, b.price, c.price, self.tolerance)
        if not state.xabc_ok:
            return []
        matches = match_xabcd(x.price, a.price, b.price, c.price, d.price, self.tolerance)
        if not matches:
            return []
        signal = self._signal(symbol, timeframe, matches[0], (x, a, b, c, d), close, state.atr.value or 0.0)
        if signal is None:
            return []
        state.emitted.add(c.time)
        return [signal]

    def _signal(self, symbol: str, timeframe: Timeframe, match: HarmonicMatch,
                points: tuple[Pivot, ...], close: float, atr: float) -> Signal | None:
        x, a, _, _, d = points
        direction = match.direction
        xa = abs(a.price - x.price)
        ad = abs(a.price - d.price)
        buffer = self.sl_buffer_atr * atr
        if match.spec.extension:
            level = a.price - direction * (match.spec.ad_xa[1] + 0.272) * xa
        else:
            level = x.price
        sl = level - direction * buffer
        tp = d.price + direction * self.tp_retracement * ad
        tp1 = d.price + direction * 0.382 * ad
        if not ((sl - close) * direction < 0 < (tp - close) * direction):
            return None
        spec = SPECS.get(symbol)
        digits = spec.digits if spec else 5
        created = datetime.fromtimestamp(d.time + timeframe.seconds, tz=timezone.utc)
        pattern = {
            "name": match.spec.name,
            "direction": "bullish" if direction > 0 else "bearish",
            "points": [PatternPoint(label, datetime.fromtimestamp(p.time, tz=timezone.utc), p.price)
                       for label, p in zip("XABCD", points)],
            "ratios": {k: round(v, 3) for k, v in match.ratios.items()},
            "targets": [round(tp1, digits), round(tp, digits)],
            "fit": round(match.fit, 3),
        }
        return Signal(
            id=None, symbol=symbol, side=Side.BUY if direction > 0 else Side.SELL,
            entry=round(close, digits), sl=round(sl, digits), tp=round(tp, digits),
            confidence=round(0.45 + 0.35 * match.fit, 4), source=self.name, timeframe=timeframe,
            created_at=created,
            expires_at=created + timedelta(seconds=self.lifetime_bars * timeframe.seconds),
            pattern=pattern)
