"""The WebSocket hub: engine events fanned out to every connected client.

Each client has a bounded outbox (``engine.api.ws_client``). Prices (and
the account and feed summaries) are *coalesced*: the outbox holds at most the
latest one per symbol, so a client that reads slowly gets fewer, fresher
prices rather than a growing backlog. Trade and signal messages are queued in
order, at most ``max_queue`` of them; a client that falls that far behind, or
whose send takes longer than ``send_timeout`` seconds, is dropped (close code
1013). Broadcasting costs the engine one dict insert per client and never
awaits a client; one *pump* callback per loop iteration then sends to every
ready client without a task switch, and a client whose socket is full
continues in its own sender task, so one stalled client delays neither the
engine nor the others. Every message is encoded once with orjson, framed once
(``engine.api.ws_protocol``) and shared by all clients.

Every message carries ``seq`` (DESIGN): a message reporting an event carries
the event's sequence number (``engine.bus``), and on ``/ws/trading/`` its
``ts`` is the event's time on the engine's market clock; what the hub says
on its own (the state sent to a new client, replies) carries the latest
number published, ``engine.bus.last_seq``: the state as of that event. The
messages of one event share its number (a partial close's ``trade_closed``
and ``trade_modified``): a client orders and de-duplicates by what a message
is about (a symbol's price, the account, a trade, a signal) and ``seq``.

A bridge's ``MirrorStateChanged`` is sent as ``trade_modified`` (the trade as
REST shows it, with its new ``mirror_ticket``/``mirror_state``) followed by a
``feed_status`` carrying the bridge's status. Every ``feed_status`` is
``{feeds, journal}`` as ``GET feeds/`` gives them; ``JournalStateChanged``
sends one at once (orders are refused from then on: a client hears why).

What a client may ask is bounded (``engine.api.ws_limits``): only the fed
symbols can be subscribed, ``MAX_SUBSCRIBED_SYMBOLS`` in all, and a client
sending more than ``MESSAGE_RATE`` messages per second (beyond a burst) is
closed with 1008. Every connection the hub closes or refuses is logged, one
line each with its peer address (never its token); a server stop logs one line.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

import orjson
from starlette.websockets import WebSocket, WebSocketDisconnect

from engine import events
from engine.api.security import WS_PROTOCOL
from engine.api.serialize import account_dict, feed_dict, journal_dict, quote_dict, signal_dict, tick_dict, trade_dict
from engine.api.ws_client import GONE, Outgoing, WsClient
from engine.api.ws_limits import (
    CLOSE_POLICY,
    MAX_SUBSCRIBED_SYMBOLS,
    MESSAGE_BURST,
    MESSAGE_RATE,
    MessageRate,
    unknown_symbols_message,
)
from engine.bus import EventBus
from engine.errors import NotFound
from engine.service_journal import JournalStatus
from engine.values import FeedStatus, iso

if TYPE_CHECKING:
    from engine.service import TradingEngine

log = logging.getLogger(__name__)

TRADING = "trading"
PRICES = "prices"
CLOSE_TOO_SLOW = 1013
CLOSE_GOING_AWAY = 1001
STOPPING = "server stopping"


def envelope(kind: str, data: Any, seq: int, ts: datetime | None) -> Outgoing:
    """A ``/ws/trading/`` message: ``{"type", "data", "ts", "seq"}`` as JSON text (``ts`` ISO 8601 UTC)."""
    return Outgoing(orjson.dumps({"type": kind, "data": data, "ts": iso(ts), "seq": seq}).decode())


def plain(data: dict[str, Any], seq: int) -> Outgoing:
    """A ``/ws/prices/`` message: ``data`` itself and its ``seq`` as JSON text."""
    data["seq"] = seq
    return Outgoing(orjson.dumps(data).decode())


def _log_task_failure(task: asyncio.Task[Any]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("websocket task %s failed", task.get_name(), exc_info=task.exception())


class WebSocketHub:
    """Subscribe to the engine's bus and fan events out to WebSocket clients."""

    def __init__(
        self,
        engine: TradingEngine,
        *,
        max_queue: int = 256,
        send_timeout: float = 5.0,
        max_clients: int = 2000,
        message_rate: tuple[float, int] = (MESSAGE_RATE, MESSAGE_BURST),
    ) -> None:
        self.engine = engine
        self.max_queue = max_queue
        self.send_timeout = send_timeout
        self.max_clients = max_clients
        self.message_rate = message_rate  # (messages per second, burst) a client may send
        self.clients: dict[str, list[WsClient]] = {TRADING: [], PRICES: []}
        self._unsubscribe: list[Callable[[], None]] = []
        self._watchdog: asyncio.Task[None] | None = None
        self._ready: list[WsClient] = []
        self._pump_handle: asyncio.Handle | None = None
        self._lookups: set[asyncio.Task[None]] = set()
        self.dropped = 0

    # -- lifecycle -------------------------------------------------------
    def start(self) -> None:
        """Subscribe to the engine's events (idempotent)."""
        if self._unsubscribe:
            return
        bus: EventBus = self.engine.bus
        handlers: dict[type, Callable[[Any], None]] = {
            events.PriceUpdated: self._on_price,
            events.TradeOpened: lambda e: self._trade("trade_execution", e.trade, e),
            events.OrderPlaced: lambda e: self._trade("trade_execution", e.trade, e),
            events.TradeModified: lambda e: self._trade("trade_modified", e.trade, e),
            events.TradeClosed: self._on_closed,
            events.OrderCancelled: lambda e: self._trade("trade_closed", e.trade, e),
            events.AccountUpdated: lambda e: self._account(e.account, e),
            events.AccountReset: lambda e: self._account(e.account, e),
            events.SignalReceived: lambda e: self._signal(e.signal, e),
            events.SignalUpdated: lambda e: self._signal(e.signal, e),
            events.FeedStatusChanged: self._on_feeds,
            events.JournalStateChanged: lambda e: self._send_feeds(e, journal=e.status),
            events.MirrorStateChanged: self._on_mirror,
        }
        self._unsubscribe = [bus.subscribe(kind, handler) for kind, handler in handlers.items()]
        self._watchdog = asyncio.create_task(self._watch_sends(), name="ws-hub-watchdog")
        self._watchdog.add_done_callback(_log_task_failure)

    async def _watch_sends(self) -> None:
        """Drop every client whose send in progress is older than ``send_timeout``."""
        loop = asyncio.get_running_loop()
        period = max(0.05, min(1.0, self.send_timeout / 4))
        while True:
            await asyncio.sleep(period)
            deadline = loop.time() - self.send_timeout
            for clients in self.clients.values():
                for client in clients:
                    started = client.send_started
                    if started is not None and started < deadline:
                        client.drop(f"a send took longer than {self.send_timeout} s")

    def stop(self) -> None:
        """Unsubscribe and tell every client to go (close code 1001)."""
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe = []
        if self._watchdog is not None:
            self._watchdog.cancel()
            self._watchdog = None
        for lookup in list(self._lookups):
            lookup.cancel()
        if self._pump_handle is not None:
            self._pump_handle.cancel()
            self._pump_handle = None
            self._ready = []
        if self.client_count:
            log.info("closing %d websocket client(s): %s", self.client_count, STOPPING)
        for clients in self.clients.values():
            for client in list(clients):
                client.drop(STOPPING)

    def _schedule(self, client: WsClient) -> None:
        """Put ``client`` on the ready list; one pump pass per loop iteration sends for all."""
        self._ready.append(client)
        if self._pump_handle is None:
            self._pump_handle = asyncio.get_running_loop().call_soon(self._pump)

    def _pump(self) -> None:
        self._pump_handle = None
        ready, self._ready = self._ready, []
        for client in ready:
            client.scheduled = False
            client.drain_eagerly()

    @property
    def client_count(self) -> int:
        return sum(len(c) for c in self.clients.values())

    # -- event handlers (on the engine's loop; never await a client) -----
    def _broadcast(self, channel: str, message: Outgoing, key: tuple[Any, ...] | None = None) -> None:
        for client in self.clients[channel]:
            client.offer(message, key)

    def _on_price(self, event: events.PriceUpdated) -> None:
        quote = event.quote
        if self.clients[TRADING]:
            message = envelope("price_update", quote_dict(quote), event.seq, event.ts)
            self._broadcast(TRADING, message, ("price", quote.symbol))
        if self.clients[PRICES]:
            tick = plain(tick_dict(quote), event.seq)
            key = ("price", quote.symbol)
            for client in self.clients[PRICES]:
                if client.wants(quote.symbol):
                    client.offer(tick, key)

    def _trade(self, kind: str, trade: Any, event: events.Event) -> None:
        """Broadcast a trade message; an open trade carries its floating figures, as REST shows it."""
        if self.clients[TRADING]:
            self._broadcast(TRADING, envelope(kind, trade_dict(self.engine.live(trade)), event.seq, event.ts))

    def _on_closed(self, event: events.TradeClosed) -> None:
        self._trade("trade_closed", event.trade, event)
        if event.remaining is not None:
            self._trade("trade_modified", event.remaining, event)

    def _account(self, account: Any, event: events.Event) -> None:
        if self.clients[TRADING]:
            message = envelope("account_update", account_dict(account), event.seq, event.ts)
            self._broadcast(TRADING, message, ("account",))

    def _signal(self, signal: Any, event: events.Event) -> None:
        if self.clients[TRADING]:
            self._broadcast(TRADING, envelope("signal_alert", signal_dict(signal), event.seq, event.ts))

    def _on_feeds(self, event: events.FeedStatusChanged) -> None:
        self._send_feeds(event, statuses=event.statuses)

    def _on_mirror(self, event: events.MirrorStateChanged) -> None:
        """The trade with its new mirror ticket/state, then the feeds' (and bridge's) status."""
        if not self.clients[TRADING]:
            return
        active = next((t for t in self.engine.active_trades() if t.id == event.trade_id), None)
        if active is not None:
            self._broadcast(TRADING, envelope("trade_modified", trade_dict(active), event.seq, event.ts))
            self._send_feeds(event)
            return
        task = asyncio.create_task(self._send_stored_trade(event), name=f"ws-mirror-trade-{event.trade_id}")
        self._lookups.add(task)
        task.add_done_callback(self._lookups.discard)
        task.add_done_callback(_log_task_failure)

    async def _send_stored_trade(self, event: events.MirrorStateChanged) -> None:
        """A finished trade's mirror changed (e.g. closed in MetaTrader): send the journal's record."""
        try:
            trade = await self.engine.get_trade(event.trade_id)
        except NotFound:
            log.info("mirror state of unknown trade %d not sent", event.trade_id)
            return
        if self.clients[TRADING]:
            self._broadcast(TRADING, envelope("trade_modified", trade_dict(trade), event.seq, event.ts))
            self._send_feeds(event)

    def _send_feeds(
        self, event: events.Event, statuses: Sequence[FeedStatus] | None = None, journal: JournalStatus | None = None
    ) -> None:
        """``feed_status``: ``{feeds, journal}`` as ``GET feeds/`` gives them (the engine's, unless given)."""
        if not self.clients[TRADING]:
            return
        statuses = statuses if statuses is not None else self.engine.feeds_status()
        journal = journal if journal is not None else self.engine.journal_status()
        data = {"feeds": [feed_dict(s) for s in statuses], "journal": journal_dict(journal)}
        self._broadcast(TRADING, envelope("feed_status", data, event.seq, event.ts), ("feeds",))

    # -- one connection --------------------------------------------------
    async def serve(self, websocket: WebSocket, channel: str) -> None:
        """Run one client connection from handshake to close."""
        if self.client_count >= self.max_clients:
            log.warning(
                "websocket connection on /ws/%s/ from %s refused (%d): %d clients already",
                channel,
                _peer(websocket),
                CLOSE_TOO_SLOW,
                self.client_count,
            )
            await websocket.close(code=CLOSE_TOO_SLOW, reason="too many clients")
            return
        offered = websocket.scope.get("subprotocols") or ()
        await websocket.accept(subprotocol=WS_PROTOCOL if WS_PROTOCOL in offered else None)
        role = websocket.scope.get("state", {}).get("api_role")
        client = WsClient(websocket, channel, role, max_queue=self.max_queue, schedule=self._schedule)
        client.rate = MessageRate(*self.message_rate)
        self._greet(client)
        self.clients[channel].append(client)
        sender = asyncio.create_task(client.run_sender(), name=f"ws-{channel}-{client.id}-sender")
        sender.add_done_callback(_log_task_failure)
        client.sender_task = sender
        reader = asyncio.create_task(self._read(client), name=f"ws-{channel}-{client.id}-reader")
        reader.add_done_callback(_log_task_failure)
        try:
            await asyncio.wait({sender, reader}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            self.clients[channel].remove(client)
            for task in (sender, reader):
                task.cancel()
            await asyncio.gather(sender, reader, return_exceptions=True)
        if client.dropped_reason not in (None, GONE):
            await self._close(client)

    async def _close(self, client: WsClient) -> None:
        stopping = client.dropped_reason == STOPPING
        code = CLOSE_GOING_AWAY if stopping else client.close_code or CLOSE_TOO_SLOW
        if not stopping:
            self.dropped += 1
            log.warning(
                "websocket client %d on /ws/%s/ from %s closed (%d): %s",
                client.id,
                client.channel,
                _peer(client.websocket),
                code,
                client.dropped_reason,
            )
        try:
            async with asyncio.timeout(1.0):
                await client.websocket.close(code=code, reason=(client.dropped_reason or "")[:100])
        except (TimeoutError, RuntimeError, OSError, WebSocketDisconnect):
            pass  # the peer is gone or stalled; uvicorn aborts the transport

    def _now(self) -> tuple[int, datetime]:
        """The stamp of what the hub says on its own: the latest event's number, the engine's clock."""
        return self.engine.bus.last_seq, self.engine.clock.now()

    def _greet(self, client: WsClient) -> None:
        """Send the current state so a new client need not wait for the next change."""
        seq, ts = self._now()
        if client.channel == TRADING:
            client.offer(envelope("account_update", account_dict(self.engine.account()), seq, ts), ("account",))
            for symbol in self.engine.symbols:
                quote = self.engine.quote(symbol)
                if quote is not None:
                    client.offer(envelope("price_update", quote_dict(quote), seq, ts), ("price", symbol))
        else:
            for symbol in self.engine.symbols:
                quote = self.engine.quote(symbol)
                if quote is not None:
                    client.offer(plain(tick_dict(quote), seq), ("price", symbol))

    async def _read(self, client: WsClient) -> None:
        """Handle client messages until it disconnects; bad ones get an error reply."""
        websocket = client.websocket
        while client.dropped_reason is None:
            try:
                message = await websocket.receive()
            except (RuntimeError, WebSocketDisconnect, OSError):
                return  # the connection is already gone
            if message["type"] == "websocket.disconnect":
                return
            if not client.rate.allow(asyncio.get_running_loop().time()):
                client.drop(f"sent more than {client.rate.rate:g} messages per second", code=CLOSE_POLICY)
                return
            text = message.get("text")
            try:
                if text is None:
                    raise _BadMessage("send JSON text frames", None)
                self._handle(client, text)
            except _BadMessage as bad:
                self._reply_error(client, bad.code, str(bad), bad.field)

    def _handle(self, client: WsClient, text: str) -> None:
        try:
            request = orjson.loads(text)
        except orjson.JSONDecodeError:
            raise _BadMessage("the message is not valid JSON", None, "invalid_json") from None
        if not isinstance(request, dict):
            raise _BadMessage("the message must be a JSON object", None)
        action = request.get("action")
        if action == "ping":
            client.offer(self._reply(client, "pong", {}))
            return
        if action not in ("subscribe", "unsubscribe"):
            raise _BadMessage("action must be subscribe, unsubscribe or ping", "action")
        if client.channel != PRICES:
            raise _BadMessage("subscriptions are for /ws/prices/; /ws/trading/ carries every symbol", "action")
        symbols = request.get("symbols")
        if (
            not isinstance(symbols, list)
            or len(symbols) > MAX_SUBSCRIBED_SYMBOLS
            or not all(isinstance(s, str) and 0 < len(s) <= 20 for s in symbols)
        ):
            raise _BadMessage(f"symbols must be a list of at most {MAX_SUBSCRIBED_SYMBOLS} symbol names", "symbols")
        wanted = {s.upper() for s in symbols}
        if action == "subscribe":
            known = self.engine.symbols
            unknown = wanted.difference(known)
            if unknown:
                raise _BadMessage(unknown_symbols_message(unknown, known), "symbols", "unknown_symbol")
            total = wanted if client.symbols is None else client.symbols | wanted
            if len(total) > MAX_SUBSCRIBED_SYMBOLS:
                raise _BadMessage(
                    f"a connection subscribes at most {MAX_SUBSCRIBED_SYMBOLS} symbols", "symbols", "too_many_symbols"
                )
            client.symbols = total
        else:
            current = client.symbols if client.symbols is not None else set(self.engine.symbols)
            client.symbols = current - wanted
        client.offer(self._reply(client, "subscribed", {"symbols": sorted(client.symbols)}))
        if action == "subscribe":
            seq = self.engine.bus.last_seq
            for symbol in sorted(wanted):
                quote = self.engine.quote(symbol)
                if quote is not None:
                    client.offer(plain(tick_dict(quote), seq), ("price", symbol))

    def _reply(self, client: WsClient, kind: str, data: dict[str, Any]) -> Outgoing:
        seq, ts = self._now()
        if client.channel == TRADING:
            return envelope(kind, data, seq, ts)
        return plain({"type": kind, **data}, seq)

    def _reply_error(self, client: WsClient, code: str, message: str, field: str | None) -> None:
        client.offer(self._reply(client, "error", {"code": code, "message": message, "field": field}))


def _peer(websocket: WebSocket) -> str:
    """``host:port`` of the other end (never the URL: its query may carry the token)."""
    peer = websocket.client
    return f"{peer.host}:{peer.port}" if peer is not None else "an unknown peer"


class _BadMessage(Exception):
    def __init__(self, message: str, field: str | None, code: str = "invalid_message") -> None:
        super().__init__(message)
        self.field = field
        self.code = code
