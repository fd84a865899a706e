"""One way to write a figure (``engine.figure_text``), used by the dashboard and the HTML report."""

from __future__ import annotations

from decimal import Decimal

import pytest

from engine.figure_text import figure_text, shown_value


@pytest.mark.parametrize(
    ("value", "kind", "text"),
    [
        (None, "ratio", "—"),
        (Decimal("-1234.5"), "money", "-1,234.50"),
        (0.4567, "pct01", "45.7%"),
        (12.345, "pct", "12.35%"),
        (1.5, "ratio", "1.50"),
        (7.0, "int", "7"),
        (12.34, "pips", "+12.3"),
        (-3.0, "pips", "-3.0"),
        (3725, "seconds", "1h 02m"),
        (245, "seconds", "4m 05s"),
    ],
)
def test_each_kind_reads_as_its_definition_says(value, kind, text):
    assert figure_text(value, kind) == text


def test_money_takes_the_currency_after_the_amount():
    assert figure_text("10000", "money", "USD") == "10,000.00 USD"
    assert figure_text(None, "money", "USD") == "—"


def test_a_rate_of_no_trades_is_shown_as_none_and_every_other_figure_as_it_is():
    none = {"total_trades": 0, "win_rate": 0.0, "expected_payoff": Decimal(0), "net_profit": Decimal(0)}
    assert shown_value(none, "win_rate") is None and shown_value(none, "expected_payoff") is None
    assert shown_value(none, "net_profit") == Decimal(0)
    some = {**none, "total_trades": 3}
    assert shown_value(some, "win_rate") == 0.0  # three losses: a real 0 %
