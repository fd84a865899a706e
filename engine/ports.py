"""Protocols the engine defines and the outer layers implement.

``datafeeds/`` and ``bridges/`` implement ``PriceFeed``; ``bridges/``
implements ``TradeMirror`` and ``PausableMirror``; ``engine/journal``
implements ``Journal``.
The engine knows only these Protocols; the composition root in
``terminal/`` plugs the implementations in.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Protocol, runtime_checkable

from engine.values import Bar, FeedStatus, Quote, Side, Timeframe, TradeRecord


@runtime_checkable
class PriceFeed(Protocol):
    """A source of live quotes and historical bars.

    ``stream()`` yields quotes until ``stop()`` is called; a polled feed yields
    one quote per symbol per poll. ``history()`` returns closed bars, oldest
    first, at most ``count``.
    """

    name: str

    async def start(self, symbols: Sequence[str]) -> None: ...

    async def stop(self) -> None: ...

    def stream(self) -> AsyncIterator[Quote]: ...

    async def history(self, symbol: str, timeframe: Timeframe, count: int) -> list[Bar]: ...

    def status(self) -> list[FeedStatus]: ...


@dataclass(frozen=True, slots=True)
class MirrorResult:
    """Outcome of one mirror command.

    ``ok`` false means the mirror refused or failed; ``code`` is the venue's
    code (an MT5 retcode, a DWX ``_response``), ``message`` a readable reason.
    """

    ok: bool
    ticket: str | None = None
    price: float | None = None
    code: str | None = None
    message: str | None = None


@dataclass(frozen=True, slots=True)
class MirrorPosition:
    """A position as the mirror venue reports it."""

    ticket: str
    symbol: str
    side: Side
    lots: Decimal
    open_price: float
    sl: float | None
    tp: float | None
    magic: int
    paper_trade_id: int | None
    open_time: datetime | None = None
    extra: dict[str, object] = field(default_factory=dict)


@runtime_checkable
class TradeMirror(Protocol):
    """Mirrors paper trades to a MetaTrader account.

    Every method is async and never blocks the loop. ``reconcile()`` must be
    called on connect and reconnect, before anything is sent, and returns the
    venue's positions carrying this terminal's magic number.
    """

    name: str

    async def connect(self) -> None: ...

    async def disconnect(self) -> None: ...

    async def reconcile(self) -> list[MirrorPosition]: ...

    async def open(self, trade: TradeRecord) -> MirrorResult: ...

    async def modify(self, trade: TradeRecord, ticket: str) -> MirrorResult: ...

    async def close(self, trade: TradeRecord, ticket: str, lots: Decimal | None = None) -> MirrorResult: ...

    async def positions(self) -> list[MirrorPosition]: ...

    def status(self) -> FeedStatus: ...


class PausableMirror(Protocol):
    """A running mirror as the engine lends it out (``TradingEngine.mirror``): pause and resume it.

    ``bridges.sync.MirrorService`` implements it. Paused, new paper trades are
    not sent to the venue; trades already mirrored still follow.
    """

    paused: bool

    def pause(self) -> None: ...

    def resume(self) -> None: ...
