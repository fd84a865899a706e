"""PriceFeed from the MetaTrader 5 terminal.

Quotes: every ``poll_interval`` seconds one hop to the bridge thread reads
``symbol_info_tick`` for every symbol; a quote is yielded only when the tick
changed (``time_msc``, bid or ask). Tick times are broker server time and
are converted to UTC by the terminal's ``ServerClock`` (shared with the
mirror through the client: configured, detected from a fill, or estimated
from the ticks while the market is surely open; a closed market's old tick
would give a wrong offset). While the offset is unknown a quote is stamped
with the UTC time it was read. History: ``copy_rates_from_pos`` from
position 1 (position 0 is the forming bar), oldest first, converted with the
offset; with the offset unknown there is no history rather than bars
shifted by hours.

When the terminal goes away the stream keeps running: it marks the feed
unhealthy, reconnects with exponential backoff (1 s doubling to 30 s) and
resumes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Sequence
from datetime import datetime, timezone

from bridges.clock import ServerClock
from bridges.config import MirrorOptions
from bridges.errors import BridgeSetupError, BridgeUnavailable
from bridges.mt5.client import Mt5Client
from bridges.mt5.symbols import SymbolMap
from engine.errors import ProviderUnavailable, ValidationError
from engine.values import Bar, FeedStatus, Quote, Timeframe

log = logging.getLogger(__name__)

MT5_TIMEFRAMES = {
    Timeframe.M1: 1,
    Timeframe.M5: 5,
    Timeframe.M15: 15,
    Timeframe.M30: 30,
    Timeframe.H1: 16385,
    Timeframe.H4: 16388,
    Timeframe.D1: 16408,
}
MAX_BACKOFF = 30.0


class Mt5Feed:
    """Quotes and bars from the terminal the client is connected to."""

    name = "mt5"

    def __init__(
        self,
        client: Mt5Client,
        options: MirrorOptions | None = None,
        *,
        poll_interval: float | None = None,
        symbols: SymbolMap | None = None,
        clock: ServerClock | None = None,
    ) -> None:
        options = options or MirrorOptions()
        self.client = client
        self.poll_interval = poll_interval if poll_interval is not None else client.config.poll_interval
        self.symbols = symbols or SymbolMap(options.symbol_suffix, options.symbol_map)
        self.clock = clock or client.clock_for(options.server_utc_offset_hours)
        self._wanted: list[str] = []
        self._attached = False
        self._stopped = asyncio.Event()
        self._last: dict[str, tuple[int, float, float]] = {}
        self._quotes_seen = 0
        self._error: str | None = None

    async def start(self, symbols: Sequence[str]) -> None:
        """Connect, map and select ``symbols``; raise ``ValidationError`` for one the broker lacks."""
        self._wanted = list(symbols)
        self._stopped.clear()
        if not self._attached:
            self.client.attach()
            self._attached = True
        await self._connect()

    async def stop(self) -> None:
        self._stopped.set()
        if self._attached:
            self._attached = False
            await self.client.shutdown()

    async def stream(self) -> AsyncIterator[Quote]:
        backoff = 1.0
        while not self._stopped.is_set():
            try:
                if not self.client.connected:
                    await self._connect()
                quotes = await self._poll()
                backoff = 1.0
                self._error = None
            except BridgeUnavailable as exc:
                self._error = exc.message
                log.warning("MT5 feed: %s; retrying in %.0f s", exc.message, backoff)
                await self._sleep(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF)
                continue
            for quote in quotes:
                yield quote
            await self._sleep(self.poll_interval)

    async def history(self, symbol: str, timeframe: Timeframe, count: int) -> list[Bar]:
        """Closed bars, oldest first (bar times converted from server time to UTC)."""
        if count <= 0:
            raise ValidationError(f"count must be > 0, got {count}", field="count")
        if not self.client.connected:
            await self._connect()
        broker = self.symbols.to_broker(symbol)
        if not self.clock.is_known:
            ticks = await self.client.call_many("symbol_info_tick", [(broker,)])
            if ticks[0] is not None:
                self.clock.observe(ticks[0].time_msc / 1000, datetime.now(timezone.utc))
        if not self.clock.is_known:
            raise ProviderUnavailable(
                f"no {symbol} {timeframe.value} history from MetaTrader 5 yet: the broker's server time offset "
                "is not known (it is estimated from fresh ticks while the market is open, or learnt from the "
                "first mirrored fill) - set server_utc_offset_hours"
            )
        rates = await self.client.call("copy_rates_from_pos", broker, MT5_TIMEFRAMES[timeframe], 1, count)
        return [
            Bar(
                symbol,
                timeframe,
                self.clock.to_utc(int(r["time"])),
                float(r["open"]),
                float(r["high"]),
                float(r["low"]),
                float(r["close"]),
                float(r["tick_volume"]),
            )
            for r in rates
        ]

    def status(self) -> list[FeedStatus]:
        return [
            FeedStatus(
                name=self.name,
                enabled=True,
                healthy=self.client.connected and self._error is None,
                last_error=self._error or self.client.last_error,
                details={
                    "quotes": self._quotes_seen,
                    **self.clock.describe(),
                    "symbols": {s: self.symbols.to_broker(s) for s in self._wanted},
                },
            )
        ]

    async def _connect(self) -> None:
        try:
            await self.client.connect()
        except BridgeSetupError as exc:
            self._error = exc.message
            raise
        self.clock.reset()
        names = [s.name for s in await self.client.call("symbols_get")]
        self.symbols.learn(self._wanted, names)
        for symbol in self._wanted:
            await self.client.call("symbol_select", self.symbols.to_broker(symbol), True)

    async def _poll(self) -> list[Quote]:
        brokers = [self.symbols.to_broker(s) for s in self._wanted]
        ticks = await self.client.call_many("symbol_info_tick", [(b,) for b in brokers])
        now = datetime.now(timezone.utc)
        for tick in ticks:
            if tick is not None:
                self.clock.observe(tick.time_msc / 1000, now)
        quotes = []
        for symbol, tick in zip(self._wanted, ticks, strict=False):  # a short answer leaves the rest unquoted
            if tick is None or tick.bid <= 0 or tick.ask <= 0:
                continue
            key = (tick.time_msc, tick.bid, tick.ask)
            if self._last.get(symbol) == key:
                continue
            self._last[symbol] = key
            stamp = self.clock.to_utc(tick.time_msc / 1000) if self.clock.is_known else now
            quotes.append(Quote(symbol, tick.bid, max(tick.ask, tick.bid), stamp, source=self.name))
        self._quotes_seen += len(quotes)
        return quotes

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await self._stopped.wait()
