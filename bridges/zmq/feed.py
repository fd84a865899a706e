"""PriceFeed from a DWX-protocol expert advisor.

Quotes come from the EA's PUB stream after ``TRACK_PRICES`` (``SYMBOL:|:bid;ask``).
The stream carries no time, so a quote is stamped with the UTC time it
arrived. History comes from ``HIST``, which speaks the broker's server time
both ways: the requested range is converted to server time and the bars back
to UTC with the venue's ``ServerClock`` (shared with the mirror through the
client: configured, detected from a fill, or estimated from the forming bar
while the market is open). With the offset unknown there is no history
rather than bars shifted by hours. After a reconnect the symbols are tracked
again (a restarted EA forgets them). Quotes wait in a bounded queue; when the
consumer falls behind the oldest are dropped.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Sequence
from datetime import datetime, timedelta, timezone

from bridges.clock import ServerClock
from bridges.config import MirrorOptions
from bridges.errors import BridgeUnavailable
from bridges.mt5.symbols import SymbolMap
from bridges.zmq import protocol
from bridges.zmq.client import ZmqClient
from bridges.zmq.clock_probe import learn_from_heartbeat, probe_server_clock
from engine.errors import BadPayload, ProviderUnavailable, ValidationError
from engine.values import Bar, FeedStatus, Quote, Timeframe

log = logging.getLogger(__name__)

_STOP = object()


class ZmqFeed:
    """Quotes and bars through the EA the client talks to."""

    name = "zmq"

    def __init__(
        self,
        client: ZmqClient,
        options: MirrorOptions | None = None,
        *,
        clock: ServerClock | None = None,
        queue_size: int = 10_000,
    ) -> None:
        options = options or MirrorOptions()
        self.client = client
        self.symbols = SymbolMap(options.symbol_suffix, options.symbol_map)
        self.clock = clock or client.clock_for(options.server_utc_offset_hours)
        self._wanted: list[str] = []
        self._queue: asyncio.Queue[object] = asyncio.Queue(maxsize=queue_size)
        self._dropped = 0
        self._received = 0
        self._bad = 0
        self._stopped = False
        self._attached = False
        client.on_stream(self._on_message)
        client.on_reconnect(self._track)

    async def start(self, symbols: Sequence[str]) -> None:
        """Connect and track ``symbols``; ``ValidationError`` names those the EA does not know."""
        self._wanted = list(symbols)
        self._stopped = False
        if not self._attached:
            self.client.attach()
            self._attached = True
        await self.client.start()
        learn_from_heartbeat(self.clock, self.client.last_reply)
        for symbol in self._wanted:
            self.client.subscribe(self.symbols.to_broker(symbol) + protocol.STREAM_DELIMITER)
        await self._track()

    async def stop(self) -> None:
        self._stopped = True
        self._put(_STOP)
        if self._attached:
            self._attached = False
            await self.client.stop()

    async def stream(self) -> AsyncIterator[Quote]:
        while not self._stopped:
            item = await self._queue.get()
            if item is _STOP:
                return
            yield item  # type: ignore[misc]

    async def history(self, symbol: str, timeframe: Timeframe, count: int) -> list[Bar]:
        """Closed bars, oldest first; asks for enough calendar time to cover weekends."""
        if count <= 0:
            raise ValidationError(f"count must be > 0, got {count}", field="count")
        broker = self.symbols.to_broker(symbol)
        if not self.clock.is_known and not await probe_server_clock(self.client, self.clock, broker):
            raise ProviderUnavailable(
                f"no {symbol} {timeframe.value} history from the expert advisor yet: the broker's server time "
                "offset is not known (the stock DWX EA does not send its clock; it is learnt from the first "
                "mirrored fill or the forming bar while the market is open) - set server_utc_offset_hours"
            )
        now = datetime.now(timezone.utc)
        span = timedelta(seconds=timeframe.seconds * count * 1.5) + timedelta(days=4)
        command = protocol.hist_command(
            broker, timeframe.seconds // 60, self.clock.to_server_naive(now - span), self.clock.to_server_naive(now)
        )
        reply = await self.client.request(command, frozenset({"HIST"}))
        refusal = protocol.refusal_of(reply)
        if refusal is not None and "_action" not in reply:
            raise BridgeUnavailable(f"the expert advisor refused HIST: {refusal.message}", code=refusal.code)
        if refusal is not None:
            raise ValidationError(
                f"no history for {symbol} {timeframe.value}: {refusal.message}", field="symbol", code="not_available"
            )
        bars = []
        for row in protocol.parse_hist(reply):
            opened = self.clock.to_utc(self.clock.naive_to_epoch(row.time))
            if opened + timedelta(seconds=timeframe.seconds) > now:
                continue  # the forming bar
            bars.append(Bar(symbol, timeframe, opened, row.open, row.high, row.low, row.close, row.tick_volume))
        bars.sort(key=lambda b: b.time)
        return bars[-count:]

    def status(self) -> list[FeedStatus]:
        return [
            FeedStatus(
                name=self.name,
                enabled=True,
                healthy=self.client.connected,
                last_error=self.client.last_error,
                details={
                    "quotes": self._received,
                    "dropped": self._dropped,
                    "bad_messages": self._bad,
                    **self.clock.describe(),
                },
            )
        ]

    async def _track(self) -> None:
        if not self._wanted:
            return
        brokers = [self.symbols.to_broker(s) for s in self._wanted]
        reply = await self.client.request(protocol.track_prices_command(brokers), frozenset({"TRACK_PRICES"}))
        refusal = protocol.refusal_of(reply) if "_action" not in reply else None
        if refusal is not None:
            raise BridgeUnavailable(f"the expert advisor refused TRACK_PRICES: {refusal.message}", code=refusal.code)
        data = reply.get("_data")
        data = data if isinstance(data, dict) else {}
        # The stock EA splits commands into a fixed string[11]: unused slots come back as '' errors.
        errors = [e for e in (data.get("error_symbols") or []) if str(e).strip()]
        if errors:
            raise ValidationError(
                f"the expert advisor cannot price {', '.join(map(str, errors))}", field="symbols", code="unknown_symbol"
            )

    def _on_message(self, text: str) -> None:
        head = text.partition(protocol.STREAM_DELIMITER)[0]
        if "_" in head and head.rsplit("_", 1)[1][:1] in "MHDWm":
            return  # a TRACK_RATES bar line (SYMBOL_M1:|:…), not a price
        try:
            broker, bid, ask = protocol.parse_price(text)
            quote = Quote(self.symbols.to_canonical(broker), bid, ask, datetime.now(timezone.utc), source=self.name)
        except (BadPayload, ValueError) as exc:
            self._bad += 1
            log.warning("ignoring a bad price message: %s", exc)
            return
        self._received += 1
        self._put(quote)

    def _put(self, item: object) -> None:
        if self._queue.full():
            self._queue.get_nowait()
            self._dropped += 1
        self._queue.put_nowait(item)
