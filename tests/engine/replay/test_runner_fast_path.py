"""The numpy skip-ahead gives exactly the outcomes of walking every bar."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from engine.replay.files import load_prices
from engine.replay.runner import Intrabar, ReplayRunner, build_broker
from engine.replay.signals import load_signals
from engine.values import CloseReason
from tests.engine.replay.helpers import START, bars_file, outcome_key, random_bars, replay, signals_file


def _random_signals(rng, closes, times, symbol, pip, count, *, pending=False):
    rows = []
    for index in sorted(rng.choice(len(closes) - 1, size=count, replace=False)):
        side = "buy" if rng.random() < 0.5 else "sell"
        price = closes[index]
        sign = 1 if side == "buy" else -1
        sl_pips, tp_pips = rng.integers(3, 25), rng.integers(3, 50)
        row = {
            "time": times[index] + pd.Timedelta(seconds=int(rng.integers(1, 60))),
            "symbol": symbol,
            "side": side,
            "sl": round(price - sign * (sl_pips + 5) * pip, 5) if rng.random() < 0.9 else "",
            "tp": round(price + sign * (tp_pips + 5) * pip, 5) if rng.random() < 0.9 else "",
        }
        if pending and rng.random() < 0.3:
            row["order_type"] = "limit"
            row["price"] = round(price - sign * 3 * pip, 5)
            row["sl"] = round(row["price"] - sign * 15 * pip, 5)
            row["tp"] = round(row["price"] + sign * 30 * pip, 5)
        rows.append(row)
    for row in rows:
        row["time"] = row["time"].strftime("%Y-%m-%dT%H:%M:%SZ")
    return rows


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("intrabar", list(Intrabar))
def test_runner_skip_ahead_on_random_bars_matches_naive_walk(tmp_path, seed, intrabar):
    rng = np.random.default_rng(seed)
    bars = random_bars(3_000, seed)
    data = bars_file(tmp_path, [tuple(b) for b in bars])
    times = [START + pd.Timedelta(minutes=i) for i in range(len(bars))]
    signals = signals_file(tmp_path, _random_signals(rng, bars[:, 3], times, "EURUSD", 0.0001, 120, pending=True))
    fast = replay(data, signals, spread=None, intrabar=intrabar)
    naive = replay(data, signals, spread=None, intrabar=intrabar, skip_ahead=False)
    assert outcome_key(fast) == outcome_key(naive)
    closed = fast.closed()
    assert len(closed) > 50  # the comparison covers many exits
    assert {t.close_reason.value for t in closed} >= {"sl", "tp"}


def test_runner_skip_ahead_with_stop_outs_matches_naive_walk(tmp_path):
    rng = np.random.default_rng(7)
    bars = random_bars(2_000, 7, vol=0.0004)
    bars = np.round(bars - np.linspace(0.0, 0.05, len(bars))[:, None], 5)  # a 500-pip slide
    data = bars_file(tmp_path, [tuple(b) for b in bars])
    times = [START + pd.Timedelta(minutes=i) for i in range(len(bars))]
    rows = _random_signals(rng, bars[:, 3], times, "EURUSD", 0.0001, 60)
    for row in rows:
        row.update(side="buy", sl="", tp="", lots=1)
    signals = signals_file(tmp_path, rows)
    fast = replay(data, signals, balance=Decimal("3000"))
    naive = replay(data, signals, balance=Decimal("3000"), skip_ahead=False)
    assert outcome_key(fast) == outcome_key(naive)
    assert any(t.close_reason is CloseReason.STOP_OUT for t in fast.trades.values())


def test_runner_skip_ahead_on_two_symbols_matches_naive_walk(tmp_path):
    rng = np.random.default_rng(11)
    eur, gbp = random_bars(1_500, 11), random_bars(1_500, 12, start=1.2700)
    times = [START + pd.Timedelta(minutes=i) for i in range(1_500)]
    frames = []
    for symbol, bars in (("EURUSD", eur), ("GBPUSD", gbp)):
        frame = pd.DataFrame(bars, columns=["open", "high", "low", "close"])
        frame.insert(0, "symbol", symbol)
        frame.insert(0, "time", times)
        frames.append(frame)
    path = tmp_path / "two.parquet"
    pd.concat(frames).sort_values("time", kind="stable").to_parquet(path)
    rows = _random_signals(rng, eur[:, 3], times, "EURUSD", 0.0001, 40) + _random_signals(
        rng, gbp[:, 3], times, "GBPUSD", 0.0001, 40
    )
    signals = signals_file(tmp_path, rows)
    fast = replay(path, signals, symbol=None, spread=None)
    naive = replay(path, signals, symbol=None, spread=None, skip_ahead=False)
    assert outcome_key(fast) == outcome_key(naive)
    assert {t.symbol for t in fast.trades.values()} == {"EURUSD", "GBPUSD"}


def test_runner_skip_ahead_on_ticks_matches_naive_walk(tmp_path):
    rng = np.random.default_rng(5)
    n = 5_000
    bid = np.round(1.1 + np.cumsum(rng.standard_normal(n) * 0.00005), 5)
    ask = np.round(bid + rng.integers(1, 20, n) * 0.00001, 5)
    times = [START + pd.Timedelta(seconds=2 * i) for i in range(n)]
    path = tmp_path / "ticks.csv"
    pd.DataFrame({"time": times, "bid": bid, "ask": ask}).to_csv(path, index=False)
    signals = signals_file(tmp_path, _random_signals(rng, bid, times, "EURUSD", 0.0001, 80))
    fast = replay(path, signals, spread=None)
    naive = replay(path, signals, spread=None, skip_ahead=False)
    assert outcome_key(fast) == outcome_key(naive)
    assert len(fast.closed()) > 30


class _CountingBroker:
    """A real PaperBroker that counts the prices it is shown."""

    def __init__(self, broker):
        self._broker = broker
        self.prices = 0

    def on_price(self, *args, **kwargs):
        self.prices += 1
        return self._broker.on_price(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._broker, name)


def test_runner_skip_ahead_shows_broker_far_fewer_prices_than_naive_walk(tmp_path):
    bars = random_bars(5_000, 21)
    data = load_prices(bars_file(tmp_path, [tuple(b) for b in bars]), "EURUSD")
    times = [START + pd.Timedelta(minutes=i) for i in range(len(bars))]
    rng = np.random.default_rng(21)
    signals = load_signals(signals_file(tmp_path, _random_signals(rng, bars[:, 3], times, "EURUSD", 0.0001, 50)))
    counts = {}
    for skip in (True, False):
        broker, order = build_broker(
            balance=Decimal("10000"), currency="USD", leverage=100, commission=Decimal("0"), slippage_pips=0.0
        )
        counting = _CountingBroker(broker)
        ReplayRunner(data, signals, counting, order_factory=order, skip_ahead=skip).run()
        counts[skip] = counting.prices
    assert counts[False] >= 4 * 5_000
    assert counts[True] < counts[False] / 10
