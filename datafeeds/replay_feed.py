"""Recorded bars or ticks played back as a live ``PriceFeed`` (``--feed replay --replay FILE``).

The file is loaded and validated by ``engine.replay.files`` (CSV or Parquet,
bars ``time,open,high,low,close[,volume]`` or ticks ``time,bid,ask``). Quotes
carry the file's times. Pacing: ``speed`` file seconds per wall second
(``math.inf``: as fast as the consumer takes them). Symbols of several series
are merged in time order.

Each bar becomes four quotes along the path open → nearer extreme → other
extreme → close, stamped at the bar's time + 0, ¼, ½ and ¾ of its length;
ask = bid + ``spread_pips`` (default the symbol's typical spread). Ticks are
played as they are.

The first ``warmup`` rows of each symbol (by default a fifth, at most 2,000)
are not played: they are the history the chart starts with. ``history()``
returns closed bars up to the playback position, resampled with pandas to
the asked timeframe (timeframes finer than the file's bars give none).
"""

from __future__ import annotations

import asyncio
import contextlib
import math
from collections.abc import AsyncIterator, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import cast

import numpy as np
import pandas as pd

from datafeeds.sim.feed import parse_speed
from engine.errors import ValidationError
from engine.instruments import get_spec
from engine.replay.files import FileFormatError, PriceColumns, PriceData, load_prices
from engine.values import Bar, FeedStatus, Quote, Timeframe

MAX_WARMUP_ROWS = 2_000


def _origin(timeframe: Timeframe) -> str:
    """Resampling origin: the epoch for intraday bars; days start at 00:00 UTC anyway."""
    return "start_day" if timeframe is Timeframe.D1 else "epoch"


