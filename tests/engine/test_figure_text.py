"""One way to write a figure (``engine.figure_text``), used by the dashboard and the HTML report."""

from __future__ import annotations

from decimal import Decimal

import pytest

from engine.figure_text import figure_text


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
