"""The signal report's figures, recomputed independently on hand-made trades."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import timedelta

import numpy as np
import pytest
from scipy.stats import binomtest

from engine.signals.stats import MIN_TRADES_FOR_VERDICT, source_stats, wilson_interval
from engine.values import SignalStatus
from tests.engine.signals.factories import T0, make_signal
from tests.kit import signal_trade


def source_of(
    results: list[float],
    source: str = "s",
    first_id: int = 1,
    confidence: float = 0.7,
    risk_pips: float = 50.0,
    symbol: str = "EURUSD",
):
    """One executed signal and one closed trade per result (money = pips = result), closed in order."""
    signals, trades = [], []
    for i, r in enumerate(results):
        sid = first_id + i
        signals.append(
            replace(
                make_signal(
                    id=sid,
                    source=source,
                    confidence=confidence,
                    symbol=symbol,
                    sl=round(1.1 - risk_pips * 0.0001, 5),
                    created_at=T0 + timedelta(hours=i),
                    expires_at=T0 + timedelta(hours=i + 1),
                ),
                status=SignalStatus.EXECUTED,
                trade_id=sid,
            )
        )
        trades.append(
            signal_trade(
                sid,
                signal_id=sid,
                pnl=str(r),
                pips=float(r),
                symbol=symbol,
                close_time=T0 + timedelta(hours=i, minutes=30),
            )
        )
    return signals, trades


def independent_bootstrap(values, resamples=20_000, seed=7):
    rng = np.random.default_rng(seed)
    data = np.asarray(values, dtype=float)
    means = data[rng.integers(0, len(data), (resamples, len(data)))].mean(axis=1)
    return np.percentile(means, 2.5), np.percentile(means, 97.5)


def test_report_twenty_even_trades_show_no_edge_with_sane_intervals():
    results = [10.0, -10.0] * 10
    signals, trades = source_of(results)
    s = source_stats(signals, trades)["s"]
    assert (s["trades"], s["wins"], s["losses"], s["breakeven"]) == (20, 10, 10, 0)
    assert s["win_rate"] == 0.5
    lo, hi = s["win_rate_ci"]
    assert lo < 0.5 < hi
    wilson = binomtest(10, 20).proportion_ci(confidence_level=0.95, method="wilson")
    assert (lo, hi) == pytest.approx((wilson.low, wilson.high), abs=1e-9)
    assert s["expectancy"] == 0.0
    lo, hi = s["expectancy_ci"]
    assert lo < 0 < hi
    assert 2.0 < hi - lo < 20.0  # neither a point nor absurdly wide (the SE of the mean is 2.24)
    ref_lo, ref_hi = independent_bootstrap(results)
    assert lo == pytest.approx(ref_lo, abs=0.8) and hi == pytest.approx(ref_hi, abs=0.8)
    plo, phi = s["expectancy_pips_ci"]
    assert plo < 0 < phi and s["expectancy_pips"] == 0.0
    assert s["profit_factor"] == 1.0
    assert s["average_r"] == pytest.approx(np.mean([r / 50.0 for r in results]))
    assert s["max_drawdown"] == 10.0
    assert s["verdict"] == "no_evidence" and "contains 0" in s["verdict_reason"]


def test_report_source_with_zero_trades_has_no_figures_and_no_evidence():
    signals = [
        replace(make_signal(id=1, source="quiet"), status=SignalStatus.EXPIRED),
        make_signal(id=2, source="quiet"),
    ]
    s = source_stats(signals, [])["quiet"]
    assert s["trades"] == 0 and s["signals"] == {"expired": 1, "new": 1}
    for key in (
        "win_rate",
        "win_rate_ci",
        "expectancy",
        "expectancy_ci",
        "expectancy_pips",
        "expectancy_pips_ci",
        "profit_factor",
        "average_r",
    ):
        assert s[key] is None, key
    assert s["max_drawdown"] == 0.0 and s["net_profit"] == 0.0
    assert s["verdict"] == "no_evidence"
    assert all(b["count"] == 0 and b["realised_win_rate"] is None for b in s["calibration"])


def test_report_max_drawdown_is_the_largest_fall_of_the_cumulative_result():
    results = [20.0, -5.0, -30.0, 10.0, 40.0, -25.0, -10.0, 5.0]
    signals, trades = source_of(results)
    s = source_stats(signals, trades)["s"]
    peak, worst, total = 0.0, 0.0, 0.0
    for r in results:  # recomputed by hand, one trade at a time
        total += r
        peak = max(peak, total)
        worst = max(worst, peak - total)
    assert s["max_drawdown"] == worst == 35.0
    assert s["profit_factor"] == pytest.approx(75.0 / 70.0)


def test_report_verdicts_edge_and_negative_edge_need_enough_trades_and_an_interval_off_zero():
    good, good_trades = source_of([30.0, 25.0, -10.0, 20.0] * 5, source="good")
    bad, bad_trades = source_of([-30.0, -25.0, 10.0, -20.0] * 5, source="bad", first_id=100)
    few, few_trades = source_of([30.0] * (MIN_TRADES_FOR_VERDICT - 1), source="few", first_id=200)
    stats = source_stats(good + bad + few, good_trades + bad_trades + few_trades)
    assert stats["good"]["verdict"] == "edge" and stats["good"]["expectancy_ci"][0] > 0
    assert stats["bad"]["verdict"] == "negative_edge" and stats["bad"]["expectancy_ci"][1] < 0
    assert stats["few"]["verdict"] == "no_evidence" and "at least" in stats["few"]["verdict_reason"]


def test_report_calibration_buckets_compare_stated_with_realised():
    a, at = source_of([10.0, 10.0, -10.0, 10.0], confidence=0.65)
    b, bt = source_of([-10.0, -10.0], confidence=0.92, first_id=50)
    s = source_stats(a + b, at + bt)["s"]
    buckets = {(x["stated_from"], x["stated_to"]): x for x in s["calibration"]}
    assert buckets[(0.6, 0.7)]["count"] == 4 and buckets[(0.6, 0.7)]["realised_win_rate"] == 0.75
    assert buckets[(0.6, 0.7)]["mean_stated"] == pytest.approx(0.65)
    assert buckets[(0.9, 1.0)]["count"] == 2 and buckets[(0.9, 1.0)]["realised_win_rate"] == 0.0
    assert sum(x["count"] for x in s["calibration"]) == 6


def test_report_filters_by_symbol_and_signal_time():
    eur, eur_t = source_of([10.0, -5.0, 7.0])
    gbp, gbp_t = source_of([100.0], first_id=40, symbol="GBPUSD")
    stats = source_stats(eur + gbp, eur_t + gbp_t, symbol="EURUSD")
    assert stats["s"]["trades"] == 3 and stats["s"]["net_profit"] == 12.0
    later = source_stats(eur + gbp, eur_t + gbp_t, since=T0 + timedelta(hours=1), until=T0 + timedelta(hours=2))
    assert later["s"]["trades"] == 2 and later["s"]["net_profit"] == 2.0


def test_wilson_interval_edges():
    assert wilson_interval(0, 0) is None
    lo, hi = wilson_interval(0, 10)
    assert lo == 0.0 and 0 < hi < 0.35
    lo, hi = wilson_interval(10, 10)
    assert hi == 1.0 and 0.65 < lo < 1
    assert all(math.isfinite(v) for v in wilson_interval(3, 7))
