"""Harmonic XABCD detection on synthetic swings built to contain (or not) each pattern."""

from __future__ import annotations

from datetime import timedelta

import pytest

from engine.signals.harmonic import HarmonicGenerator, match_xabcd, ratio_error, xabc_can_complete
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

# Each pattern with B at both ends of its AB/XA range (a single value: both ends of its ±5 % band,
# taken at ±4 %), with a C and D that make the textbook pattern: (name, AB/XA, BC/AB, AD/XA).
B_ENDS = [
    ("Gartley", 0.618 * 0.96, 0.618, 0.786),
    ("Gartley", 0.618 * 1.04, 0.5, 0.786),
    ("Bat", 0.382, 0.886, 0.886),
    ("Bat", 0.50, 0.618, 0.886),
    ("Butterfly", 0.786 * 0.96, 0.886, 1.27),
    ("Butterfly", 0.786 * 1.04, 0.618, 1.618),
    ("Crab", 0.382, 0.886, 1.618),
    ("Crab", 0.618, 0.618, 1.618),
]


def series_for(points: list[float], bullish: bool) -> list[float]:
    s = 1 if bullish else -1
    lead = points[0] + s * 0.4 * XA  # a leg into X so that X is a swing
    tail = points[4] + s * 0.5 * XA  # the reversal after D
    return path_through([lead, *points, tail], STEPS)


def d_bar(k: int = 4) -> int:
    """Index of the bar at swing ``k`` (0 = X) in ``series_for``'s bars."""
    return STEPS * (k + 1)


@pytest.mark.parametrize("bullish", [True, False], ids=["bullish", "bearish"])
@pytest.mark.parametrize(("name", "b", "c", "ad"), B_ENDS, ids=[f"{n}-B{b:.3f}" for n, b, _, _ in B_ENDS])
def test_harmonic_generator_textbook_pattern_at_both_ends_of_b_signals_at_confirmed_d(name, b, c, ad, bullish):
    points = swings(b, c, ad, bullish=bullish)
    closes = series_for(points, bullish)
    bars = bars_from_closes(closes)
    signals = run_generator(HarmonicGenerator(timeframes=(bars[0].timeframe,)), bars)
    assert [s.pattern["name"] for s in signals] == [name]
    sig = validate_signal(signals[0])
    assert sig.side is (Side.BUY if bullish else Side.SELL)
    assert [p.label for p in sig.pattern["points"]] == ["X", "A", "B", "C", "D"]
    for k, (point, price) in enumerate(zip(sig.pattern["points"], points, strict=True)):
        assert point.time == T0 + timedelta(hours=d_bar(k))
        assert point.price == pytest.approx(price, abs=1e-9)
    d = points[4]
    # D is confirmed by the first bar that closes 0.5 ATR back from it: the bar after D here
    assert sig.created_at == T0 + timedelta(hours=d_bar() + 2)
    assert sig.entry == pytest.approx(closes[d_bar() + 1], abs=1e-5)
    ad_len = abs(points[1] - d)
    assert sig.tp == pytest.approx(d + sig.side.sign * 0.618 * ad_len, abs=1e-5)
    assert sig.pattern["targets"][0] == pytest.approx(d + sig.side.sign * 0.382 * ad_len, abs=1e-5)
    if name in ("Gartley", "Bat"):  # SL beyond X
        assert (points[0] - sig.sl) * sig.side.sign > 0
    else:  # SL beyond D
        assert (d - sig.sl) * sig.side.sign > 0
    assert sig.pattern["ratios"]["ab_xa"] == pytest.approx(b, abs=1e-3)
    assert sig.pattern["ratios"]["ad_xa"] == pytest.approx(ad, abs=1e-3)


@pytest.mark.parametrize("bullish", [True, False], ids=["bullish", "bearish"])
@pytest.mark.parametrize(("b", "passed"), [(0.618, "Gartley"), (0.50, "Bat"), (0.55, "Gartley")])
def test_harmonic_crab_is_not_pre_empted_by_a_nearer_zone_price_passes_through(b, passed, bullish):
    # Price falls from C straight through the Gartley (0.786) or Bat (0.886) D zone to 1.618 XA, in small
    # steps, so that some bar's low lies inside the nearer zone on the way
    points = swings(b, 0.886, 1.618, bullish=bullish)
    x, a, b_, c, d = points
    s = 1 if bullish else -1
    closes = (
        path_through([x + s * 0.4 * XA, x, a, b_, c], STEPS)
        + path_through([c, d], 60)[1:]
        + path_through([d, d + s * 0.5 * XA], STEPS)[1:]
    )
    bars = bars_from_closes(closes)
    nearer = a - s * {"Gartley": 0.786, "Bat": 0.886}[passed] * XA
    assert any(abs((bar.low if bullish else bar.high) - nearer) < 0.0003 for bar in bars)
    signals = run_generator(HarmonicGenerator(timeframes=(bars[0].timeframe,)), bars)
    assert [s.pattern["name"] for s in signals] == ["Crab"]
    assert signals[0].pattern["points"][4].price == pytest.approx(points[4], abs=1e-9)


