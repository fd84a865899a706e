"""The runner's fast broker calls (``observe``, ``valuation_f``, ``last_prices``, ``pip_value_f``)
give exactly what the documented API alone gives."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from engine.replay.files import load_prices
from engine.replay.runner import Intrabar, ReplayRunner, build_broker
from engine.replay.signals import load_signals
from tests.engine.replay.helpers import START, bars_file, outcome_key, random_bars, signals_file

DOCUMENTED = ("place", "on_quote", "account", "trigger_bounds", "last_quote", "pip_value", "config")


class DocumentedBroker:
    """A ``PaperBroker`` seen only through docs/ARCHITECTURE.md's methods (no float fast paths)."""

    def __init__(self, broker) -> None:
        self._broker = broker

    def __getattr__(self, name: str):
        if name not in DOCUMENTED:
            raise AttributeError(name)
        return getattr(self._broker, name)


def _run(data, signals, *, documented: bool, balance: str, intrabar: Intrabar):
    broker, order = build_broker(
        balance=Decimal(balance), currency="USD", leverage=100, commission=Decimal("2"), slippage_pips=0.2
    )
    if documented:
        broker = DocumentedBroker(broker)
    return ReplayRunner(
        load_prices(data, "EURUSD"), load_signals(signals), broker, order_factory=order, intrabar=intrabar
    ).run()


def _signals(rng, closes, count):
    rows = []
    for index in sorted(rng.choice(len(closes) - 1, size=count, replace=False)):
        sign = 1 if rng.random() < 0.5 else -1
        price = closes[index]
        rows.append(
            {
                "time": (START + pd.Timedelta(minutes=int(index), seconds=30)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "symbol": "EURUSD",
                "side": "buy" if sign > 0 else "sell",
                "lots": "0.5",
                "sl": round(price - sign * int(rng.integers(5, 30)) * 0.0001, 5),
                "tp": round(price + sign * int(rng.integers(5, 60)) * 0.0001, 5),
            }
        )
    return rows


@pytest.mark.parametrize("balance", ["100000", "1500"])  # 1500: orders refused for margin
@pytest.mark.parametrize("intrabar", list(Intrabar))
def test_runner_with_documented_broker_only_gives_the_same_outcomes(tmp_path, balance, intrabar):
    rng = np.random.default_rng(5)
    bars = random_bars(2_500, 5)
    data = bars_file(tmp_path, [tuple(b) for b in bars])
    signals = signals_file(tmp_path, _signals(rng, bars[:, 3], 150))
    fast = _run(data, signals, documented=False, balance=balance, intrabar=intrabar)
    plain = _run(data, signals, documented=True, balance=balance, intrabar=intrabar)
    assert outcome_key(fast) == outcome_key(plain)
    assert len(fast.closed()) > 40
    assert any(t.mfe_pips > 0 for t in fast.closed()) and any(t.mae_pips < 0 for t in fast.closed())
