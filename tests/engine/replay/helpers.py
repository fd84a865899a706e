"""Builders for replay tests: small bar/tick/signal files and a one-call replay."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd

from engine.replay.files import load_prices
from engine.replay.runner import Intrabar, ReplayResult, ReplayRunner, build_broker
from engine.replay.signals import load_signals

START = pd.Timestamp("2024-03-04 10:00", tz="UTC")  # a Monday


def bars_file(
    tmp_path: Path,
    rows: Sequence[tuple[float, float, float, float]],
    *,
    name: str = "bars.csv",
    symbol: str | None = None,
    minutes: int = 1,
) -> Path:
    """Write bars (open, high, low, close) one every ``minutes`` from START."""
    times = [START + pd.Timedelta(minutes=minutes * i) for i in range(len(rows))]
    frame = pd.DataFrame(rows, columns=["open", "high", "low", "close"])
    frame.insert(0, "time", [t.strftime("%Y-%m-%dT%H:%M:%SZ") for t in times])
    if symbol:
        frame.insert(1, "symbol", symbol)
    path = tmp_path / name
    if path.suffix == ".parquet":
        frame.to_parquet(path)
    else:
        frame.to_csv(path, index=False)
    return path


def signals_file(tmp_path: Path, rows: Sequence[dict], name: str = "signals.csv") -> Path:
    """Write signal rows (dicts); missing required columns are left blank."""
    frame = pd.DataFrame(list(rows))
    for column in ("time", "symbol", "side", "sl", "tp"):
        if column not in frame.columns:
            frame[column] = ""
    path = tmp_path / name
    frame.to_csv(path, index=False)
    return path


def at(minutes: float) -> str:
    """ISO time ``minutes`` after START."""
    return (START + pd.Timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def replay(
    data: Path,
    signals: Path,
    *,
    symbol: str | None = "EURUSD",
    spread: float | None = 0.0,
    intrabar: Intrabar = Intrabar.PESSIMISTIC,
    skip_ahead: bool = True,
    balance: Decimal = Decimal("10000"),
    leverage: int = 100,
    currency: str = "USD",
) -> ReplayResult:
    """Load both files and replay them through a fresh PaperBroker."""
    broker, order = build_broker(
        balance=balance, currency=currency, leverage=leverage, commission=Decimal("0"), slippage_pips=0.0
    )
    return ReplayRunner(
        load_prices(data, symbol),
        load_signals(signals),
        broker,
        order_factory=order,
        spread_pips=spread,
        intrabar=intrabar,
        skip_ahead=skip_ahead,
    ).run()


def random_bars(n: int, seed: int, start: float = 1.1000, vol: float = 0.0002, digits: int = 5) -> np.ndarray:
    """A seeded random walk of n bars (open, high, low, close), consistent OHLC, rounded."""
    rng = np.random.default_rng(seed)
    close = start + np.cumsum(rng.standard_normal(n) * vol)
    gaps = np.where(rng.random(n) < 0.05, rng.standard_normal(n) * vol * 3, 0.0)
    open_ = np.r_[start, close[:-1]] + gaps
    high = np.maximum(open_, close) + np.abs(rng.standard_normal(n)) * vol
    low = np.minimum(open_, close) - np.abs(rng.standard_normal(n)) * vol
    return np.round(np.stack([open_, high, low, close], axis=1), digits)


def outcome_key(result: ReplayResult) -> list[tuple]:
    """What must match between two replays: every trade's fill, exit and excursions."""
    return (
        [
            (
                t.id,
                t.symbol,
                t.side,
                t.status,
                t.lots,
                t.entry_price,
                t.open_time,
                t.close_time,
                t.close_price,
                t.close_reason,
                t.pips,
                t.pnl,
                t.mfe_pips,
                t.mae_pips,
            )
            for t in result.trades.values()
        ]
        + [(o.signal.line, o.outcome, o.trade_id, o.code) for o in result.outcomes]
        + [(result.account.balance, result.account.equity)]
    )
