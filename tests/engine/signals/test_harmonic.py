"""Harmonic XABCD detection on synthetic swings built to contain (or not) each pattern."""

from __future__ import annotations

from datetime import timedelta

import pytest

from engine.signals.harmonic import HarmonicGenerator, match_xabcd, ratio_score, xabc_can_complete
from engine.signals.validation import validate_signal
from engine.signals.zigzag import ZigZag
from engine.values import Side
from tests.engine.signals.factories import T0, bars_from_closes, path_through, run_generator

STEPS = 10
XA = 0.02


def swings(b: float, c: float, ad: float, bullish: bool = True, x: float = 1.10) -> list[float]:
    """Prices X, A, B, C, D from the ratios AB/XA, BC/AB and AD/XA."""
    s = 1 if bullish else -1
    a = x + s * XA
    bb = a - s * b * XA
    cc = bb + s * c * b * XA
    d = a - s * ad * XA
    return [x, a, bb, cc, d]


CASES = {
    "Gartley": (0.618, 0.618, 0.786),
    "Bat": (0.45, 0.618, 0.886),
    "Butterfly": (0.786, 0.618, 1.27),
    "Crab": (0.55, 0.886, 1.618),
}


def series_for(points: list[float], bullish: bool) -> list[float]:
    s = 1 if bullish else -1
    lead = points[0] + s * 0.4 * XA            # a leg into X so that X is a swing
    tail = points[4] + s * 0.5 * XA            # the reversal after D
    return path_through([lead, *points, tail], STEPS)


@pytest.mark.parametrize("bullish", [True, False], ids=["bullish", "bearish"])
@pytest.mark.parametrize("name", list(CASES))
def test_harmonic_generator_pattern_series_signals_at_d_with_points(name, bullish):
    points = swings(*CASES[name], bullish=bullish)
    bars = bars_from_closes(series_for(points, bullish))
    signals = run_generator(HarmonicGenerator(timeframes=(bars[0].timeframe,)), bars)
    assert len(signals) == 1
    sig = validate_signal(signals[0])
    assert sig.pattern["name"] == name
    assert sig.side is (Side.BUY if bullish else Side.SELL)
    labels = [p.label for p in sig.pattern["points"]]
    assert labels == ["X", "A", "B", "C", "D"]
    for k, (point, price) in enumerate(zip(sig.pattern["points"], points)):
        assert point.time == T0 + timedelta(hours=STEPS * (k + 1))
        assert point.price == pytest.approx(price, abs=1e-9)
    d = points[4]
    assert sig.entry == pytest.approx(d, abs=1e-5)
    ad = abs(points[1] - d)
    assert sig.tp == pytest.approx(d + sig.side.sign * 0.618 * ad, abs=1e-5)
    assert sig.pattern["targets"][0] == pytest.approx(d + sig.side.sign * 0.382 * ad, abs=1e-5)
    if name in ("Gartley", "Bat"):   # SL beyond X
        assert (points[0] - sig.sl) * sig.side.sign > 0
    else:                            # SL beyond D
        assert (d - sig.sl) * sig.side.sign > 0
    assert sig.confidence == pytest.approx(0.8, abs=0.02)  # ratios fit almost exactly
    assert sig.created_at == T0 + timedelta(hours=STEPS * 5 + 1)  # the close of D's bar


def test_harmonic_generator_ratios_between_patterns_no_signal():
    points = swings(0.70, 0.5, 0.95)   # B at 0.70 of XA fits none of the four
    bars = bars_from_closes(series_for(points, True))
    assert run_generator(HarmonicGenerator(timeframes=(bars[0].timeframe,)), bars) == []


def test_harmonic_generator_trend_without_swings_no_signal():
    bars = bars_from_closes(path_through([1.10, 1.20], 300))
    assert run_generator(HarmonicGenerator(timeframes=(bars[0].timeframe,)), bars) == []


def test_harmonic_generator_same_c_swing_signals_once():
    points = swings(*CASES["Gartley"])
    closes = series_for(points, True)
    # Price dithers at D for a while: still one signal for this C.
    closes = closes[:STEPS * 5 + 2] + [points[4] + 0.00001 * (i % 2) for i in range(6)] + closes[STEPS * 5 + 2:]
    bars = bars_from_closes(closes)
    assert len(run_generator(HarmonicGenerator(timeframes=(bars[0].timeframe,)), bars)) == 1


def test_match_xabcd_exact_gartley_fit_one():
    best = match_xabcd(*swings(*CASES["Gartley"]))[0]
    assert best.spec.name == "Gartley"
    assert best.fit == pytest.approx(1.0)
    assert best.direction == 1


def test_match_xabcd_not_alternating_empty():
    assert match_xabcd(1.0, 1.1, 1.2, 1.1, 1.0) == []


@pytest.mark.parametrize(("value", "expected"), [
    (0.618, 1.0), (0.5, 1.0), (0.618 * 1.025, 0.5), (0.618 * 1.06, 0.0), (0.382 * 0.975, 0.5),
])
def test_ratio_score_inside_edge_and_outside(value, expected):
    assert ratio_score(value, (0.382, 0.618), 0.05) == pytest.approx(expected, abs=1e-9)


def test_zigzag_confirms_swings_only_after_threshold():
    zz = ZigZag()
    prices = [1.0, 1.1, 1.2, 1.15, 1.05, 1.12]
    confirmed = [zz.update(i, p, p, 0.1) for i, p in enumerate(prices)]
    assert confirmed[2] is None and confirmed[3] is None   # 1.2 not yet confirmed at 1.15
    assert confirmed[4].price == 1.2 and confirmed[4].kind == 1
    assert [p.price for p in zz.pivots] == [1.0, 1.2]
    assert zz.candidate.price == 1.05


def test_xabc_can_complete_filters_impossible_starts():
    x, a, b, c, _ = swings(*CASES["Gartley"])
    assert xabc_can_complete(x, a, b, c)
    x, a, b, c, _ = swings(0.70, 0.5, 0.95)
    assert not xabc_can_complete(x, a, b, c)
    assert not xabc_can_complete(1.0, 1.1, 1.2, 1.3)       # not alternating
