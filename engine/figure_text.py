"""How a performance figure is written for a person: one rule for the dashboard and the HTML report.

A figure has a *kind* (the ``FIGURES`` tables of ``terminal.panels.dashboard`` and
``engine.htmlreport.render`` pair each figure with one):

- ``money``: account currency, two decimals, thousands separated (``-1,234.50``), the currency
  code after it when given (``-1,234.50 USD``);
- ``pct01``: a fraction 0..1 shown as a percentage with one decimal (0.4567 → ``45.7%``);
- ``pct``: a percentage already, two decimals (``12.34%``);
- ``ratio``: two decimals;  ``int``: a count;  ``pips``: signed, one decimal (``+12.3``);
- ``seconds``: a duration, ``1h 02m`` from an hour on, else ``4m 05s``.

None (a figure that does not exist, e.g. a profit factor without a loss) is ``—``. So is a
rate or an average of no trades at all (``shown_value``): the figures keep 0.0 there (DESIGN),
but "0.0%" would read as a source that lost every trade.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

UNDEFINED_WITHOUT_TRADES = frozenset({"win_rate", "expected_payoff", "average_win", "average_loss"})


def shown_value(figures: Mapping[str, Any], key: str) -> Any:
    """``figures[key]`` as it is shown: None (``—``) for one of ``UNDEFINED_WITHOUT_TRADES`` of 0 trades."""
    if key in UNDEFINED_WITHOUT_TRADES and figures.get("total_trades") == 0:
        return None
    return figures.get(key)


def figure_text(value: Any, kind: str, currency: str = "") -> str:
    """The text of ``value`` as a figure of ``kind`` (module docstring)."""
    if value is None:
        return "—"
    if kind == "money":
        return f"{Decimal(str(value)):,.2f} {currency}".strip()
    if kind == "pct01":
        return f"{float(value) * 100:.1f}%"
    if kind == "pct":
        return f"{float(value):.2f}%"
    if kind == "ratio":
        return f"{float(value):.2f}"
    if kind == "int":
        return f"{int(value)}"
    if kind == "pips":
        return f"{float(value):+.1f}"
    if kind == "seconds":
        seconds = int(float(value))
        return (
            f"{seconds // 3600}h {seconds % 3600 // 60:02d}m"
            if seconds >= 3600
            else f"{seconds // 60}m {seconds % 60:02d}s"
        )
    return str(value)
