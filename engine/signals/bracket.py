"""One signal of the bar-close generators: entry at the close, stops a multiple of the ATR away.

Used by ``engine.signals.mtf`` and ``engine.signals.ml.generator``: both enter at the
closing price of the bar that made them decide and bracket it with ATR multiples.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from engine.instruments import SPECS
from engine.values import Side, Signal, Timeframe


def atr_bracket_signal(
    *,
    symbol: str,
    direction: int,
    close: float,
    atr: float,
    sl_atr: float,
    tp_atr: float,
    confidence: float,
    source: str,
    timeframe: Timeframe,
    bar_open_time: float,
    lifetime_bars: int,
) -> Signal:
    """The signal of a bar that closed at ``close``, dated by the bar's close.

    ``direction``: +1 buy, -1 sell. entry = ``close``; sl = entry − direction × ``sl_atr`` ×
    ``atr``; tp = entry + direction × ``tp_atr`` × ``atr`` (prices at the symbol's digits, 5
    when the symbol is unknown); confidence rounded to 4 places. ``bar_open_time`` is the bar's
    open in epoch seconds: the signal is created at its close (open + the timeframe's length) and
    expires ``lifetime_bars`` bars later.
    """
    spec = SPECS.get(symbol)
    digits = spec.digits if spec else 5
    created = datetime.fromtimestamp(bar_open_time + timeframe.seconds, tz=timezone.utc)
    return Signal(
        id=None,
        symbol=symbol,
        side=Side.BUY if direction > 0 else Side.SELL,
        entry=round(close, digits),
        sl=round(close - direction * sl_atr * atr, digits),
        tp=round(close + direction * tp_atr * atr, digits),
        confidence=round(confidence, 4),
        source=source,
        timeframe=timeframe,
        created_at=created,
        expires_at=created + timedelta(seconds=lifetime_bars * timeframe.seconds),
    )
