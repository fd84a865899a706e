"""Per-source statistics: counts, expectancy with a bootstrap interval, profit factor, calibration."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from engine.signals.stats import bootstrap_mean_ci, calibration, source_stats
from engine.values import SignalStatus
from tests.engine.signals.factories import make_signal
from tests.kit import signal_trade


def test_bootstrap_ci_contains_the_mean_and_narrows_with_data():
    rng = np.random.default_rng(0)
    small = rng.normal(5.0, 20.0, 30)
    large = rng.normal(5.0, 20.0, 600)
    lo, hi = bootstrap_mean_ci(small)
    assert lo < small.mean() < hi
    lo2, hi2 = bootstrap_mean_ci(large)
    assert lo2 < large.mean() < hi2
    assert hi2 - lo2 < hi - lo


def test_bootstrap_ci_too_few_or_constant():
    assert bootstrap_mean_ci([1.0]) is None
    assert bootstrap_mean_ci([2.0, 2.0, 2.0]) == (2.0, 2.0)


def test_calibration_buckets_count_and_rate():
    rows = calibration([(0.55, True), (0.58, False), (0.72, True), (0.75, True), (1.0, False)])
    by = {(r["stated_from"], r["stated_to"]): r for r in rows}
    assert by[(0.5, 0.6)]["count"] == 2 and by[(0.5, 0.6)]["realised_win_rate"] == 0.5
    assert by[(0.5, 0.6)]["mean_stated"] == pytest.approx(0.565)
    assert by[(0.7, 0.8)]["realised_win_rate"] == 1.0
    assert by[(0.9, 1.0)]["count"] == 1  # 1.0 falls in the last, closed bucket
    assert by[(0.0, 0.5)]["count"] == 0 and by[(0.0, 0.5)]["realised_win_rate"] is None


def test_source_stats_figures_per_source():
    signals = [
        replace(make_signal(id=1, source="mtf", confidence=0.65), status=SignalStatus.EXECUTED, trade_id=1),
        replace(make_signal(id=2, source="mtf", confidence=0.75), status=SignalStatus.EXECUTED, trade_id=2),
        replace(make_signal(id=3, source="mtf", confidence=0.72), status=SignalStatus.EXECUTED, trade_id=3),
        replace(make_signal(id=4, source="ml"), status=SignalStatus.EXPIRED),
    ]
    trades = [
        signal_trade(1, signal_id=1, pnl="100", pips=100.0, commission="2"),
        signal_trade(2, signal_id=2, pnl="-50", pips=-50.0),
        signal_trade(3, signal_id=3, pnl="30", pips=30.0),
        signal_trade(9, signal_id=None, pnl="999"),  # manual trade: no source
    ]
    stats = source_stats(signals, trades)
    mtf = stats["mtf"]
    assert (mtf["trades"], mtf["wins"], mtf["losses"]) == (3, 2, 1)
    assert mtf["win_rate"] == pytest.approx(2 / 3)
    assert mtf["net_profit"] == 78.0
    assert mtf["expectancy"] == 26.0
    assert mtf["profit_factor"] == pytest.approx(128 / 50)
    assert mtf["total_pips"] == 80.0
    assert mtf["average_r"] == pytest.approx((2.0 - 1.0 + 0.6) / 3)
    lo, hi = mtf["expectancy_ci"]
    assert lo <= 26.0 <= hi
    cal = {(r["stated_from"], r["stated_to"]): r for r in mtf["calibration"]}
    assert cal[(0.7, 0.8)]["count"] == 2 and cal[(0.7, 0.8)]["realised_win_rate"] == 0.5
    assert cal[(0.6, 0.7)]["realised_win_rate"] == 1.0
    assert mtf["signals"] == {"executed": 3}
    assert stats["ml"]["trades"] == 0 and stats["ml"]["signals"] == {"expired": 1}
    assert stats["ml"]["profit_factor"] is None and stats["ml"]["expectancy_ci"] is None
