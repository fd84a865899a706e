"""``SqlJournal``: the Journal port of docs/ARCHITECTURE.md over SQLAlchemy 2.

Synchronous by design: the engine calls it from one dedicated database
thread. Each public write is one transaction (a session per unit of work):
either everything it was given is stored, or nothing is.

``exclusive=True`` (the trading process) holds the journal's file lock until
``close()``: a second trading process on the same SQLite file is refused with
``JournalNotUsable``. ``read_only=True`` (``--read-only``) opens it for viewing:
no lock, no migration, SQLite's ``query_only``. ``close()`` checkpoints the
write-ahead log, so the database file alone holds everything after a clean stop.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from engine.errors import JournalNotUsable, NotFound
from engine.journal import convert, info
from engine.journal import models as m
from engine.journal.lock import JournalLock
from engine.journal.prices import PriceCacheStore
from engine.journal.schema import (
    HEAD_REVISION,
    checkpoint,
    create_db_engine,
    current_revision,
    ensure_schema,
    sqlite_file,
)
from engine.ports import JournalState
from engine.values import AccountSnapshot, Signal, SignalStatus, TradeRecord, TradeStatus, utc

log = logging.getLogger(__name__)

ACTIVE_STATUSES = (TradeStatus.OPEN.value, TradeStatus.PENDING.value)


def _now() -> datetime:
    return datetime.now(timezone.utc)


class SqlJournal(PriceCacheStore):
    """The trade journal on any SQLAlchemy URL (SQLite file by default).

    ``durable`` selects SQLite's ``synchronous=FULL`` (True, live trading) or
    ``NORMAL`` (False, replay); see ``engine.journal.schema``. ``exclusive`` and
    ``read_only``: see the module docstring.
    """

    LOCK_WAIT_SECONDS = 2.0  # a process migrating the journal at this moment holds the lock that long at most

    def __init__(
        self,
        url: str,
        *,
        durable: bool = True,
        engine: Engine | None = None,
        exclusive: bool = False,
        read_only: bool = False,
    ) -> None:
        self.url = url
        self.read_only = read_only
        path = sqlite_file(url)
        self._lock = JournalLock(path) if path is not None and not read_only else None
        if exclusive and self._lock is not None:
            self._take_lock(self._lock)
        try:
            self._engine = engine if engine is not None else create_db_engine(url, durable=durable, read_only=read_only)
            if read_only:
                self._check_schema_for_viewing()
            else:
                ensure_schema(self._engine, self._lock)
        except BaseException:
            if self._lock is not None:
                self._lock.release()
            raise
        self._sessions = sessionmaker(self._engine, expire_on_commit=False)
        self._account_id: int | None = None

    @staticmethod
    def _take_lock(lock: JournalLock) -> None:
        try:
            acquired = lock.acquire(wait=SqlJournal.LOCK_WAIT_SECONDS)
        except OSError as exc:
            raise JournalNotUsable(
                f"cannot create the journal's lock file {lock.path}: {exc.strerror or exc}"
            ) from None
        if not acquired:
            holder = lock.holder()
            who = f"another Paper Terminal (process {holder})" if holder is not None else "another Paper Terminal"
            raise JournalNotUsable(
                f"the journal {lock.database} is in use by {who}; close it first (or open this one with --read-only)"
            )

    def _check_schema_for_viewing(self) -> None:
        if current_revision(self._engine) != HEAD_REVISION:
            raise JournalNotUsable(
                "the journal's schema is not this version's, and a read-only journal "
                "cannot be migrated; open it once without --read-only"
            )

    @property
    def engine(self) -> Engine:
        """The SQLAlchemy engine (for tests and tools)."""
        return self._engine

    @property
    def locked(self) -> bool:
        """True while this journal holds its file lock (``exclusive``)."""
        return self._lock is not None and self._lock.held

    def check_writable(self) -> None:
        """Make a write inside a transaction and roll it back; raise the database's error if it fails.

        Detects a read-only file or folder, a read-only PostgreSQL role and a
        journal that another connection holds locked for longer than the busy timeout.
        """
        with self._engine.connect() as connection:
            transaction = connection.begin()
            try:
                connection.execute(text("UPDATE alembic_version SET version_num = version_num"))
            finally:
                transaction.rollback()

    def close(self) -> None:
        """Checkpoint SQLite's write-ahead log (unless read-only), release the connections and the lock.

        A checkpoint that fails (a file that turned read-only) is logged: the
        log stays beside the file and SQLite replays it at the next open.
        """
        try:
            if not self.read_only:
                checkpoint(self._engine)
        except Exception as exc:  # noqa: BLE001 - nothing is lost; see the docstring
            log.warning(
                "the journal's write-ahead log could not be checkpointed (%s: %s)",
                type(getattr(exc, "orig", exc)).__name__,
                getattr(exc, "orig", exc),
            )
        finally:
            self._engine.dispose()
            if self._lock is not None:
                self._lock.release()

    # -- account and trades -------------------------------------------------

    def _current_account(self, session: Session) -> m.Account | None:
        if self._account_id is not None:
            row = session.get(m.Account, self._account_id)
            if row is not None and row.archived_at is None:
                return row
        row = session.scalars(
            select(m.Account).where(m.Account.archived_at.is_(None)).order_by(m.Account.id.desc()).limit(1)
        ).first()
        self._account_id = row.id if row is not None else None
        return row

    def load(self) -> JournalState:
        """Return the current account, its active trades and the next free ids."""
        with self._sessions() as session:
            account = self._current_account(session)
            active: list[TradeRecord] = []
            if account is not None:
                rows = session.scalars(
                    select(m.PaperTrade)
                    .where(m.PaperTrade.account_id == account.id, m.PaperTrade.status.in_(ACTIVE_STATUSES))
                    .order_by(m.PaperTrade.id)
                ).all()
                active = [convert.row_to_trade(row) for row in rows]
            max_trade = session.scalar(select(func.max(m.PaperTrade.id))) or 0
            max_signal = session.scalar(select(func.max(m.Signal.id))) or 0
            return JournalState(
                account=convert.row_to_account(account) if account is not None else None,
                active=active,
                next_trade_id=max_trade + 1,
                next_signal_id=max_signal + 1,
                event_seq=info.event_seq(session.connection()),
            )

    def account(self) -> AccountSnapshot | None:
        """Return the current account as last committed, or None."""
        with self._sessions() as session:
            row = self._current_account(session)
            return convert.row_to_account(row) if row is not None else None

    def commit(
        self, trades: Sequence[TradeRecord], account: AccountSnapshot | None, signals: Sequence[Signal] = ()
    ) -> list[Signal]:
        """Store ``trades`` (upsert by id), the account and ``signals`` in ONE transaction.

        Creates the account row when the journal has none yet. Signals with
        ``id`` None get an id from the database; the stored signals are
        returned in the given order.
        """
        now = _now()
        with self._sessions.begin() as session:
            row = self._current_account(session)
            if row is None:
                if account is None and trades:
                    raise NotFound("the journal has no account to attach trades to", field="account")
                if account is not None:
                    row = m.Account(created_at=now, archived_at=None)
                    convert.apply_account(row, account, now)
                    session.add(row)
                    session.flush()
            elif account is not None:
                convert.apply_account(row, account, now)
            if trades and row is not None:
                self._upsert_trades(session, trades, row.id)
            stored = [session.merge(convert.signal_to_row(signal)) for signal in signals]
            session.flush()
            if row is not None:
                self._account_id = row.id
            return [convert.row_to_signal(signal_row) for signal_row in stored]

    @staticmethod
    def _upsert_trades(session: Session, trades: Iterable[TradeRecord], account_id: int) -> None:
        latest: dict[int, TradeRecord] = {}
        for trade in trades:
            latest[trade.id] = trade  # the last version of a trade in the batch wins
        for trade_id in sorted(latest):  # parents (smaller ids) before partial-close children
            existing = session.get(m.PaperTrade, trade_id)
            owner = existing.account_id if existing is not None else account_id
            session.merge(convert.trade_to_row(latest[trade_id], owner))
            session.flush()

    def reset_account(self, account: AccountSnapshot) -> None:
        """Archive the current account (its trades stay, linked to it) and start ``account``."""
        now = _now()
        with self._sessions.begin() as session:
            old = self._current_account(session)
            if old is not None:
                old.archived_at = now
            row = m.Account(created_at=now, archived_at=None)
            convert.apply_account(row, account, now)
            session.add(row)
            session.flush()
            self._account_id = row.id

    def last_event_time(self) -> datetime | None:
        """The latest time the journal has seen: of a trade, a signal, a stored quote or bar; None when empty.

        A restarted feed resumes no earlier than this (DESIGN's ``--speed``), so
        no trade is ever evaluated with a quote older than its open.
        """
        with self._sessions() as session:
            times = [
                session.scalar(select(func.max(m.PaperTrade.created_at))),
                session.scalar(select(func.max(m.PaperTrade.open_time))),
                session.scalar(select(func.max(m.PaperTrade.close_time))),
                session.scalar(select(func.max(m.Signal.created_at))),
                session.scalar(select(func.max(m.PriceCache.time))),
            ]
        known = [utc(t) for t in times if t is not None]
        return max(known) if known else None

    def archived_accounts(self) -> list[tuple[int, AccountSnapshot, datetime]]:
        """Return ``(account id, last snapshot, archived_at)`` of every archived account, oldest first."""
        with self._sessions() as session:
            rows = session.scalars(
                select(m.Account).where(m.Account.archived_at.is_not(None)).order_by(m.Account.id)
            ).all()
            return [
                (row.id, convert.row_to_account(row), row.archived_at) for row in rows if row.archived_at is not None
            ]

    def trades(
        self,
        status: TradeStatus | str | None = None,
        symbol: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> tuple[list[TradeRecord], int]:
        """Return a page of the current account's trades, newest first, and the total matching.

        ``since``/``until`` bound the trade's time (close time when closed,
        else open time, else creation time), inclusive.
        """
        with self._sessions() as session:
            account = self._current_account(session)
            if account is None:
                return [], 0
            trade_time = func.coalesce(m.PaperTrade.close_time, m.PaperTrade.open_time, m.PaperTrade.created_at)
            conditions: list[Any] = [m.PaperTrade.account_id == account.id]
            if status is not None:
                conditions.append(m.PaperTrade.status == TradeStatus(status).value)
            if symbol is not None:
                conditions.append(m.PaperTrade.symbol == symbol.upper())
            if since is not None:
                conditions.append(trade_time >= utc(since))
            if until is not None:
                conditions.append(trade_time <= utc(until))
            total = session.scalar(select(func.count()).select_from(m.PaperTrade).where(*conditions)) or 0
            rows = session.scalars(
                select(m.PaperTrade).where(*conditions).order_by(m.PaperTrade.id.desc()).limit(limit).offset(offset)
            ).all()
            return [convert.row_to_trade(row) for row in rows], int(total)

    def trade(self, trade_id: int) -> TradeRecord:
        """Return one trade by id (any account); raise ``NotFound``."""
        with self._sessions() as session:
            row = session.get(m.PaperTrade, trade_id)
            if row is None:
                raise NotFound(f"trade {trade_id} not found", field="id")
            return convert.row_to_trade(row)

    def closed_trades(self) -> list[TradeRecord]:
        """Return the current account's closed trade records, by close time then id."""
        with self._sessions() as session:
            account = self._current_account(session)
            if account is None:
                return []
            rows = session.scalars(
                select(m.PaperTrade)
                .where(m.PaperTrade.account_id == account.id, m.PaperTrade.status == TradeStatus.CLOSED.value)
                .order_by(m.PaperTrade.close_time, m.PaperTrade.id)
            ).all()
            return [convert.row_to_trade(row) for row in rows]

    def all_trades(self) -> list[TradeRecord]:
        """Return every trade of the current account, oldest id first (for export)."""
        with self._sessions() as session:
            account = self._current_account(session)
            if account is None:
                return []
            rows = session.scalars(
                select(m.PaperTrade).where(m.PaperTrade.account_id == account.id).order_by(m.PaperTrade.id)
            ).all()
            return [convert.row_to_trade(row) for row in rows]

    # -- signals and metrics ------------------------------------------------

    def signals(
        self,
        status: SignalStatus | str | None = None,
        symbol: str | None = None,
        source: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[Signal]:
        """Return stored signals, newest first, filtered by status, symbol and source."""
        conditions: list[Any] = []
        if status is not None:
            conditions.append(m.Signal.status == SignalStatus(status).value)
        if symbol is not None:
            conditions.append(m.Signal.symbol == symbol.upper())
        if source is not None:
            conditions.append(m.Signal.source == source)
        with self._sessions() as session:
            rows = session.scalars(
                select(m.Signal)
                .where(*conditions)
                .order_by(m.Signal.created_at.desc(), m.Signal.id.desc())
                .limit(limit)
                .offset(offset)
            ).all()
            return [convert.row_to_signal(row) for row in rows]

    def signal(self, signal_id: int) -> Signal:
        """Return one signal by id; raise ``NotFound``."""
        with self._sessions() as session:
            row = session.get(m.Signal, signal_id)
            if row is None:
                raise NotFound(f"signal {signal_id} not found", field="id")
            return convert.row_to_signal(row)

    def signal_sources(self, signal_ids: Iterable[int]) -> dict[int, str]:
        """Map each known signal id to its source (model name)."""
        ids = sorted(set(signal_ids))
        if not ids:
            return {}
        with self._sessions() as session:
            rows = session.execute(select(m.Signal.id, m.Signal.source).where(m.Signal.id.in_(ids))).all()
            return {int(row[0]): str(row[1]) for row in rows}

    def save_event_seq(self, seq: int) -> None:
        """Record ``seq`` as the highest event sequence number published (``JournalState.event_seq``)."""
        with self._sessions.begin() as session:
            info.record_event_seq(session.connection(), seq)

    def sim_past(self) -> str | None:
        """How the simulator invented the past before the first start (``info.SIM_PAST``), or None."""
        with self._sessions() as session:
            return info.fact(session.connection(), info.SIM_PAST)

    def save_sim_past(self, value: str) -> None:
        """Record how the simulator invented the past (once, at the journal's first start)."""
        with self._sessions.begin() as session:
            info.record(session.connection(), info.SIM_PAST, value)

    def save_metrics(self, snapshot: dict[str, Any], time: datetime | None = None) -> None:
        """Store a performance snapshot (JSON-serialisable dict) for the current account."""
        with self._sessions.begin() as session:
            account = self._current_account(session)
            session.add(
                m.PerformanceMetrics(
                    account_id=account.id if account is not None else None, time=time or _now(), data=snapshot
                )
            )

    def latest_metrics(self) -> dict[str, Any] | None:
        """Return the newest stored performance snapshot of the current account, or None."""
        with self._sessions() as session:
            account = self._current_account(session)
            query = select(m.PerformanceMetrics).order_by(m.PerformanceMetrics.id.desc()).limit(1)
            if account is not None:
                query = query.where(m.PerformanceMetrics.account_id == account.id)
            row = session.scalars(query).first()
            return dict(row.data) if row is not None else None

    def account_samples(self, limit: int = 5000) -> list[tuple[datetime, float, float]]:
        """(time, balance, equity) of the current account's stored snapshots, oldest first (newest ``limit``)."""
        with self._sessions() as session:
            account = self._current_account(session)
            query = (
                select(m.PerformanceMetrics.time, m.PerformanceMetrics.data)
                .order_by(m.PerformanceMetrics.id.desc())
                .limit(limit)
            )
            if account is not None:
                query = query.where(m.PerformanceMetrics.account_id == account.id)
            out = []
            for when, data in session.execute(query).all():
                figures = (data or {}).get("account") or {}
                if "balance" in figures and "equity" in figures:
                    out.append(
                        (
                            when if when.tzinfo else when.replace(tzinfo=timezone.utc),
                            float(figures["balance"]),
                            float(figures["equity"]),
                        )
                    )
            return out[::-1]
