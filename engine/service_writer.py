"""``JournalWriter``: every write ``TradingEngine`` makes to its journal, and what a failure does.

Two kinds of change, two rules (engine/service_journal.py has the states):

- **Commands** (place, modify, close, mirror state, signals, account reset)
  are applied only if their records are written. The broker's part is undone
  through a savepoint when the write fails (``commit_command``); writes that
  change nothing in memory before they succeed go through ``write``. The
  caller gets ``JournalUnavailable`` (HTTP 503 ``journal_unavailable``) with a
  message free of SQL, parameters and paths. A failed command write is
  followed by a probe (the account written alone): when the journal itself
  is still writable, only that command was refused (its own record could not
  be stored) and the journal stays ``ok``; otherwise it becomes ``unavailable``.
- **Price-driven changes** (SL/TP, trailing, pending fills, expiries,
  stop-outs) have already happened in the market: they stay applied in memory.
  Their records are written at once when the journal is ``ok``; otherwise, or
  when that write fails, they wait in the backlog and are written by the retry
  task, oldest first, as soon as the journal takes writes again, and only then
  published (every state change is committed before it is broadcast).

Nothing on the price path retries a write: one task retries with backoff, so a
broken journal costs one attempt per backoff step, never one per quote.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from typing import Any, NoReturn, ParamSpec, TypeVar

from engine.dbthread import DbThread
from engine.errors import JournalUnavailable, PaperTerminalError
from engine.events import Event, JournalStateChanged
from engine.ports import Journal
from engine.service_journal import Backlog, JournalHealth, JournalState, JournalStatus, describe
from engine.service_support import trades_of
from engine.values import AccountSnapshot, TradeRecord

log = logging.getLogger(__name__)

T = TypeVar("T")
P = ParamSpec("P")


class JournalWriter:
    """Writes of one engine (see the module docstring).

    ``lock`` is the engine's state lock (the retry task takes it, so backlog
    writes are ordered with every other change); ``publish`` puts an event on
    the bus; ``account`` returns the account to store with each write.
    """

    def __init__(
        self,
        journal: Journal,
        db: DbThread,
        lock: asyncio.Lock,
        publish: Callable[[Event], None],
        account: Callable[[], AccountSnapshot],
        *,
        read_only: bool = False,
        retry_initial: float = 0.25,
        retry_max: float = 5.0,
    ) -> None:
        self.journal = journal
        self._db = db
        self._lock = lock
        self._publish = publish
        self._account = account
        self.health = JournalHealth(read_only=read_only, retry_initial=retry_initial, retry_max=retry_max)
        self.backlog = Backlog()
        self._retry: asyncio.Task[None] | None = None

    @property
    def ok(self) -> bool:
        """True when the journal takes writes."""
        return self.health.ok

    @property
    def read_only(self) -> bool:
        """True for a viewer (``--read-only``)."""
        return self.health.state is JournalState.READ_ONLY

    def status(self) -> JournalStatus:
        """The journal's state now."""
        return self.health.status(len(self.backlog))

    def require_writable(self) -> None:
        """Raise ``JournalReadOnly``/``JournalUnavailable`` unless a command may be applied now."""
        self.health.require_writable()

    # -- commands -----------------------------------------------------------

    async def commit_command(self, records: Sequence[TradeRecord], undo: Callable[[], None]) -> None:
        """Write a command's trade ``records`` and the account in one transaction (hold the lock).

        On failure ``undo()`` (the broker's roll-back) runs first, then
        ``JournalUnavailable`` is raised; nothing is published.
        """
        try:
            await self._db.run(self.journal.commit, list(records), self._account())
        except PaperTerminalError:
            undo()
            raise
        except Exception as exc:  # noqa: BLE001 - any driver or disk error: the command is not applied
            undo()
            await self._refuse(exc, "a command")

    async def write(self, what: str, func: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run a write that changes nothing in memory until it succeeds; raise ``JournalError`` instead."""
        self.require_writable()
        try:
            return await self._db.run(func, *args, **kwargs)
        except PaperTerminalError:
            raise
        except Exception as exc:  # noqa: BLE001 - any driver or disk error: refuse the command
            await self._refuse(exc, what)

    async def _probe(self) -> None:
        """Write the account (memory's truth: the failed change is undone) in a real commit.

        A write rolled back (``check_writable``) is not enough here: a file that
        turned read-only under open connections fails only when a commit reaches
        the disk.
        """
        await self._db.run(self.journal.commit, [], self._account())

    async def _refuse(self, exc: BaseException, what: str) -> NoReturn:
        try:
            await self._probe()
        except Exception:  # noqa: BLE001 - the journal itself cannot be written
            self.failed(what, exc)
            raise JournalUnavailable(
                f"the journal cannot be written ({describe(exc)}): this command was not "
                f"applied, and new commands are refused until it can be"
            ) from None
        self.health.log.failed(what, exc, "; the journal takes other writes: only this command was refused")
        raise JournalUnavailable(
            f"the journal could not record this command ({describe(exc)}); it was not applied"
        ) from None

    # -- price-driven changes -----------------------------------------------

    async def commit_prices(self, events: Sequence[Event]) -> bool:
        """Write price-driven ``events`` (hold the lock); True when written, so the caller publishes them.

        False when they joined the backlog instead (journal unavailable, or this write failed).
        """
        if not self.health.ok:
            self.backlog.add(events)
            return False
        try:
            await self._db.run(self.journal.commit, trades_of(events), self._account())
        except Exception as exc:  # noqa: BLE001 - keep the changes; the retry task writes them
            self.backlog.add(events)
            self.failed("price-driven changes", exc)
            return False
        return True

    def failed(self, what: str, exc: BaseException) -> None:
        """Record a failed write of ``what``; the first one makes the journal unavailable and starts retrying."""
        if self.health.failed(what, exc):
            self._publish(JournalStateChanged(self.status()))
            if self._retry is None or self._retry.done():
                self._retry = asyncio.create_task(self._retry_until_written(), name="trading-engine:journal-retry")
                self._retry.add_done_callback(_log_task_failure)

    async def _retry_until_written(self) -> None:
        while self.health.state is JournalState.UNAVAILABLE:
            await asyncio.sleep(self.health.next_delay())
            async with self._lock:
                await self.flush_backlog()

    async def flush_backlog(self) -> bool:
        """Try once to write the backlog and the account; on success publish the backlog in order (hold the lock)."""
        records = self.backlog.records()
        try:
            await self._db.run(self.journal.commit, records, self._account())
        except Exception as exc:  # noqa: BLE001 - still down: the next retry comes after the backoff
            self.health.failed("a retry", exc)
            return False
        events = self.backlog.events()
        self.backlog.clear()
        self.health.recovered(len(events))
        for event in events:
            self._publish(event)
        self._publish(JournalStateChanged(self.status()))
        return True

    # -- stop -----------------------------------------------------------------

    async def stop(self) -> None:
        """Stop retrying; try once more to write the backlog and log what could not be (hold the lock)."""
        if self._retry is not None:
            self._retry.cancel()
            await asyncio.gather(self._retry, return_exceptions=True)
            self._retry = None
        if len(self.backlog) and not await self.flush_backlog():
            lost = sorted({record.id for record in self.backlog.records()})
            log.error(
                "the journal could not be written before stopping: %d changes of trades %s are lost; "
                "the journal's state (before them) is what the next start resumes",
                len(self.backlog),
                ", ".join(f"#{i}" for i in lost),
            )

    async def close(self) -> None:
        """Close the journal (``SqlJournal.close`` checkpoints it) and stop the database thread."""
        close = getattr(self.journal, "close", None)
        try:
            if close is not None:
                await self._db.run(close)
        except Exception as exc:  # noqa: BLE001 - a failed checkpoint leaves the log beside the file: no loss
            log.warning("closing the journal failed (%s); its write-ahead log stays beside it", describe(exc))
        finally:
            self._db.shutdown()


def _log_task_failure(task: asyncio.Task[Any]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("task %s failed", task.get_name(), exc_info=task.exception())
