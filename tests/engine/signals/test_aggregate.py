"""Aggregator arithmetic: weights from forward-test results, combined direction and confidence."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from engine.signals.aggregate import SignalAggregator
from engine.values import Side
from tests.engine.signals.factories import T0, make_signal
from tests.kit import signal_trade


def test_aggregator_weights_shrink_expectancy_toward_prior():
    agg = SignalAggregator(prior_trades=20)
    sigs = [make_signal(id=1, source="good"), make_signal(id=2, source="bad"), make_signal(id=3, source="new")]
    # Risk of make_signal: |1.1000 - 1.0950| = 50 pips. good: 20 trades at +25 pips (+0.5 R).
    trades = [signal_trade(i, signal_id=1, pips=25.0) for i in range(1, 21)]
    trades += [signal_trade(100 + i, signal_id=2, pips=-50.0, pnl="-50") for i in range(60)]
    w = agg.update_weights(sigs, trades)
    assert w["good"] == {"weight": pytest.approx(1 + 20 * 0.5 / 40), "trades": 20, "expectancy_r": pytest.approx(0.5)}
    assert w["bad"]["weight"] == pytest.approx(1 - 60 / 80)
    assert w["new"]["weight"] == 1.0 and w["new"]["trades"] == 0


def test_aggregator_weight_floor_applies():
    agg = SignalAggregator(prior_trades=0, floor=0.05)
    agg.update_weights(
        [make_signal(id=1, source="awful")], [signal_trade(i, signal_id=1, pips=-100.0) for i in range(1, 5)]
    )
    assert agg.weight("awful") == 0.05


def test_aggregator_combine_agreement_confidence_is_weighted_mean():
    agg = SignalAggregator()
    a = make_signal(source="a", confidence=0.8)
    b = make_signal(
        source="b",
        confidence=0.6,
        entry=1.1002,
        sl=1.0982,
        tp=1.1062,
        created_at=T0 + timedelta(minutes=5),
        expires_at=T0 + timedelta(minutes=50),
    )
    out = agg.combine([a, b])
    assert out.side is Side.BUY
    assert out.confidence == pytest.approx((0.8 + 0.6) / 2)
    assert out.entry == b.entry  # newest agreeing entry
    risk = (0.8 * 0.0050 + 0.6 * 0.0020) / 1.4
    reward = (0.8 * 0.0100 + 0.6 * 0.0060) / 1.4
    assert out.sl == pytest.approx(b.entry - risk, abs=1e-5)
    assert out.tp == pytest.approx(b.entry + reward, abs=1e-5)
    assert out.expires_at == b.expires_at
    assert out.source == "aggregate"


def test_aggregator_combine_disagreement_lowers_confidence():
    agg = SignalAggregator()
    buy = make_signal(source="a", confidence=0.9)
    sell = make_signal(source="b", side=Side.SELL, confidence=0.6, sl=1.1050, tp=1.0900)
    out = agg.combine([buy, sell])
    assert out.side is Side.BUY
    assert out.confidence == pytest.approx(0.9 / 2)


def test_aggregator_combine_weights_decide_direction():
    agg = SignalAggregator(prior_trades=0)
    buy = make_signal(id=1, source="a", confidence=0.7)
    sell = make_signal(id=2, source="b", side=Side.SELL, confidence=0.6, sl=1.1050, tp=1.0900)
    agg.update_weights([buy, sell], [signal_trade(1, signal_id=1, pips=-40.0), signal_trade(2, signal_id=2, pips=50.0)])
    assert agg.weight("a") == pytest.approx(0.2) and agg.weight("b") == pytest.approx(2.0)
    out = agg.combine([replace(buy, id=None), replace(sell, id=None)])
    assert out.side is Side.SELL
    assert out.confidence == pytest.approx(2.0 * 0.6 / 2.2, abs=1e-4)  # rounded to 4 places


def test_aggregator_combine_exact_cancel_none():
    agg = SignalAggregator()
    buy = make_signal(source="a", confidence=0.6)
    sell = make_signal(source="b", side=Side.SELL, confidence=0.6, sl=1.1050, tp=1.0900)
    assert agg.combine([buy, sell]) is None


def test_aggregator_add_needs_two_models_in_window_and_consumes():
    agg = SignalAggregator(window=timedelta(hours=1))
    assert agg.add(make_signal(source="a")) is None
    assert agg.add(make_signal(source="a", created_at=T0 + timedelta(minutes=1))) is None  # same model
    out = agg.add(make_signal(source="b", created_at=T0 + timedelta(minutes=2), expires_at=T0 + timedelta(hours=2)))
    assert out is not None and out.source == "aggregate"
    assert (
        agg.add(make_signal(source="c", created_at=T0 + timedelta(minutes=3), expires_at=T0 + timedelta(hours=2)))
        is None
    )  # consumed


def test_aggregator_add_outside_window_not_combined():
    agg = SignalAggregator(window=timedelta(minutes=30))
    agg.add(make_signal(source="a"))
    late = make_signal(source="b", created_at=T0 + timedelta(hours=1), expires_at=T0 + timedelta(hours=2))
    assert agg.add(late) is None


def test_aggregator_ignores_its_own_signals():
    agg = SignalAggregator()
    assert agg.add(make_signal(source="aggregate")) is None


def test_aggregator_carries_the_strongest_agreeing_pattern():
    from engine.values import PatternPoint

    gartley = {"name": "Gartley", "points": [PatternPoint("X", T0, 1.09)]}
    bat = {"name": "Bat", "points": [PatternPoint("X", T0, 1.08)]}
    crab = {"name": "Crab", "points": [PatternPoint("X", T0, 1.07)]}
    agg = SignalAggregator()
    plain = make_signal(source="mtf", confidence=0.9)
    weak = make_signal(source="harmonic-a", confidence=0.5, pattern=gartley)
    strong = make_signal(source="harmonic-b", confidence=0.7, pattern=bat)
    against = make_signal(
        source="harmonic-c", side=Side.SELL, confidence=0.95, entry=1.1000, sl=1.1050, tp=1.0900, pattern=crab
    )
    assert agg.combine([plain, weak, strong, against]).pattern == bat  # the opposing pattern is not shown
    assert agg.combine([plain, weak]).pattern == gartley
    assert agg.combine([plain, replace(plain, source="ml")]).pattern is None