def test_harmonic_gradual_approach_takes_the_real_turning_point_as_d():
    # A slow slide into the Gartley zone and a little beyond: D is where price turned, not where it entered
    points = swings(0.618, 0.618, 0.80)
    x, a, b, c, d = points
    closes = (
        path_through([x + 0.4 * XA, x, a, b, c], STEPS)
        + path_through([c, d], 40)[1:]
        + path_through([d, d + 0.5 * XA], STEPS)[1:]
    )
    bars = bars_from_closes(closes)
    signals = run_generator(HarmonicGenerator(timeframes=(bars[0].timeframe,)), bars)
    assert len(signals) == 1 and signals[0].pattern["name"] == "Gartley"
    turn = closes.index(min(closes[STEPS * 4 :]), STEPS * 4)
    assert signals[0].pattern["points"][4].price == pytest.approx(d, abs=1e-9)
    assert signals[0].pattern["points"][4].time == T0 + timedelta(hours=turn)
    assert signals[0].created_at > T0 + timedelta(hours=turn)  # only once price has turned
    assert abs(signals[0].entry - d) < 0.0015  # within a bar or two of the low


def test_harmonic_a_turn_at_a_nearer_zone_then_a_deeper_one_reports_each_where_it_turned():
    # Gartley turn at 0.786 (a two-bar reaction of 0.04 XA: a turn, but less than a zigzag swing), then
    # the slide resumes to a Crab at 1.618
    x, a, b, c, d = swings(0.618, 0.618, 1.618)
    g = a - 0.786 * XA
    closes = [
        *path_through([x + 0.4 * XA, x, a, b, c, g], STEPS),
        g + 0.02 * XA,
        g + 0.04 * XA,
        *path_through([g + 0.04 * XA, d, d + 0.5 * XA], STEPS)[1:],
    ]
    bars = bars_from_closes(closes)
    signals = run_generator(HarmonicGenerator(timeframes=(bars[0].timeframe,)), bars)
    assert [s.pattern["name"] for s in signals] == ["Gartley", "Crab"]


def test_harmonic_generator_ratios_between_patterns_no_signal():
    points = swings(0.70, 0.5, 0.95)  # B at 0.70 of XA fits none of the four
    bars = bars_from_closes(series_for(points, True))
    assert run_generator(HarmonicGenerator(timeframes=(bars[0].timeframe,)), bars) == []


def test_harmonic_generator_trend_without_swings_no_signal():
    bars = bars_from_closes(path_through([1.10, 1.20], 300))
    assert run_generator(HarmonicGenerator(timeframes=(bars[0].timeframe,)), bars) == []


def test_harmonic_generator_same_c_swing_signals_once():
    points = swings(*CASES["Gartley"])
    closes = series_for(points, True)
    # Price dithers after the turn for a while: still one signal for this C.
    closes = (
        closes[: STEPS * 5 + 3]
        + [closes[STEPS * 5 + 2] + 0.00001 * (i % 2) for i in range(6)]
        + closes[STEPS * 5 + 3 :]
    )
    bars = bars_from_closes(closes)
    assert len(run_generator(HarmonicGenerator(timeframes=(bars[0].timeframe,)), bars)) == 1


def test_match_xabcd_exact_gartley_fit_one():
    best = match_xabcd(*swings(*CASES["Gartley"]))[0]
    assert best.spec.name == "Gartley"
    assert best.fit == pytest.approx(1.0) and best.error == pytest.approx(0.0, abs=1e-9)
    assert best.direction == 1


def test_match_xabcd_reports_the_best_fit_by_total_ratio_error():
    # D at 1.60 XA: a Butterfly (1.27-1.618) exactly, and within 5 % of a Crab's 1.618, but B = 0.786 is a
    # Butterfly's; with B = 0.6 only the Crab fits
    butterfly = match_xabcd(*swings(0.786, 0.886, 1.60))
    assert [m.spec.name for m in butterfly] == ["Butterfly"]
    crab = match_xabcd(*swings(0.60, 0.886, 1.60))
    assert [m.spec.name for m in crab] == ["Crab"] and crab[0].error > 0
    assert crab[0].error == pytest.approx(
        (1.618 - 1.60) / 1.618 + crab[0].ratios["cd_bc"] * 0 + max(0.0, (crab[0].ratios["cd_bc"] - 3.618) / 3.618),
        abs=1e-9,
    )


def test_match_xabcd_not_alternating_empty():
    assert match_xabcd(1.0, 1.1, 1.2, 1.1, 1.0) == []


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0.618, 0.0),
        (0.5, 0.0),
        (0.618 * 1.025, 0.025),
        (0.618 * 1.06, 0.06),
        (0.382 * 0.975, 0.025),
    ],
)
def test_ratio_error_inside_edge_and_outside(value, expected):
    assert ratio_error(value, (0.382, 0.618)) == pytest.approx(expected, abs=1e-9)


def test_zigzag_confirms_swings_only_after_threshold():
    zz = ZigZag()
    prices = [1.0, 1.1, 1.2, 1.15, 1.05, 1.12]
    confirmed = [zz.update(i, p, p, 0.1) for i, p in enumerate(prices)]
    assert confirmed[2] is None and confirmed[3] is None  # 1.2 not yet confirmed at 1.15
    assert confirmed[4].price == 1.2 and confirmed[4].kind == 1
    assert [p.price for p in zz.pivots] == [1.0, 1.2]
    assert zz.candidate.price == 1.05


def test_xabc_can_complete_filters_impossible_starts():
    x, a, b, c, _ = swings(*CASES["Gartley"])
    assert xabc_can_complete(x, a, b, c)
    x, a, b, c, _ = swings(0.70, 0.5, 0.95)
    assert not xabc_can_complete(x, a, b, c)
    assert not xabc_can_complete(1.0, 1.1, 1.2, 1.3)  # not alternating
