"""Auto-execution rules: each one declines with its reason."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from engine.errors import ValidationError
from engine.signals.auto import AutoConfig, AutoExecutor, TradingContext, daily_loss
from engine.values import SignalStatus, TradeStatus
from tests.engine.signals.factories import make_signal
from tests.kit import make_account, signal_trade

ON = AutoConfig(enabled=True, min_confidence=0.6, min_rr=1.5, max_open_per_symbol=1, max_daily_loss_pct=2.0)


def ctx(trades=(), balance="10000", equity=None, realised="0") -> TradingContext:
    account = make_account(balance, equity=equity, initial_balance=Decimal("10000"))
    return TradingContext(list(trades), account, Decimal(realised))


def decide(signal=None, context=None, config=ON):
    return AutoExecutor(config).decide(signal or make_signal(id=1), context or ctx())


def test_auto_off_by_default():
    assert AutoExecutor().enabled is False
    assert AutoConfig().enabled is False


def test_auto_good_signal_accepted():
    assert decide().accept


def test_auto_already_executed_declined():
    d = decide(replace(make_signal(id=1), status=SignalStatus.EXECUTED, trade_id=7))
    assert not d.accept and d.code == "already_handled"


def test_auto_low_confidence_declined_with_numbers():
    d = decide(make_signal(id=1, confidence=0.55))
    assert d.code == "min_confidence" and "0.55" in d.reason and "0.60" in d.reason


def test_auto_low_reward_risk_declined():
    d = decide(make_signal(id=1, tp=1.1050))  # rr 1.0
    assert d.code == "min_rr" and "1.00" in d.reason


def test_auto_has_no_limit_of_its_own_on_open_trades():
    # max_open_trades is the engine's, for every order source (tests/engine/test_max_open_trades.py)
    open_trades = [
        signal_trade(i, status=TradeStatus.OPEN, symbol=s)
        for i, s in enumerate(("GBPUSD", "USDJPY", "AUDUSD"), start=1)
    ]
    assert decide(context=ctx(open_trades)).accept
    assert "max_open_trades" not in AutoConfig.model_fields


def test_auto_max_open_per_symbol_declined():
    d = decide(context=ctx([signal_trade(1, status=TradeStatus.PENDING, symbol="EURUSD")]))
    assert d.code == "max_open_per_symbol"


def test_auto_closed_trades_do_not_count_as_open():
    assert decide(context=ctx([signal_trade(1, status=TradeStatus.CLOSED)] * 5)).accept


def test_auto_daily_loss_limit_declined():
    # Started the day at 10,000; lost 150 realised and 50 floating = 200 = 2 %.
    context = ctx(balance="9850", equity="9800", realised="-150")
    assert daily_loss(context) == Decimal("200")
    d = decide(context=context)
    assert d.code == "max_daily_loss" and "200.00" in d.reason
    assert decide(context=ctx(balance="9850", equity="9850", realised="-150")).accept


def test_auto_source_not_enabled_declined():
    d = decide(config=ON.model_copy(update={"sources": frozenset({"mtf"})}))
    assert d.code == "source"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("min_confidence", 1.5),
        ("min_rr", -1.0),
        ("max_open_per_symbol", 0),
        ("max_daily_loss_pct", 0.0),
        ("risk_percent", 150.0),
    ],
)
def test_auto_config_bad_value_names_field(field, value):
    with pytest.raises(ValidationError) as info:
        AutoConfig.from_mapping({field: value})
    assert info.value.field == field and field in info.value.message


def test_auto_config_from_mapping_reads_table():
    cfg = AutoConfig.from_mapping(
        {"enabled": True, "min_confidence": 0.7, "max_open_per_symbol": 2, "sources": ["mtf", "ml"]}
    )
    assert cfg.enabled and cfg.min_confidence == 0.7 and cfg.max_open_per_symbol == 2
    assert cfg.sources == frozenset({"mtf", "ml"})


@pytest.mark.parametrize(
    ("table", "field"),
    [
        ({"enabeld": True}, "enabeld"),
        ({"enabled": "yes"}, "enabled"),
        ({"max_open_per_symbol": 2.5}, "max_open_per_symbol"),
        ({"max_open_trades": 2}, "max_open_trades"),  # not auto-execution's: the engine's max_open_trades
        ({"min_rr": "2"}, "min_rr"),
        ({"sources": "mtf"}, "sources"),
        ({"risk_percent": 0}, "risk_percent"),
    ],
)
def test_auto_config_from_mapping_bad_entry_names_field(table, field):
    with pytest.raises(ValidationError) as info:
        AutoConfig.from_mapping(table)
    assert info.value.field == field
