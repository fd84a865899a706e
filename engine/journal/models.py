"""SQLAlchemy 2 models of the journal (persistence only; domain values live in
``engine.values`` and are converted in ``engine.journal.convert``).

Tables:
- ``accounts``: one row per paper account; a reset archives the current row
  (``archived_at`` set) and inserts a new one — nothing is ever deleted;
- ``paper_trades``: every trade and pending order, keyed by the broker's id,
  upserted on every change; a partial close's record points at its parent;
- ``signals``: trading signals and their status;
- ``price_cache``: closed bars per symbol, timeframe and source, and the last
  quote per symbol and source (``timeframe`` = ``"quote"``);
- ``performance_metrics``: periodic snapshots of the account and figures;
- ``journal_info``: facts about the journal itself, e.g. ``schema_written_by``
  (the paper-terminal version that last migrated it), so that an older version
  can say which version wrote a schema it does not know.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from engine.journal.types import Cents, DecimalText, UtcDateTime

QUOTE_TIMEFRAME = "quote"


class Base(DeclarativeBase):
    """Declarative base of the journal's tables."""


class Account(Base):
    """A paper account; ``archived_at`` is set when a reset replaced it."""

    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    currency: Mapped[str] = mapped_column(String(8))
    leverage: Mapped[int] = mapped_column(Integer)
    initial_balance: Mapped[Decimal] = mapped_column(Cents)
    balance: Mapped[Decimal] = mapped_column(Cents)
    equity: Mapped[Decimal] = mapped_column(Cents)
    margin: Mapped[Decimal] = mapped_column(Cents)
    free_margin: Mapped[Decimal] = mapped_column(Cents)
    margin_level: Mapped[float | None] = mapped_column(Float, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    archived_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True, index=True)


class PaperTrade(Base):
    """A trade or pending order (DESIGN's trade) belonging to one account."""

    __tablename__ = "paper_trades"
    __table_args__ = (
        Index("ix_paper_trades_account_status", "account_id", "status"),
        Index("ix_paper_trades_symbol", "symbol"),
        Index("ix_paper_trades_close_time", "close_time"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    symbol: Mapped[str] = mapped_column(String(16))
    side: Mapped[str] = mapped_column(String(4))
    order_type: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(10))
    lots: Mapped[Decimal] = mapped_column(DecimalText)
    requested_price: Mapped[float | None] = mapped_column(Float, nullable=True)
    entry_price: Mapped[float | None] = mapped_column(Float, nullable=True)
    sl: Mapped[float | None] = mapped_column(Float, nullable=True)
    tp: Mapped[float | None] = mapped_column(Float, nullable=True)
    trailing_pips: Mapped[float | None] = mapped_column(Float, nullable=True)
    open_time: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    close_time: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    close_price: Mapped[float | None] = mapped_column(Float, nullable=True)
    close_reason: Mapped[str | None] = mapped_column(String(10), nullable=True)
    pips: Mapped[float] = mapped_column(Float, default=0.0)
    pnl: Mapped[Decimal] = mapped_column(Cents)
    commission: Mapped[Decimal] = mapped_column(Cents)
    swap: Mapped[Decimal] = mapped_column(Cents)
    mfe_pips: Mapped[float] = mapped_column(Float, default=0.0)
    mae_pips: Mapped[float] = mapped_column(Float, default=0.0)
    signal_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("paper_trades.id"), nullable=True)
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    mirror_ticket: Mapped[str | None] = mapped_column(String(64), nullable=True)
    mirror_state: Mapped[str | None] = mapped_column(String(32), nullable=True)


class Signal(Base):
    """A trading signal (DESIGN's signal); ``pattern`` is JSON."""

    __tablename__ = "signals"
    __table_args__ = (Index("ix_signals_status_symbol", "status", "symbol"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    symbol: Mapped[str] = mapped_column(String(16))
    side: Mapped[str] = mapped_column(String(4))
    entry: Mapped[float] = mapped_column(Float)
    sl: Mapped[float] = mapped_column(Float)
    tp: Mapped[float] = mapped_column(Float)
    confidence: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(64))
    timeframe: Mapped[str | None] = mapped_column(String(4), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    status: Mapped[str] = mapped_column(String(10))
    pattern: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    trade_id: Mapped[int | None] = mapped_column(Integer, nullable=True)


class PriceCache(Base):
    """A closed bar (``timeframe`` M1..D1) or the last quote (``timeframe`` "quote").

    Bars carry open/high/low/close/volume (bid prices); quotes carry bid/ask
    and ``close`` = bid so that a quote row also reads as a price.
    """

    __tablename__ = "price_cache"
    __table_args__ = (
        UniqueConstraint("symbol", "timeframe", "source", "time", name="uq_price_cache_key"),
        Index("ix_price_cache_lookup", "symbol", "timeframe", "time"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    symbol: Mapped[str] = mapped_column(String(16))
    timeframe: Mapped[str] = mapped_column(String(8))
    source: Mapped[str] = mapped_column(String(32))
    time: Mapped[datetime] = mapped_column(UtcDateTime)
    open: Mapped[float | None] = mapped_column(Float, nullable=True)
    high: Mapped[float | None] = mapped_column(Float, nullable=True)
    low: Mapped[float | None] = mapped_column(Float, nullable=True)
    close: Mapped[float | None] = mapped_column(Float, nullable=True)
    volume: Mapped[float | None] = mapped_column(Float, nullable=True)
    bid: Mapped[float | None] = mapped_column(Float, nullable=True)
    ask: Mapped[float | None] = mapped_column(Float, nullable=True)


class PerformanceMetrics(Base):
    """A snapshot of the account and its performance figures at ``time``."""

    __tablename__ = "performance_metrics"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), nullable=True, index=True)
    time: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)


class JournalInfo(Base):
    """A fact about the journal itself (``engine.journal.preflight`` reads and writes them)."""

    __tablename__ = "journal_info"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))
