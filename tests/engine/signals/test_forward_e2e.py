"""End to end: generators over real EURUSD H1 bars → signals → replay through the PaperBroker → per-model stats."""

from __future__ import annotations

import pytest

from engine.signals.forward import eurusd_demo


@pytest.fixture(scope="module")
def outcome():
    return eurusd_demo()


def test_forward_test_every_model_trades_and_is_scored(outcome):
    _signals, result, stats = outcome
    assert {"harmonic", "mtf", "ml"} <= set(stats)
    for source in ("harmonic", "mtf", "ml"):
        s = stats[source]
        assert s["trades"] > 0
        assert s["wins"] + s["losses"] <= s["trades"]
        if s["trades"] >= 2:
            lo, hi = s["expectancy_ci"]
            assert lo <= s["expectancy"] <= hi
    assert sum(s["trades"] for s in stats.values()) == len(result.closed())
    net = sum(s["net_profit"] for s in stats.values())
    assert float(result.account.balance) == pytest.approx(10000 + net, abs=0.01)


def test_forward_test_trades_carry_signal_ids_and_stops(outcome):
    signals, result, _ = outcome
    by_id = {s.id: s for s in signals}
    assert result.closed()
    for trade in result.closed():
        sig = by_id[trade.signal_id]
        assert trade.sl == sig.sl and trade.tp == sig.tp
        assert trade.open_time >= sig.created_at


def test_forward_test_ml_signals_only_after_training_cut(outcome):
    signals, _, _ = outcome
    ml = [s for s in signals if s.source == "ml"]
    assert ml and min(s.created_at for s in ml).isoformat() > "2017-10-11"
