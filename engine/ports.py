"""Protocols the engine defines and the outer layers implement.

``datafeeds/`` and ``bridges/`` implement ``PriceFeed``; ``bridges/``
implements ``TradeMirror`` and ``PausableMirror``; ``engine/journal``
implements ``Journal``.
The engine knows only these Protocols; the composition root in
``terminal/`` plugs the implementations in.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol, runtime_checkable

from engine.values import (
    AccountSnapshot,
    Bar,
    FeedStatus,
    Quote,
    Side,
    Signal,
    SignalStatus,
    Timeframe,
    TradeRecord,
    TradeStatus,
)


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


@dataclass(frozen=True, slots=True)
class JournalState:
    """What the engine needs after a restart (``Journal.load``).

    ``account`` is the current (not archived) account or None on a new
    journal; ``active`` its open trades and pending orders; the next ids are
    one past the largest stored (trade ids are unique across all accounts).
    ``event_seq``: the highest event sequence number recorded (0: none).
    """

    account: AccountSnapshot | None
    active: list[TradeRecord]
    next_trade_id: int
    next_signal_id: int
    event_seq: int = 0


class Journal(Protocol):
    """The trade journal: every call the engine and its parts make (``engine.journal.SqlJournal``).

    Synchronous: the engine runs every call on its one database thread
    (``engine.dbthread``), never on the loop. Each write is one transaction:
    everything it was given is stored, or nothing is (the driver's error is raised).
    Trades and signals are upserted by id; "current account" means the one not
    archived by ``reset_account``. Times are UTC-aware.
    """

    read_only: bool  # opened for viewing (--read-only): every write raises

    # -- lifecycle
    def check_writable(self) -> None:
        """Make a write in a transaction that is rolled back; raise the driver's error when it fails."""
        ...

    def close(self) -> None:
        """Release connections (and the lock); after it the store alone holds everything."""
        ...

    # -- the account and its trades
    def load(self) -> JournalState:
        """The current account, its active trades and the next free ids."""
        ...

    def account(self) -> AccountSnapshot | None:
        """The current account as last committed, or None on a new journal."""
        ...

    def commit(
        self, trades: Sequence[TradeRecord], account: AccountSnapshot | None, signals: Sequence[Signal] = ()
    ) -> list[Signal]:
        """Store ``trades``, the account and ``signals`` in one transaction; return the signals as stored."""
        ...

    def reset_account(self, account: AccountSnapshot) -> None:
        """Archive the current account (its trades stay, linked to it) and start ``account``."""
        ...

    def last_event_time(self) -> datetime | None:
        """The latest trade, signal or price time stored: a resumed feed starts no earlier."""
        ...

    def trades(
        self,
        status: TradeStatus | str | None = None,
        symbol: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> tuple[list[TradeRecord], int]:
        """A page of the current account's trades, newest first, and the total matching."""
        ...

    def trade(self, trade_id: int) -> TradeRecord:
        """One trade of any account by id; raise ``NotFound``."""
        ...

    def closed_trades(self) -> list[TradeRecord]:
        """The current account's closed trades, by close time then id."""
        ...

    def all_trades(self) -> list[TradeRecord]:
        """Every trade of the current account, oldest id first."""
        ...

    def account_samples(self, limit: int = 5000) -> list[tuple[datetime, float, float]]:
        """(time, balance, equity) of the current account's metrics snapshots, oldest first (the newest ``limit``)."""
        ...

    # -- signals
    def signals(
        self,
        status: SignalStatus | str | None = None,
        symbol: str | None = None,
        source: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[Signal]:
        """Stored signals, newest first, filtered by status, symbol and source."""
        ...

    def signal(self, signal_id: int) -> Signal:
        """One signal by id; raise ``NotFound``."""
        ...

    def signal_sources(self, signal_ids: Iterable[int]) -> dict[int, str]:
        """The source (model name) of each of ``signal_ids`` that is stored."""
        ...

    # -- prices and metrics
    def save_bars(self, bars: Iterable[Bar], source: str) -> int:
        """Store closed bars (upsert on symbol, timeframe, source and time); return how many."""
        ...

    def load_bars(self, symbol: str, timeframe: Timeframe, limit: int = 500) -> list[Bar]:
        """The latest ``limit`` stored bars, oldest first (one per time, any source)."""
        ...

    def save_quotes(self, quotes: Iterable[Quote]) -> None:
        """Keep each quote as the last of its symbol and source."""
        ...

    def last_quotes(self) -> list[Quote]:
        """The newest stored quote per symbol (marked stale), sorted by symbol."""
        ...

    def save_metrics(self, snapshot: dict[str, Any], time: datetime | None = None) -> None:
        """Store a metrics snapshot (JSON types) taken at ``time``."""
        ...

    def save_event_seq(self, seq: int) -> None:
        """Record ``seq`` as the highest event sequence number published (``JournalState.event_seq``)."""
        ...


class PausableMirror(Protocol):
    """A running mirror as the engine lends it out (``TradingEngine.mirror``): pause and resume it.

    ``bridges.sync.MirrorService`` implements it. Paused, new paper trades are
    not sent to the venue; trades already mirrored still follow.
    """

    paused: bool

    def pause(self) -> None: ...

    def resume(self) -> None: ...
