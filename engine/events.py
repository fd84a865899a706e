"""Typed engine events, named in the past tense.

Every event is an immutable fact published on the ``EventBus`` *after* the
state change it reports has been committed to the journal. The bus delivers
each one stamped with the engine's sequence number ``seq`` and time ``ts``
(``engine.bus``), so consumers can order and de-duplicate them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from engine.values import AccountSnapshot, Bar, FeedStatus, Quote, Signal, TradeRecord


@dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    """Base of all events: ``seq`` and ``ts`` are stamped by the bus that publishes it.

    ``seq``: the engine's event sequence number, increasing by one per event
    published and never reused by a later run (``engine.bus``); 0 on an event
    not yet published. ``ts``: the engine's market clock (``engine.clock``,
    UTC) when it was published; None before. Neither takes part in equality:
    two events saying the same thing are equal whenever they were published.
    """

    seq: int = field(default=0, compare=False)
    ts: datetime | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class PriceUpdated(Event):
    quote: Quote


@dataclass(frozen=True, slots=True)
class BarClosed(Event):
    bar: Bar


@dataclass(frozen=True, slots=True)
class OrderPlaced(Event):
    """A pending (limit/stop) order was accepted."""

    trade: TradeRecord


@dataclass(frozen=True, slots=True)
class OrderCancelled(Event):
    """A pending order was cancelled or expired (see ``trade.close_reason``)."""

    trade: TradeRecord


@dataclass(frozen=True, slots=True)
class OrderRejected(Event):
    """An order or modification was refused; ``code``/``message`` say why."""

    symbol: str | None
    code: str
    message: str
    field: str | None = None
    signal_id: int | None = None


@dataclass(frozen=True, slots=True)
class TradeOpened(Event):
    """A market order filled or a pending order triggered."""

    trade: TradeRecord


@dataclass(frozen=True, slots=True)
class TradeModified(Event):
    trade: TradeRecord


@dataclass(frozen=True, slots=True)
class TradeClosed(Event):
    """A trade closed, wholly or in part.

    For a partial close ``trade`` is the new closed record (``close_reason``
    ``partial``) and ``remaining`` the still-open original with fewer lots.
    """

    trade: TradeRecord
    remaining: TradeRecord | None = None


@dataclass(frozen=True, slots=True)
class AccountUpdated(Event):
    account: AccountSnapshot


@dataclass(frozen=True, slots=True)
class AccountReset(Event):
    account: AccountSnapshot


@dataclass(frozen=True, slots=True)
class SignalReceived(Event):
    signal: Signal


@dataclass(frozen=True, slots=True)
class SignalUpdated(Event):
    """A signal's status changed (executed, expired, rejected, dismissed)."""

    signal: Signal


@dataclass(frozen=True, slots=True)
class FeedStatusChanged(Event):
    statuses: tuple[FeedStatus, ...]


@dataclass(frozen=True, slots=True)
class JournalStateChanged(Event):
    """The journal became unavailable, or writable again (``engine.service_journal.JournalStatus``).

    Published at once, without a commit: it reports that commits fail.
    """

    status: Any


@dataclass(frozen=True, slots=True)
class StopOutTriggered(Event):
    """Margin level fell below the stop-out level; ``closed`` are the trades closed."""

    margin_level: float
    closed: tuple[TradeRecord, ...]


@dataclass(frozen=True, slots=True)
class MirrorStateChanged(Event):
    """A bridge changed a trade's mirror state (ticket, refusal...)."""

    trade_id: int
    ticket: str | None
    state: str
    detail: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class HistoryBackfillProgressed(Event):
    """Start-up history backfill: ``done`` of ``total`` (symbol, timeframe) series fetched.

    ``bars`` is how many bars the series brought; ``error`` says why it brought
    none (the backfill goes on: live prices matter more than history).
    """

    done: int
    total: int
    symbol: str
    timeframe: str
    bars: int
    error: str | None = None
