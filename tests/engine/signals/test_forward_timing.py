"""The forward test's timing: a signal stamped at its bar's close enters at the next bar's open (README)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from engine.replay.files import load_prices
from engine.signals.forward import forward_test
from engine.values import Side
from tests.engine.signals.factories import T0, make_signal

OPENS = [1.1000, 1.1010, 1.1020, 1.1030, 1.1040, 1.1050, 1.1060, 1.1070]


@pytest.fixture
def bars(tmp_path):
    """Eight hand-made H1 bars whose opens rise by 10 pips a bar (ranges too small to reach any stop)."""
    path = tmp_path / "bars.csv"
    rows = ["time,open,high,low,close"]
    for i, o in enumerate(OPENS):
        rows.append(f"{(T0 + timedelta(hours=i)).isoformat()},{o},{o + 0.0008},{o - 0.0002},{o + 0.0005}")
    path.write_text("\n".join(rows) + "\n")
    return load_prices(str(path), symbol="EURUSD")


@pytest.mark.parametrize("closed_bar", [0, 2, 5])
def test_forward_signal_at_a_bar_close_enters_at_the_next_bar_open(bars, closed_bar):
    close_time = T0 + timedelta(hours=closed_bar + 1)  # the close of bar k is the open time of bar k+1
    signal = make_signal(
        id=1,
        side=Side.SELL,
        entry=OPENS[closed_bar] + 0.0005,
        sl=1.2,
        tp=1.0,
        created_at=close_time,
        expires_at=close_time + timedelta(hours=4),
    )
    result, _ = forward_test(bars, [signal])
    (trade,) = result.trades.values()
    assert trade.open_time == close_time
    assert trade.entry_price == pytest.approx(OPENS[closed_bar + 1])  # a sell fills at the bid: the open


def test_forward_signal_inside_a_bar_waits_for_the_next_open(bars):
    inside = T0 + timedelta(hours=2, minutes=20)
    signal = make_signal(
        id=1, side=Side.SELL, entry=1.1025, sl=1.2, tp=1.0, created_at=inside, expires_at=inside + timedelta(hours=4)
    )
    result, _ = forward_test(bars, [signal])
    (trade,) = result.trades.values()
    assert trade.open_time == T0 + timedelta(hours=3) and trade.entry_price == pytest.approx(OPENS[3])
