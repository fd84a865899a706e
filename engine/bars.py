"""Bars built from quotes: M1 and every higher timeframe, per symbol.

Definitions: a bar of timeframe T covers ``[T.floor(t), T.floor(t) + T)``
(UTC, epoch-aligned; D1 starts at 00:00 UTC). Prices are bid prices; open is
the first bid in the interval, close the last, high/low the extremes;
``volume`` is the number of quotes (tick volume). Empty intervals produce no
bar (as in MetaTrader). A bar *closes* when the first quote of a later
interval arrives. Quotes older than the forming bar are ignored.

Higher timeframes are updated from the same quotes, so they agree with M1 at
every moment; history loaded as M1 bars is resampled with pandas
(``resample``) to seed the higher timeframes, including the part of their
interval that the M1 history covers beyond their own history.

A seeded bar of the interval the first live quote falls in is *continued*,
not replaced: the forming bar keeps its open, extremes and volume, so after a
start at 15:00 today's D1 candle still opens at 00:00's price.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import pandas as pd

from engine.values import Bar, Quote, Timeframe

ALL_TIMEFRAMES: tuple[Timeframe, ...] = tuple(Timeframe)


@dataclass(slots=True)
class _Forming:
    time: datetime
    open: float
    high: float
    low: float
    close: float
    volume: float

    def add(self, price: float) -> None:
        self.high = max(self.high, price)
        self.low = min(self.low, price)
        self.close = price
        self.volume += 1

    def to_bar(self, symbol: str, timeframe: Timeframe) -> Bar:
        return Bar(
            symbol=symbol,
            timeframe=timeframe,
            time=self.time,
            open=self.open,
            high=self.high,
            low=self.low,
            close=self.close,
            volume=self.volume,
        )


def resample(bars: Sequence[Bar], timeframe: Timeframe) -> list[Bar]:
    """Aggregate bars of a lower timeframe into ``timeframe`` with pandas.

    open = first open, high = max high, low = min low, close = last close,
    volume = sum; intervals without bars are dropped. Bars must be of one symbol.
    """
    if not bars:
        return []
    symbol = bars[0].symbol
    frame = pd.DataFrame(
        {
            "open": [b.open for b in bars],
            "high": [b.high for b in bars],
            "low": [b.low for b in bars],
            "close": [b.close for b in bars],
            "volume": [b.volume for b in bars],
        },
        index=pd.DatetimeIndex([b.time for b in bars]).tz_convert("UTC").tz_localize(None),
    )
    frame = frame.sort_index()  # naive UTC: epoch-aligned origins then hold for every rule, D1 included
    out = (
        frame.resample(timeframe.pandas_rule, label="left", closed="left", origin="epoch")
        .agg({"open": "first", "high": "max", "low": "min", "close": "last", "volume": "sum"})
        .dropna()
    )
    opens, highs, lows, closes, volumes = (
        out[name].to_numpy(dtype="float64").tolist() for name in ("open", "high", "low", "close", "volume")
    )
    return [
        Bar(
            symbol=symbol,
            timeframe=timeframe,
            time=ts.tz_localize("UTC").to_pydatetime(),
            open=o,
            high=h,
            low=low,
            close=c,
            volume=v,
        )
        for ts, o, h, low, c, v in zip(out.index, opens, highs, lows, closes, volumes, strict=True)
    ]


class BarBuilder:
    """Build bars of ``timeframes`` from quotes and keep the last ``history`` closed bars of each."""

    def __init__(self, timeframes: Iterable[Timeframe] = ALL_TIMEFRAMES, history: int = 5000) -> None:
        self.timeframes = tuple(timeframes)
        self._history = history
        self._forming: dict[tuple[str, Timeframe], _Forming] = {}
        self._closed: dict[tuple[str, Timeframe], deque[Bar]] = {}

    def on_quote(self, quote: Quote) -> list[Bar]:
        """Add a quote's bid; return the bars it closed (lower timeframes first)."""
        closed: list[Bar] = []
        price = quote.bid
        for timeframe in self.timeframes:
            key = (quote.symbol, timeframe)
            start = timeframe.floor(quote.time)
            forming = self._forming.get(key)
            if forming is None:
                self._forming[key] = self._continued(key, start, price)
                continue
            if start < forming.time:
                continue  # an out-of-order quote from a closed interval
            if start == forming.time:
                forming.add(price)
                continue
            bar = forming.to_bar(quote.symbol, timeframe)
            self._remember(bar)
            closed.append(bar)
            self._forming[key] = _Forming(start, price, price, price, price, 1)
        return closed

    def _continued(self, key: tuple[str, Timeframe], start: datetime, price: float) -> _Forming:
        """The first forming bar of ``key`` at ``start``: a seeded bar of that interval, continued by ``price``."""
        history = self._closed.get(key)
        if history and history[-1].time == start:
            seeded = history.pop()
            return _Forming(
                start, seeded.open, max(seeded.high, price), min(seeded.low, price), price, seeded.volume + 1
            )
        return _Forming(start, price, price, price, price, 1)

    def _remember(self, bar: Bar) -> None:
        key = (bar.symbol, bar.timeframe)
        history = self._closed.get(key)
        if history is None:
            history = self._closed[key] = deque(maxlen=self._history)
        while history and history[-1].time >= bar.time:
            history.pop()  # a seeded bar of the same interval: the live one replaces it
        history.append(bar)

    def seed(self, bars: Iterable[Bar]) -> None:
        """Load history bars (any timeframe, oldest first) older than what is forming.

        M1 history also seeds every higher timeframe, by pandas resampling, where
        it reaches beyond that timeframe's own history (all of it when there is
        none): a journal holds today's M1 bars but not today's unfinished D1.
        The last interval may be incomplete; the first live quote continues it.
        """
        by_key: dict[tuple[str, Timeframe], list[Bar]] = {}
        for bar in bars:
            by_key.setdefault((bar.symbol, bar.timeframe), []).append(bar)
        for (symbol, timeframe), items in by_key.items():
            self._seed_one(symbol, timeframe, items)
        for (symbol, timeframe), items in by_key.items():
            if timeframe is not Timeframe.M1:
                continue
            for higher in self.timeframes:
                if higher is Timeframe.M1:
                    continue
                own = by_key.get((symbol, higher))
                covered = own[-1].time.timestamp() + higher.seconds if own else None
                beyond = items if covered is None else [b for b in items if b.time.timestamp() >= covered]
                self._seed_one(symbol, higher, resample(beyond, higher))

    def _seed_one(self, symbol: str, timeframe: Timeframe, items: list[Bar]) -> None:
        key = (symbol, timeframe)
        known = self._closed.get(key)
        forming = self._forming.get(key)
        merged = {bar.time: bar for bar in items}
        if known:
            merged.update({bar.time: bar for bar in known})
        limit = forming.time if forming is not None else None
        if forming is not None and forming.time in merged:  # history of the interval being built: its earlier part
            earlier = merged[forming.time]
            forming.open = earlier.open
            forming.high = max(forming.high, earlier.high)
            forming.low = min(forming.low, earlier.low)
        ordered = [merged[t] for t in sorted(merged) if limit is None or t < limit]
        history = deque(ordered[-self._history :], maxlen=self._history)
        self._closed[key] = history

    def bars(self, symbol: str, timeframe: Timeframe, limit: int = 500, include_forming: bool = True) -> list[Bar]:
        """Return up to ``limit`` bars, oldest first: closed ones plus the forming one."""
        key = (symbol, timeframe)
        history = list(self._closed.get(key, ()))
        forming = self._forming.get(key)
        if forming is not None:
            while history and history[-1].time >= forming.time:
                history.pop()  # seeded history overlapping the bar being built
            if include_forming:
                history.append(forming.to_bar(symbol, timeframe))
        return history[-limit:] if limit > 0 else []

    def forming(self, symbol: str, timeframe: Timeframe) -> Bar | None:
        """Return the bar being built, or None before the first quote."""
        forming = self._forming.get((symbol, timeframe))
        return forming.to_bar(symbol, timeframe) if forming is not None else None
