"""The ATR bracket shared by the bar-close generators (``engine.signals.bracket``)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from engine.signals.bracket import atr_bracket_signal
from engine.values import Side, Timeframe

H1_OPEN = datetime(2026, 3, 5, 14, tzinfo=timezone.utc)


def bracket(**overrides):
    args = {
        "symbol": "USDJPY",
        "direction": -1,
        "close": 151.23456,
        "atr": 0.5,
        "sl_atr": 1.5,
        "tp_atr": 3.0,
        "confidence": 0.712345,
        "source": "mtf",
        "timeframe": Timeframe.H1,
        "bar_open_time": H1_OPEN.timestamp(),
        "lifetime_bars": 4,
    }
    return atr_bracket_signal(**{**args, **overrides})


def test_a_sell_puts_the_stop_above_and_the_target_below_at_the_symbols_digits():
    signal = bracket()
    assert signal.side is Side.SELL and signal.id is None and signal.source == "mtf"
    assert (signal.entry, signal.sl, signal.tp) == (151.235, 151.985, 149.735)  # USDJPY: 3 digits
    assert signal.confidence == 0.7123


def test_a_buy_brackets_the_other_way_and_is_dated_by_the_bars_close():
    signal = bracket(symbol="EURUSD", direction=1, close=1.0851234, atr=0.0020)
    assert (signal.side, signal.entry, signal.sl, signal.tp) == (Side.BUY, 1.08512, 1.08212, 1.09112)
    assert signal.created_at == H1_OPEN + timedelta(hours=1)
    assert signal.expires_at == H1_OPEN + timedelta(hours=5)
    assert signal.timeframe is Timeframe.H1


def test_an_unknown_symbol_is_priced_at_five_digits():
    assert bracket(symbol="XYZABC", direction=1, close=2.1234567, atr=0.001).entry == 2.12346
