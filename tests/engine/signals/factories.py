"""Factories for signal tests: synthetic bars through given swing prices, signals."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import numpy as np
import pandas as pd

from engine.signals.protocol import BarsFrame
from engine.values import (
    AccountSnapshot,
    Bar,
    CloseReason,
    OrderType,
    Side,
    Signal,
    Timeframe,
    TradeRecord,
    TradeStatus,
)

T0 = datetime(2026, 1, 5, tzinfo=timezone.utc)


def path_through(prices: list[float], steps: int) -> list[float]:
    """Closes moving linearly from each price to the next in ``steps`` bars per leg."""
    out = [prices[0]]
    for p0, p1 in itertools.pairwise(prices):
        out.extend(np.linspace(p0, p1, steps + 1)[1:].tolist())
    return out


def bars_from_closes(
    closes: list[float],
    symbol: str = "EURUSD",
    timeframe: Timeframe = Timeframe.H1,
    start: datetime = T0,
    wick: float = 0.0,
) -> list[Bar]:
    """Bars whose open is the previous close, high/low the max/min of open and close (± ``wick``)."""
    bars = []
    prev = closes[0]
    for i, c in enumerate(closes):
        t = start + timedelta(seconds=i * timeframe.seconds)
        bars.append(Bar(symbol, timeframe, t, prev, max(prev, c) + wick, min(prev, c) - wick, c, 100.0))
        prev = c
    return bars


def random_walk(n: int, seed: int = 1, start: float = 1.1, vol: float = 0.0008) -> list[float]:
    rng = np.random.default_rng(seed)
    return (start * np.exp(np.cumsum(rng.normal(0.0, vol, n)))).tolist()


def frame_of(bars: list[Bar]) -> pd.DataFrame:
    return BarsFrame.from_bars(bars, capacity=len(bars) + 1).frame()


def run_generator(gen, bars: list[Bar], capacity: int = 500) -> list[Signal]:
    """Feed bars one by one as the runner would; return every signal."""
    frame = BarsFrame(bars[0].symbol, bars[0].timeframe, capacity)
    out = []
    for bar in bars:
        frame.append(bar)
        out.extend(gen.on_bar(bar.symbol, bar.timeframe, frame))
    return out


def make_signal(**over) -> Signal:
    base = {
        "id": None,
        "symbol": "EURUSD",
        "side": Side.BUY,
        "entry": 1.1000,
        "sl": 1.0950,
        "tp": 1.1100,
        "confidence": 0.7,
        "source": "test",
        "timeframe": Timeframe.H1,
        "created_at": T0,
        "expires_at": T0 + timedelta(hours=1),
    }
    base.update(over)
    return Signal(**base)


def make_trade(
    id: int,
    *,
    signal_id: int | None = None,
    pnl: str = "10",
    pips: float = 10.0,
    status: TradeStatus = TradeStatus.CLOSED,
    symbol: str = "EURUSD",
    commission: str = "0",
    close_time: datetime | None = None,
) -> TradeRecord:
    closed = status is TradeStatus.CLOSED
    return TradeRecord(
        id=id,
        symbol=symbol,
        side=Side.BUY,
        order_type=OrderType.MARKET,
        status=status,
        lots=Decimal("0.10"),
        requested_price=None,
        entry_price=1.1,
        sl=1.095,
        tp=1.11,
        trailing_pips=None,
        open_time=T0,
        close_time=(close_time or T0 + timedelta(hours=id)) if closed else None,
        close_price=1.101 if closed else None,
        close_reason=CloseReason.TP if closed else None,
        pips=pips,
        pnl=Decimal(pnl),
        commission=Decimal(commission),
        swap=Decimal("0"),
        mfe_pips=0.0,
        mae_pips=0.0,
        signal_id=signal_id,
        parent_id=None,
        comment="",
    )


def make_account(balance: str = "10000", equity: str | None = None) -> AccountSnapshot:
    b = Decimal(balance)
    e = Decimal(equity) if equity is not None else b
    return AccountSnapshot(
        balance=b,
        equity=e,
        margin=Decimal("0"),
        free_margin=e,
        margin_level=None,
        currency="USD",
        leverage=100,
        initial_balance=Decimal("10000"),
    )
