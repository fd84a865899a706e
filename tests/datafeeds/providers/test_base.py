"""Symbol names per venue, quotes built from one price, and closed-bar selection."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from datafeeds.providers import base
from engine.errors import ValidationError
from engine.instruments import SPECS
from engine.values import Bar, Timeframe

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize("symbol", sorted(SPECS))
def test_symbol_names_round_trip_for_every_instrument(symbol):
    assert base.from_yahoo(base.to_yahoo(symbol)) == symbol
    assert base.from_twelvedata(base.to_twelvedata(symbol)) == symbol
    assert base.from_finnhub(base.to_finnhub(symbol)) == symbol
    assert base.from_alphavantage(*base.to_alphavantage(symbol)) == symbol


def test_venue_names_of_eurusd():
    assert base.to_yahoo("eurusd") == "EURUSD=X"
    assert base.to_twelvedata("EURUSD") == "EUR/USD"
    assert base.to_finnhub("EURUSD") == "OANDA:EUR_USD"
    assert base.to_alphavantage("EURUSD") == ("EUR", "USD")


@pytest.mark.parametrize(
    "call",
    [
        lambda: base.to_yahoo("ABCDEF"),
        lambda: base.from_twelvedata("FOO/BAR"),
        lambda: base.from_finnhub("OANDA:FOO_BAR"),
    ],
)
def test_unknown_symbols_raise_validation_naming_symbol(call):
    with pytest.raises(ValidationError) as err:
        call()
    assert err.value.field == "symbol"


def test_quote_from_price_uses_typical_spread_and_digits():
    q = base.quote_from_price("USDJPY", 151.2304, NOW, "twelvedata")
    # USDJPY: 1.0 pip of 0.01 → bid/ask ± 0.005, rounded to 3 digits.
    assert (q.bid, q.ask) == (151.225, 151.235) and q.source == "twelvedata"


def test_closed_only_sorts_dedupes_and_drops_forming_bar():
    def bar(minutes_ago: int, close: float = 1.1) -> Bar:
        return Bar("EURUSD", Timeframe.M1, NOW - timedelta(minutes=minutes_ago), 1.1, 1.2, 1.0, close)

    bars = [bar(0), bar(2), bar(1), bar(2, 1.15), bar(3)]
    out = base.closed_only(bars, NOW + timedelta(seconds=30), 2)
    assert [b.time for b in out] == [NOW - timedelta(minutes=2), NOW - timedelta(minutes=1)]
    assert out[0].close == 1.15  # the later duplicate wins


def test_capabilities_quote_cost_by_batching_rule():
    per_symbol = base.Capabilities(batch_size=8, cost_per_symbol=True)
    per_call = base.Capabilities(batch_size=8, cost_per_symbol=False)
    assert per_symbol.quote_cost(10) == 10 and per_call.quote_cost(10) == 2
    assert per_symbol.quote_cost(0) == 0
