"""The replay rules of DESIGN, one hand-built bar series each."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pandas as pd
import pytest

from engine.replay.runner import Intrabar, Outcome
from engine.values import CloseReason, TradeStatus
from tests.engine.replay.helpers import START, at, bars_file, replay, signals_file

QUIET = (1.1000, 1.1005, 1.0995, 1.1002)
ENTRY = (1.1010, 1.1015, 1.1005, 1.1012)


def _buy(**extra):
    return {"time": at(0.5), "symbol": "EURUSD", "side": "buy", "sl": 1.0990, "tp": 1.1030, **extra}


def _sell(**extra):
    return {"time": at(0.5), "symbol": "EURUSD", "side": "sell", "sl": 1.1030, "tp": 1.0990, **extra}


def _only_trade(result):
    assert len(result.trades) == 1, result.outcomes
    return next(iter(result.trades.values()))


@pytest.mark.parametrize("skip_ahead", [True, False])
def test_replay_signal_inside_bar_enters_at_next_bar_open(tmp_path, skip_ahead):
    data = bars_file(tmp_path, [QUIET, ENTRY, ENTRY, ENTRY])
    trade = _only_trade(replay(data, signals_file(tmp_path, [_buy()]), skip_ahead=skip_ahead))
    assert trade.entry_price == 1.1010
    assert trade.open_time == START + timedelta(minutes=1)
    assert trade.status is TradeStatus.OPEN


def test_replay_signal_at_bar_open_time_enters_at_the_following_open(tmp_path):
    data = bars_file(tmp_path, [QUIET, ENTRY, (1.1020, 1.1025, 1.1015, 1.1022)])
    trade = _only_trade(replay(data, signals_file(tmp_path, [_buy(time=at(1))])))
    assert trade.entry_price == 1.1020 and trade.open_time == START + timedelta(minutes=2)


def test_replay_default_spread_buys_at_ask_of_open(tmp_path):
    data = bars_file(tmp_path, [QUIET, ENTRY, ENTRY])
    trade = _only_trade(replay(data, signals_file(tmp_path, [_buy()]), spread=None))
    assert trade.entry_price == pytest.approx(1.1010 + 0.00008)  # EURUSD typical 0.8 pip


@pytest.mark.parametrize("skip_ahead", [True, False])
@pytest.mark.parametrize(
    ("intrabar", "reason", "price"),
    [(Intrabar.PESSIMISTIC, CloseReason.SL, 1.0990), (Intrabar.OPTIMISTIC, CloseReason.TP, 1.1030)],
)
def test_replay_buy_sl_and_tp_in_one_bar_follow_intrabar_mode(tmp_path, intrabar, reason, price, skip_ahead):
    wide = (1.1010, 1.1035, 1.0985, 1.1010)
    data = bars_file(tmp_path, [QUIET, ENTRY, wide, QUIET])
    trade = _only_trade(replay(data, signals_file(tmp_path, [_buy()]), intrabar=intrabar, skip_ahead=skip_ahead))
    assert (trade.close_reason, trade.close_price) == (reason, price)
    assert START + timedelta(minutes=2) < trade.close_time < START + timedelta(minutes=3)


@pytest.mark.parametrize(
    ("intrabar", "reason"), [(Intrabar.PESSIMISTIC, CloseReason.SL), (Intrabar.OPTIMISTIC, CloseReason.TP)]
)
def test_replay_sell_sl_and_tp_in_one_bar_follow_intrabar_mode(tmp_path, intrabar, reason):
    wide = (1.1010, 1.1035, 1.0985, 1.1010)
    data = bars_file(tmp_path, [QUIET, ENTRY, wide, QUIET])
    trade = _only_trade(replay(data, signals_file(tmp_path, [_sell()]), intrabar=intrabar))
    assert trade.close_reason is reason


def test_replay_one_level_in_bar_path_visits_nearer_extreme_first(tmp_path):
    # open next to the high: the path goes up first, so the TP fills at +1/4 of the bar
    near_high = (1.1028, 1.1031, 1.1000, 1.1005)
    data = bars_file(tmp_path, [QUIET, ENTRY, near_high, QUIET])
    trade = _only_trade(replay(data, signals_file(tmp_path, [_buy(sl="")])))
    assert trade.close_reason is CloseReason.TP
    assert trade.close_time == START + timedelta(minutes=2, seconds=15)
    near_low = (1.1003, 1.1031, 1.1000, 1.1005)
    data = bars_file(tmp_path, [QUIET, ENTRY, near_low, QUIET], name="low.csv")
    trade = _only_trade(replay(data, signals_file(tmp_path, [_buy(sl="")])))
    assert trade.close_time == START + timedelta(minutes=2, seconds=30)


@pytest.mark.parametrize("skip_ahead", [True, False])
def test_replay_gap_through_sl_fills_at_gap_open(tmp_path, skip_ahead):
    gap_down = (1.0980, 1.0990, 1.0975, 1.0985)
    data = bars_file(tmp_path, [QUIET, ENTRY, ENTRY, gap_down, QUIET])
    trade = _only_trade(replay(data, signals_file(tmp_path, [_buy()]), skip_ahead=skip_ahead))
    assert (trade.close_reason, trade.close_price) == (CloseReason.SL, 1.0980)
    assert trade.close_time == START + timedelta(minutes=3)
    assert trade.pips == pytest.approx(-30.0)


@pytest.mark.parametrize("skip_ahead", [True, False])
def test_replay_gap_through_tp_fills_at_gap_open(tmp_path, skip_ahead):
    gap_up = (1.1040, 1.1045, 1.1035, 1.1042)
    data = bars_file(tmp_path, [QUIET, ENTRY, ENTRY, gap_up, QUIET])
    trade = _only_trade(replay(data, signals_file(tmp_path, [_buy()]), skip_ahead=skip_ahead))
    assert (trade.close_reason, trade.close_price) == (CloseReason.TP, 1.1040)
    assert trade.pnl == Decimal("30.00")  # 30 pips × 0.10 lot × $1


def test_replay_signal_after_last_bar_is_not_executed_with_reason(tmp_path):
    data = bars_file(tmp_path, [QUIET, ENTRY, ENTRY])
    result = replay(data, signals_file(tmp_path, [_buy(time=at(10))]))
    assert result.trades == {}
    [outcome] = result.outcomes
    assert outcome.outcome is Outcome.NOT_EXECUTED and outcome.code == "after_last_price"
    assert "after the signal time" in outcome.reason


def test_replay_signal_without_enough_margin_is_rejected_with_reason(tmp_path):
    data = bars_file(tmp_path, [QUIET, ENTRY, ENTRY])
    result = replay(data, signals_file(tmp_path, [_buy(lots=50), _buy(time=at(0.7))]), balance=Decimal("1000"))
    first, second = result.outcomes
    assert first.outcome is Outcome.REJECTED and first.code == "no_money"
    assert "margin" in first.reason
    assert second.outcome is Outcome.EXECUTED and second.trade_id in result.trades


def test_replay_signal_for_symbol_missing_from_data_is_not_executed(tmp_path):
    data = bars_file(tmp_path, [QUIET, ENTRY])
    signal = _buy(symbol="GBPUSD", sl=1.2, tp=1.4)
    [outcome] = replay(data, signals_file(tmp_path, [signal])).outcomes
    assert outcome.outcome is Outcome.NOT_EXECUTED and outcome.code == "no_prices"


@pytest.mark.parametrize("skip_ahead", [True, False])
def test_replay_falling_market_stops_out_unprotected_trade(tmp_path, skip_ahead):
    falling = [(1.1010 - 0.0010 * i, 1.1012 - 0.0010 * i, 1.1000 - 0.0010 * i, 1.1002 - 0.0010 * i) for i in range(30)]
    data = bars_file(tmp_path, [QUIET, *falling])
    signal = {"time": at(0.5), "symbol": "EURUSD", "side": "buy", "sl": "", "tp": "", "lots": 0.5}
    result = replay(data, signals_file(tmp_path, [signal]), balance=Decimal("1000"), skip_ahead=skip_ahead)
    trade = _only_trade(result)
    assert trade.close_reason is CloseReason.STOP_OUT
    assert result.account.balance == Decimal("1000") + trade.net
    assert trade.close_time < START + timedelta(minutes=31)


def test_replay_risk_percent_sizes_lots_from_stop_distance(tmp_path):
    data = bars_file(tmp_path, [QUIET, ENTRY, ENTRY])
    trade = _only_trade(replay(data, signals_file(tmp_path, [_buy(risk_percent=1.0)])))
    # 1 % of 10,000 = 100 USD over a 20-pip stop at $10/pip/lot = 0.50 lots
    assert trade.lots == Decimal("0.50")


def test_replay_limit_order_fills_when_price_reaches_it(tmp_path):
    dip = (1.1010, 1.1012, 1.0996, 1.1000)
    data = bars_file(tmp_path, [QUIET, ENTRY, ENTRY, dip, QUIET])
    signal = _buy(order_type="limit", price=1.1000, sl=1.0980, tp=1.1050)
    trade = _only_trade(replay(data, signals_file(tmp_path, [signal])))
    assert trade.status is TradeStatus.OPEN and trade.entry_price == 1.1000
    assert trade.open_time > START + timedelta(minutes=3)


def test_replay_csv_and_parquet_give_the_same_trades(tmp_path):
    rows = [QUIET, ENTRY, (1.1010, 1.1035, 1.0985, 1.1010), QUIET]
    signals = signals_file(tmp_path, [_buy(), _sell(time=at(1.5))])
    from_csv = replay(bars_file(tmp_path, rows), signals)
    from_parquet = replay(bars_file(tmp_path, rows, name="bars.parquet"), signals)
    assert list(from_csv.trades.values()) == list(from_parquet.trades.values())
    assert len(from_csv.trades) == 2


def test_replay_tick_file_enters_on_next_tick_and_stops_on_bid(tmp_path):
    ticks = pd.DataFrame(
        {
            "time": [at(0), at(1), at(2), at(3), at(4)],
            "bid": [1.1000, 1.1010, 1.0995, 1.0989, 1.1000],
            "ask": [1.1001, 1.1012, 1.0997, 1.0991, 1.1001],
        }
    )
    path = tmp_path / "ticks.csv"
    ticks.to_csv(path, index=False)
    result = replay(path, signals_file(tmp_path, [_buy(time=at(1))]), spread=None)
    trade = _only_trade(result)
    assert result.kind == "ticks"
    assert trade.entry_price == 1.0997 and trade.open_time == START + timedelta(minutes=2)
    assert (trade.close_reason, trade.close_price) == (CloseReason.SL, 1.0989)


def test_replay_jpy_pair_uses_its_pip_and_digits(tmp_path):
    rows = [
        (151.200, 151.250, 151.150, 151.220),
        (151.300, 151.350, 151.250, 151.320),
        (151.320, 151.900, 151.300, 151.850),
    ]
    data = bars_file(tmp_path, rows)
    signal = {"time": at(0.5), "symbol": "USDJPY", "side": "buy", "sl": 150.800, "tp": 151.800}
    trade = _only_trade(replay(data, signals_file(tmp_path, [signal]), symbol="USDJPY", spread=None))
    assert trade.entry_price == 151.310  # open + 1.0 pip typical spread (0.01 per pip)
    assert (trade.close_reason, trade.close_price) == (CloseReason.TP, 151.800)
    assert trade.pips == pytest.approx(49.0)
    # 49 pips × 0.10 lot × 100,000 × 0.01 = 4,900 JPY, converted at the close rate
    assert trade.pnl == Decimal("32.28")


def test_replay_without_conversion_rate_rejects_with_reason(tmp_path):
    data = bars_file(tmp_path, [QUIET, ENTRY, ENTRY])
    signal = _buy(symbol="EURUSD")
    result = replay(data, signals_file(tmp_path, [signal]), currency="JPY")
    [outcome] = result.outcomes
    assert outcome.outcome is Outcome.REJECTED and outcome.code == "no_rate"
