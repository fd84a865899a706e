"""Performance figures: MetaTrader's drawdown example and hand-computed journals."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from engine.drawdown import balance_drawdowns
from engine.performance import compute_performance
from engine.values import AccountSnapshot, CloseReason, Side, TradeRecord, TradeStatus
from tests.kit import make_trade

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)  # Monday 09:00

DESIGN_KEYS = {
    "total_trades",
    "wins",
    "losses",
    "breakeven",
    "win_rate",
    "total_pips",
    "net_profit",
    "gross_profit",
    "gross_loss",
    "profit_factor",
    "expected_payoff",
    "average_win",
    "average_loss",
    "largest_win",
    "largest_loss",
    "max_consecutive_wins",
    "max_consecutive_losses",
    "absolute_drawdown",
    "max_drawdown",
    "max_drawdown_pct",
    "recovery_factor",
    "sharpe",
    "average_holding_seconds",
    "equity_curve",
    "by_symbol",
    "by_side",
    "by_source",
    "by_hour",
    "by_weekday",
}


def closed(
    trade_id: int,
    net: str,
    *,
    pips: float = 0.0,
    symbol: str = "EURUSD",
    side: Side = Side.BUY,
    hours: float = 1.0,
    commission: str = "0",
    swap: str = "0",
    signal_id: int | None = None,
    opened: datetime | None = None,
    status: TradeStatus = TradeStatus.CLOSED,
) -> TradeRecord:
    """A closed record whose net result is ``net`` (pnl adjusted for commission and swap)."""
    open_time = opened or T0 + timedelta(hours=trade_id)
    pnl = Decimal(net) + Decimal(commission) - Decimal(swap)
    return make_trade(
        trade_id,
        at=open_time,
        symbol=symbol,
        side=side,
        status=status,
        lots="1",
        requested_price=1.1,
        entry_price=1.1,
        sl=None,
        tp=None,
        close_time=open_time + timedelta(hours=hours),
        close_price=1.1,
        close_reason=CloseReason.MANUAL,
        pips=pips,
        pnl=pnl,
        commission=commission,
        swap=swap,
        signal_id=signal_id,
        comment="",
        created_at=None,
    )


def test_drawdowns_metatrader_worked_example():
    # 5000 → 4000 → 6000 → 4000 → 8000 → 5500
    dd = balance_drawdowns(Decimal("5000"), [Decimal(v) for v in ("4000", "6000", "4000", "8000", "5500")])
    assert dd.absolute == Decimal("1000.00")
    assert dd.maximal == Decimal("2500.00") and dd.maximal_pct == 31.25
    assert dd.relative == Decimal("2000.00") and dd.relative_pct == 33.33


def test_performance_metatrader_example_through_trades():
    nets = ["-1000", "2000", "-2000", "4000", "-2500"]
    figures = compute_performance([closed(i + 1, n) for i, n in enumerate(nets)], Decimal("5000"))
    assert figures["absolute_drawdown"] == Decimal("1000.00")
    assert figures["max_drawdown"] == Decimal("2500.00")
    assert figures["max_drawdown_pct"] == 33.33
    assert figures["net_profit"] == Decimal("500.00")
    assert figures["recovery_factor"] == pytest.approx(500 / 2500)
    assert [p["balance"] for p in figures["equity_curve"]] == [
        Decimal(v) for v in ("5000.00", "4000.00", "6000.00", "4000.00", "8000.00", "5500.00")
    ]


def test_performance_hand_computed_journal():
    trades = [
        closed(1, "100", pips=10, commission="7", swap="-1.5"),
        closed(2, "50", pips=5, symbol="USDJPY", side=Side.SELL, signal_id=7),
        closed(3, "-30", pips=-3, signal_id=8),
        closed(4, "0", pips=0),
        closed(5, "-20", pips=-2, side=Side.SELL, signal_id=7),
        closed(6, "-10", pips=-1),
        closed(7, "80", pips=8, symbol="USDJPY"),
    ]
    f = compute_performance(trades, Decimal("1000"), sources={7: "ml", 8: "harmonic"})
    assert set(f) == DESIGN_KEYS
    assert (f["total_trades"], f["wins"], f["losses"], f["breakeven"]) == (7, 3, 3, 1)
    assert f["win_rate"] == pytest.approx(3 / 7)
    assert f["total_pips"] == 17.0
    assert f["net_profit"] == Decimal("170.00")
    assert f["gross_profit"] == Decimal("230.00") and f["gross_loss"] == Decimal("-60.00")
    assert f["profit_factor"] == pytest.approx(230 / 60)
    assert f["expected_payoff"] == Decimal("24.29")
    assert f["average_win"] == Decimal("76.67") and f["average_loss"] == Decimal("-20.00")
    assert f["largest_win"] == Decimal("100.00") and f["largest_loss"] == Decimal("-30.00")
    assert f["max_consecutive_wins"] == 2 and f["max_consecutive_losses"] == 2
    # balances 1100, 1150, 1120, 1120, 1100, 1090, 1170: high 1150 → low 1090
    assert f["absolute_drawdown"] == Decimal("0.00")
    assert f["max_drawdown"] == Decimal("60.00")
    assert f["max_drawdown_pct"] == pytest.approx(60 / 1150 * 100, abs=0.01)
    assert f["recovery_factor"] == pytest.approx(170 / 60)
    assert f["average_holding_seconds"] == 3600.0
    assert f["by_side"]["sell"] == {"trades": 2, "win_rate": 0.5, "net_profit": Decimal("30.00"), "total_pips": 3.0}
    assert f["by_symbol"]["USDJPY"]["net_profit"] == Decimal("130.00")
    assert f["by_source"]["ml"]["trades"] == 2 and f["by_source"]["harmonic"]["trades"] == 1
    assert f["by_source"]["manual"]["trades"] == 4
    assert set(f["by_hour"]) == {"10", "11", "12", "13", "14", "15", "16"}
    assert f["by_weekday"] == {
        "Monday": {"trades": 7, "win_rate": pytest.approx(3 / 7), "net_profit": Decimal("170.00"), "total_pips": 17.0}
    }


def test_sharpe_is_mean_over_sample_stdev_of_per_trade_returns():
    trades = [closed(1, "100"), closed(2, "-50"), closed(3, "200")]
    f = compute_performance(trades, Decimal("1000"))
    returns = [100 / 1000, -50 / 1100, 200 / 1050]
    mean = sum(returns) / 3
    stdev = (sum((r - mean) ** 2 for r in returns) / 2) ** 0.5
    assert f["sharpe"] == pytest.approx(mean / stdev)


def test_empty_journal_has_neutral_figures():
    f = compute_performance([], Decimal("1000"))
    assert set(f) == DESIGN_KEYS
    assert f["total_trades"] == 0 and f["win_rate"] == 0.0
    assert f["profit_factor"] is None and f["recovery_factor"] is None and f["sharpe"] is None
    assert f["net_profit"] == Decimal("0.00") and f["equity_curve"] == []
    assert f["by_symbol"] == {}


def test_no_loss_gives_no_profit_factor_and_cancelled_orders_are_not_trades():
    trades = [closed(1, "10"), closed(2, "0", status=TradeStatus.CANCELLED)]
    f = compute_performance(trades, Decimal("1000"))
    assert f["total_trades"] == 1 and f["profit_factor"] is None


def test_trades_are_ordered_by_close_time():
    late = closed(1, "-100", opened=T0 + timedelta(hours=5))
    early = closed(2, "100", opened=T0)
    f = compute_performance([late, early], Decimal("1000"))
    assert [p["balance"] for p in f["equity_curve"]] == [Decimal("1000.00"), Decimal("1100.00"), Decimal("1000.00")]
    assert f["max_drawdown"] == Decimal("100.00")


def test_equity_curve_from_account_events():
    snap = AccountSnapshot(
        balance=Decimal("1000"),
        equity=Decimal("990.5"),
        margin=Decimal("0"),
        free_margin=Decimal("990.5"),
        margin_level=None,
        currency="USD",
        leverage=100,
        initial_balance=Decimal("1000"),
    )
    f = compute_performance([], Decimal("1000"), account_events=[(T0 + timedelta(1), snap), (T0, snap)])
    assert f["equity_curve"] == [
        {"time": T0, "balance": Decimal("1000.00"), "equity": Decimal("990.50")},
        {"time": T0 + timedelta(1), "balance": Decimal("1000.00"), "equity": Decimal("990.50")},
    ]


def test_figures_serialise_to_json_with_default_str():
    f = compute_performance([closed(1, "12.34", signal_id=3)], Decimal("1000"))
    assert json.loads(json.dumps(f, default=str))["net_profit"] == "12.34"


def test_sub_cent_results_are_summed_exactly_then_rounded():
    # three results of 0.005: the exact sum 0.015 rounds (half up) to 0.02, not 3 × 0.01
    trades = [closed(i, "0.005") for i in range(1, 4)]
    f = compute_performance(trades, Decimal("1000"))
    assert f["net_profit"] == Decimal("0.02")
    assert f["gross_profit"] == Decimal("0.02")
    assert f["largest_win"] == Decimal("0.01")
    assert [p["balance"] for p in f["equity_curve"]] == [
        Decimal("1000.00"),
        Decimal("1000.01"),
        Decimal("1000.01"),
        Decimal("1000.02"),
    ]


def test_drawdowns_of_amounts_beyond_float_precision_stay_exact():
    # 10**16 cents is beyond 2**52: the curve is summed as Python integers
    initial = Decimal("100000000000000.00")
    dd = balance_drawdowns(initial, [initial - Decimal("0.01"), initial + Decimal("5.00"), initial + Decimal("2.37")])
    assert dd.absolute == Decimal("0.01")
    assert dd.maximal == Decimal("2.63")
    f = compute_performance([closed(1, "-0.01"), closed(2, "5.01"), closed(3, "-2.63")], initial)
    assert f["max_drawdown"] == Decimal("2.63")
    assert f["equity_curve"][-1]["balance"] == Decimal("100000000000002.37")


def test_drawdown_ties_keep_the_earliest_fall():
    # two falls of 100 from highs 1000 and 2000: maximal is the first, relative the larger %
    dd = balance_drawdowns(Decimal("1000"), [Decimal(v) for v in ("900", "2000", "1900")])
    assert dd.maximal == Decimal("100.00") and dd.maximal_pct == 10.0
    assert dd.relative_pct == 10.0 and dd.relative == Decimal("100.00")


def test_breakdowns_sum_pips_in_close_order_like_sum():
    pips = [0.1, 0.2, 0.3, -0.7, 1e-17]
    trades = [closed(i + 1, "1", pips=p) for i, p in enumerate(pips)]
    f = compute_performance(trades, Decimal("1000"))
    assert f["total_pips"] == round(sum(pips), 1)
    assert f["by_symbol"]["EURUSD"]["total_pips"] == round(sum(pips), 1)
    assert f["max_consecutive_wins"] == 5 and f["max_consecutive_losses"] == 0


def test_streaks_and_groups_of_a_mixed_journal():
    nets = ["1", "2", "-1", "0", "-2", "-3", "-4", "5"]
    trades = [closed(i + 1, n, side=Side.SELL if i % 2 else Side.BUY) for i, n in enumerate(nets)]
    f = compute_performance(trades, Decimal("100"))
    assert f["max_consecutive_wins"] == 2 and f["max_consecutive_losses"] == 3
    assert f["by_side"]["buy"] == {"trades": 4, "win_rate": 0.25, "net_profit": Decimal("-6.00"), "total_pips": 0.0}
    assert f["by_side"]["sell"]["net_profit"] == Decimal("4.00")
    assert list(f["by_side"]) == ["buy", "sell"]


def test_sharpe_of_amounts_beyond_float_precision_uses_exact_quotients():
    initial = Decimal("100000000000000.00")
    trades = [closed(1, "1000000.01"), closed(2, "-500000.03"), closed(3, "2000000.07")]
    f = compute_performance(trades, initial)
    before = [initial, initial + Decimal("1000000.01"), initial + Decimal("500000.98")]
    returns = [
        float(net / b)
        for net, b in zip((Decimal("1000000.01"), Decimal("-500000.03"), Decimal("2000000.07")), before, strict=True)
    ]
    mean = sum(returns) / 3
    stdev = (sum((r - mean) ** 2 for r in returns) / 2) ** 0.5
    assert f["sharpe"] == pytest.approx(mean / stdev, rel=1e-9)