class ReplayFeed:
    """Plays a price file as live quotes (see the module docstring)."""

    name = "replay"

    def __init__(
        self,
        path: str | Path,
        *,
        speed: float | str = 1.0,
        symbol: str | None = None,
        spread_pips: float | None = None,
        warmup: int | None = None,
    ) -> None:
        self.path = Path(path)
        self.speed = parse_speed(speed)
        self._symbol = symbol
        if spread_pips is not None and not (math.isfinite(spread_pips) and spread_pips >= 0):
            raise ValidationError("spread_pips must be a number >= 0", field="spread")
        self._spread_pips = spread_pips
        self._warmup = warmup
        self._data: PriceData | None = None
        self._cursor: dict[str, int] = {}
        self._running = False
        self._finished = False
        self._stopped = asyncio.Event()
        self._played = 0
        self._last_error: str | None = None

    async def start(self, symbols: Sequence[str]) -> None:
        """Load and validate the file off the loop; ``symbols`` not in it get no quotes.

        A file without a ``symbol`` column holds the symbol given to the
        constructor, or else the first of ``symbols``.
        """
        try:
            data = await asyncio.to_thread(load_prices, self.path, self._symbol)
        except FileFormatError as exc:
            if exc.code != "missing_symbol" or not symbols:
                raise
            data = await asyncio.to_thread(load_prices, self.path, symbols[0])
        self._data = data
        self.symbols = list(data.series)
        missing = [s.upper() for s in symbols if s.upper() not in data.series]
        if missing:
            self._last_error = f"not in {self.path.name}: {', '.join(missing)}"
        for name, series in data.series.items():
            warm = self._warmup if self._warmup is not None else min(len(series) // 5, MAX_WARMUP_ROWS)
            self._cursor[name] = max(0, min(warm, len(series)))
        self._stopped.clear()
        self._running = True
        self._finished = False

    async def stop(self) -> None:
        self._running = False
        self._stopped.set()

    def _order(self) -> tuple[list[str], np.ndarray, np.ndarray]:
        """Symbol index and row of every row still to play, in time order."""
        assert self._data is not None
        names = list(self._data.series)
        times, sym, rows = [], [], []
        for k, name in enumerate(names):
            series = self._data.series[name]
            start = self._cursor[name]
            times.append(series.times[start:])
            sym.append(np.full(len(series) - start, k, dtype=np.int32))
            rows.append(np.arange(start, len(series)))
        all_times = np.concatenate(times)
        order = np.argsort(all_times, kind="stable")
        return names, np.concatenate(sym)[order], np.concatenate(rows)[order]

    def _quotes(self, series: PriceColumns, row: int) -> list[Quote]:
        spec = get_spec(series.symbol)
        start_s = series.times[row] / 1e9
        if series.ask is not None:
            when = datetime.fromtimestamp(start_s, tz=timezone.utc)
            return [Quote(series.symbol, float(series.open[row]), float(series.ask[row]), when, "replay")]
        assert self._data is not None and self._data.bar_seconds is not None
        length = self._data.bar_seconds
        spread = round(
            (self._spread_pips if self._spread_pips is not None else spec.typical_spread_pips) * spec.pip_size,
            spec.digits + 1,
        )
        o, h, low, c = (
            float(series.open[row]),
            float(series.high[row]),
            float(series.low[row]),
            float(series.close[row]),
        )
        path = (o, low, h, c) if o - low <= h - o else (o, h, low, c)
        return [
            Quote(
                series.symbol,
                price,
                round(price + spread, spec.digits),
                datetime.fromtimestamp(start_s + length * k / 4, tz=timezone.utc),
                "replay",
            )
            for k, price in enumerate(path)
        ]

    async def stream(self) -> AsyncIterator[Quote]:
        """Yield the file's quotes from the playback position on, paced by ``speed``."""
        if self._data is None:
            raise RuntimeError("ReplayFeed.stream() before start()")
        names, sym, rows = self._order()
        loop = asyncio.get_running_loop()
        wall_start = loop.time()
        file_start: float | None = None
        for index in range(rows.shape[0]):
            if not self._running:
                return
            series = self._data.series[names[sym[index]]]
            row = int(rows[index])
            for quote in self._quotes(series, row):
                if file_start is None:
                    file_start = quote.time.timestamp()
                if not math.isinf(self.speed):
                    delay = wall_start + (quote.time.timestamp() - file_start) / self.speed - loop.time()
                    if delay > 0:
                        with contextlib.suppress(TimeoutError):
                            async with asyncio.timeout(delay):
                                await self._stopped.wait()
                        if not self._running:
                            return
                yield quote
                self._played += 1
            self._cursor[series.symbol] = row + 1
            if math.isinf(self.speed) and index % 256 == 255:
                await asyncio.sleep(0)
        self._finished = True

    async def history(self, symbol: str, timeframe: Timeframe, count: int) -> list[Bar]:
        """Closed bars up to the playback position, oldest first, at most ``count``."""
        if self._data is None:
            return []
        series = self._data.series.get(symbol.strip().upper())
        if series is None:
            return []
        return await asyncio.to_thread(self._bars, series, Timeframe(timeframe), count)

    def _bars(self, series: PriceColumns, timeframe: Timeframe, count: int) -> list[Bar]:
        assert self._data is not None
        end = self._cursor.get(series.symbol, 0)
        base_seconds = self._data.bar_seconds or 60
        if end == 0 or count <= 0 or timeframe.seconds < base_seconds:
            return []
        index = pd.to_datetime(series.times[:end], utc=True)
        frame = pd.DataFrame(
            {
                "open": series.open[:end],
                "high": series.high[:end],
                "low": series.low[:end],
                "close": series.close[:end],
            },
            index=index,
        )
        if self._data.kind == "ticks" or timeframe.seconds > base_seconds:
            last_close = index[-1] + pd.Timedelta(seconds=base_seconds if self._data.kind == "bars" else 0)
            frame = (
                frame.resample(timeframe.pandas_rule, origin=_origin(timeframe), label="left", closed="left")
                .agg({"open": "first", "high": "max", "low": "min", "close": "last"})
                .dropna()
            )
            frame = frame[cast(pd.DatetimeIndex, frame.index) + pd.Timedelta(seconds=timeframe.seconds) <= last_close]
        frame = frame.iloc[-count:]
        return [
            Bar(series.symbol, timeframe, t.to_pydatetime(), o, h, low, c)
            for t, o, h, low, c in zip(
                frame.index, frame["open"], frame["high"], frame["low"], frame["close"], strict=True
            )
        ]

    def status(self) -> list[FeedStatus]:
        details: dict[str, object] = {
            "file": self.path.name,
            "played": self._played,
            "finished": self._finished,
            "speed": "max" if math.isinf(self.speed) else self.speed,
        }
        return [
            FeedStatus(
                name=self.name,
                enabled=True,
                healthy=self._running and not self._finished,
                last_error=self._last_error,
                in_use=self._running,
                details=details,
            )
        ]
