"""Bars of the simulated market: the generated past and the bars built from live ticks.

The past is simulated minute by minute with ``SUBSTEPS`` sub-steps per minute
(open = first sub-step price, high/low = extremes, close = last); bars are bid
prices (mid − typical spread / 2) rounded to the symbol's digits. Higher
timeframes are resampled from M1 with pandas, aligned to the epoch (D1 at
00:00 UTC); only closed bars are returned.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, cast

import numpy as np
import pandas as pd

from datafeeds.sim import calendar
from datafeeds.sim.model import WEEKEND_GAP_HOURS, MarketModel
from engine.instruments import get_spec
from engine.values import Bar, Quote, Timeframe

SUBSTEPS = 4
MINUTE_NS = 60 * 10**9


def _resample_kwargs(timeframe: Timeframe) -> dict[str, Any]:
    """Resampling origin: the epoch for intraday bars; pandas starts UTC days at 00:00 by itself
    (and warns that ``origin`` has no effect on a day frequency)."""
    return {} if timeframe is Timeframe.D1 else {"origin": "epoch"}


@dataclass(slots=True)
class SymbolBars:
    """M1 bid bars of one symbol: the generated past as arrays, live bars as lists."""

    symbol: str
    times: np.ndarray
    ohlc: np.ndarray  # rows × (open, high, low, close)
    live_times: list[int] = field(default_factory=list)
    live_ohlc: list[tuple[float, float, float, float]] = field(default_factory=list)
    forming: list[float] | None = None
    forming_time: int | None = None
    _frame: tuple[int, pd.DataFrame] | None = field(  # (live bars in it, the M1 frame): ``frame``'s cache
        default=None, init=False, repr=False, compare=False
    )

    def add_quote(self, quote: Quote) -> None:
        """Fold a live bid into the forming M1 bar; close it when the minute changes."""
        ns = int(quote.time.timestamp()) * 10**9
        minute = ns - ns % MINUTE_NS
        bid = quote.bid
        if self.forming is not None and minute == self.forming_time:
            bar = self.forming
            bar[1] = max(bar[1], bid)
            bar[2] = min(bar[2], bid)
            bar[3] = bid
            return
        if self.forming is not None and self.forming_time is not None:
            self.live_times.append(self.forming_time)
            self.live_ohlc.append((self.forming[0], self.forming[1], self.forming[2], self.forming[3]))
        self.forming = [bid, bid, bid, bid]
        self.forming_time = minute

    def frame(self) -> pd.DataFrame:
        """Every closed M1 bar as a DataFrame indexed by UTC open time (built again only after a new bar)."""
        # The feed may append a bar while another thread reads: take equal-length snapshots.
        n = min(len(self.live_times), len(self.live_ohlc))
        cached = self._frame
        if cached is not None and cached[0] == n:
            return cached[1]
        times = np.concatenate([self.times, np.array(self.live_times[:n], dtype="int64")])
        live = np.array(self.live_ohlc[:n], dtype="float64").reshape(-1, 4)
        ohlc = np.concatenate([self.ohlc, live])
        index = pd.to_datetime(times, utc=True)
        frame = pd.DataFrame(ohlc, index=index, columns=["open", "high", "low", "close"])
        self._frame = (n, frame)
        return frame

    def bars(self, timeframe: Timeframe, count: int) -> list[Bar]:
        """Return at most ``count`` closed bars of ``timeframe``, oldest first.

        Only the M1 tail that can hold them is resampled: a bar of ``m``
        minutes holds at most ``m`` M1 bars, so the last ``(count + 2) × m``
        span at least ``count + 2`` intervals, of which the first may be cut
        and the last still forming; the ``count`` before the last are whole.
        """
        frame = self.frame()
        if frame.empty or count <= 0:
            return []
        if timeframe is not Timeframe.M1:
            last_close = frame.index[-1] + pd.Timedelta(minutes=1)
            frame = (
                frame.iloc[-(count + 2) * (timeframe.seconds // 60) :]
                .resample(timeframe.pandas_rule, label="left", closed="left", **_resample_kwargs(timeframe))
                .agg({"open": "first", "high": "max", "low": "min", "close": "last"})
                .dropna()
            )
            complete = cast(pd.DatetimeIndex, frame.index) + pd.Timedelta(seconds=timeframe.seconds) <= last_close
            frame = frame[complete]
        frame = frame.iloc[-count:]
        columns = (frame[name].to_numpy(dtype="float64").tolist() for name in ("open", "high", "low", "close"))
        return [
            Bar(self.symbol, timeframe, t, o, h, low, c)
            for t, o, h, low, c in zip(cast(pd.DatetimeIndex, frame.index).to_pydatetime(), *columns, strict=True)
        ]


def minute_grid(start: datetime, end: datetime, always_open: bool) -> np.ndarray:
    """Open times (int64 ns) of the M1 bars in [start, end) the market trades."""
    first = int(start.timestamp()) // 60 * 60
    last = int(end.timestamp()) // 60 * 60
    grid = np.arange(first, last, 60, dtype="int64")
    if not always_open and grid.size:
        stamps = pd.to_datetime(grid, unit="s", utc=True)
        day, hour = stamps.day_of_week.to_numpy(), stamps.hour.to_numpy()
        closed = (
            (day == 5)
            | ((day == 4) & (hour >= calendar.ROLLOVER_HOUR))
            | ((day == 6) & (hour < calendar.ROLLOVER_HOUR))
        )
        grid = grid[~closed]
    return grid * 10**9


def generate_history(
    model: MarketModel,
    symbols: Sequence[str],
    end: datetime,
    days: float,
    always_open: bool,
    end_x: np.ndarray | None = None,
) -> dict[str, SymbolBars]:
    """Simulate M1 bars over the ``days`` before ``end`` and leave ``model`` at ``end``.

    With ``always_open`` false, closed weekend minutes have no bars and the
    first minute after a closure starts with a Monday gap (``MarketModel.gap``).
    ``end_x`` (currency log values) makes the path end there: the whole path
    is shifted by a constant, which a random walk in log values allows (a
    resumed feed's past then meets the first stored bar without a gap).
    """
    end = end.astimezone(timezone.utc)
    grid = minute_grid(end - timedelta(days=days), end, always_open)
    n = grid.shape[0]
    moves = model.increments(n * SUBSTEPS, 60.0 / SUBSTEPS)
    if n > 1:
        reopen = np.flatnonzero(np.diff(grid) > MINUTE_NS) + 1
        if reopen.size:
            gaps = model.increments(reopen.size, WEEKEND_GAP_HOURS * 3600.0)
            moves[reopen * SUBSTEPS] += gaps
    path = model.x + np.cumsum(moves, axis=0)
    if n and end_x is not None:
        path += end_x - path[-1]
    if n:
        model.x = path[-1].copy()
    elif end_x is not None:
        model.x = end_x.copy()
    mids = model.mids_of_path(path).reshape(n, SUBSTEPS, len(model.symbols))
    result: dict[str, SymbolBars] = {}
    for k, symbol in enumerate(model.symbols):
        if symbol not in symbols:
            continue
        spec = get_spec(symbol)
        bids = mids[:, :, k] - spec.typical_spread_pips * spec.pip_size / 2.0
        ohlc = np.stack([bids[:, 0], bids.max(axis=1), bids.min(axis=1), bids[:, -1]], axis=1)
        result[symbol] = SymbolBars(symbol, grid, np.round(ohlc, spec.digits))
    return result
