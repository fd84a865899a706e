"""The journal's health as ``TradingEngine`` sees it: writable, unavailable or read-only.

States (``JournalState``):

- ``ok``: writes succeed; commands are applied once their records are written.
- ``unavailable``: a write failed. New commands are refused with
  ``journal_unavailable`` (HTTP 503) without touching the broker. Prices keep
  flowing: SL/TP, pending fills, expiries and stop-outs are still evaluated and
  applied in memory, and their records wait in the ``Backlog``, in order. The
  engine retries with exponential backoff (``retry_initial`` seconds, doubling
  up to ``retry_max``); the first retry that writes the backlog and the account
  makes the journal ``ok`` again, and the waiting events are published then, in
  their original order.
- ``read_only`` (``--read-only``): a viewer. Every write is refused with
  ``journal_read_only``; prices value open trades but trigger nothing.

Failures are logged by ``FailureLog``: one line per distinct failure per
minute, with a count of the repeats it held back; ``describe`` names a failure
without SQL, parameters or paths, so the text can go to users.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from enum import Enum

from engine.errors import JournalReadOnly, JournalUnavailable
from engine.events import Event, TradeModified
from engine.service_support import trades_of
from engine.values import TradeRecord

log = logging.getLogger("engine.journal_health")

LOG_INTERVAL = 60.0
_MAX_DETAIL = 160
# a file path in a message: /…, ~/…, C:\… or \\server\… after a start, a space, a quote, "(" "=" or ":"
_PATH = re.compile(r"""(?:^|(?<=[\s'"(=:]))(?:~?/|[A-Za-z]:[\\/]|\\\\)[^\s'"]*""")


class JournalState(str, Enum):
    """Whether the engine can write its journal (see the module docstring)."""

    OK = "ok"
    UNAVAILABLE = "unavailable"
    READ_ONLY = "read_only"


@dataclass(frozen=True, slots=True)
class JournalStatus:
    """The journal's state for ``GET feeds/`` and the window's status bar.

    ``since``: when it became unavailable or was opened read-only (UTC).
    ``last_error``: the last failure's kind and cause (``describe``).
    ``pending_changes``: price-driven changes applied in memory and waiting to be written.
    ``failures``: failed writes since ``since``. ``retry_in``: seconds to the next retry.
    """

    state: JournalState
    since: datetime | None = None
    last_error: str | None = None
    pending_changes: int = 0
    failures: int = 0
    retry_in: float | None = None

    @property
    def message(self) -> str:
        """One sentence for a user."""
        if self.state is JournalState.OK:
            return "journal ok"
        if self.state is JournalState.READ_ONLY:
            return "journal read-only: viewing only, orders are refused"
        waiting = (
            f"; {self.pending_changes} change{'s' if self.pending_changes > 1 else ''} waiting"
            if self.pending_changes
            else ""
        )
        return f"journal unavailable ({self.last_error or 'write failed'}): new orders are refused{waiting}"


def describe(exc: BaseException) -> str:
    """A journal failure's kind and cause, e.g. ``OperationalError: disk I/O error``.

    Uses the driver's own exception when SQLAlchemy wraps one, the
    ``strerror`` of an ``OSError``, and the first line only: never SQL,
    parameters or file paths.
    """
    cause = getattr(exc, "orig", None) or exc
    if isinstance(cause, OSError) and cause.strerror:
        text = cause.strerror
    else:
        text = _PATH.sub("…", str(cause).split("\n", 1)[0].split(" [SQL:", 1)[0])
    text = text.strip()[:_MAX_DETAIL]
    return f"{type(cause).__name__}: {text}" if text else type(cause).__name__


class FailureLog:
    """Log each distinct failure at most once per ``interval`` seconds (see the module docstring).

    A line reads ``<prefix>: <what>: <describe(exc)><detail>`` at ``level``.
    """

    def __init__(
        self,
        logger: logging.Logger = log,
        interval: float = LOG_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
        prefix: str = "journal write failed",
        level: int = logging.ERROR,
    ) -> None:
        self._log = logger
        self._prefix = prefix
        self._level = level
        self._interval = interval
        self._clock = clock
        self._last: dict[str, float] = {}
        self._held: dict[str, int] = {}

    def failed(self, what: str, exc: BaseException, detail: str = "") -> bool:
        """Note one failure of ``what``; return True when it was logged (not held back)."""
        key = f"{what}|{describe(exc)}"
        now = self._clock()
        last = self._last.get(key)
        if last is not None and now - last < self._interval:
            self._held[key] = self._held.get(key, 0) + 1
            return False
        held = self._held.pop(key, 0)
        self._last[key] = now
        repeats = f" ({held} more like it in the last {self._interval:.0f} s)" if held else ""
        self._log.log(self._level, "%s: %s: %s%s%s", self._prefix, what, describe(exc), detail, repeats)
        self._log.debug("%s: %s", self._prefix, what, exc_info=exc)
        return True


class Backlog:
    """Price-driven changes applied in memory but not yet written, in event order.

    Successive ``TradeModified`` events of one trade (a trailing stop moving on
    every tick) keep only the latest: the journal stores the last record of a
    trade anyway.
    """

    def __init__(self) -> None:
        self._events: list[Event | None] = []
        self._modified: dict[int, int] = {}  # trade id -> index of its latest TradeModified

    def __len__(self) -> int:
        return len(self._events) - sum(1 for e in self._events if e is None)

    def add(self, events: Iterable[Event]) -> None:
        """Append ``events`` (not yet written) in order."""
        for event in events:
            if isinstance(event, TradeModified):
                earlier = self._modified.get(event.trade.id)
                if earlier is not None:
                    self._events[earlier] = None
                self._modified[event.trade.id] = len(self._events)
            else:
                for record in trades_of((event,)):
                    self._modified.pop(record.id, None)
            self._events.append(event)

    def events(self) -> list[Event]:
        """The waiting events, oldest first."""
        return [e for e in self._events if e is not None]

    def records(self) -> list[TradeRecord]:
        """The trade records the waiting events carry, in order (the journal keeps the last per id)."""
        return trades_of(self.events())

    def clear(self) -> None:
        self._events.clear()
        self._modified.clear()


class JournalHealth:
    """The state machine of the module docstring, with its backoff and its ``FailureLog``."""

    def __init__(
        self,
        *,
        read_only: bool = False,
        retry_initial: float = 0.25,
        retry_max: float = 5.0,
        failure_log: FailureLog | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._retry_initial = retry_initial
        self._retry_max = retry_max
        self._clock = clock
        self.log = failure_log or FailureLog()
        self.state = JournalState.READ_ONLY if read_only else JournalState.OK
        self.since: datetime | None = datetime.now(timezone.utc) if read_only else None
        self.last_error: str | None = None
        self.failures = 0
        self._delay = retry_initial
        self._next_retry: float | None = None

    @property
    def ok(self) -> bool:
        """True when the journal can be written."""
        return self.state is JournalState.OK

    def status(self, pending: int = 0) -> JournalStatus:
        """The state now, with ``pending`` changes waiting."""
        retry_in = None
        if self.state is JournalState.UNAVAILABLE and self._next_retry is not None:
            retry_in = max(0.0, self._next_retry - self._clock())
        return JournalStatus(self.state, self.since, self.last_error, pending, self.failures, retry_in)

    def require_writable(self) -> None:
        """Raise ``JournalReadOnly`` or ``JournalUnavailable`` unless the journal can be written."""
        if self.state is JournalState.READ_ONLY:
            raise JournalReadOnly("the journal is open read-only (--read-only): nothing can be changed")
        if self.state is JournalState.UNAVAILABLE:
            raise JournalUnavailable(
                f"the journal cannot be written ({self.last_error}); no new command is "
                f"applied until it can — retrying in the background"
            )

    def failed(self, what: str, exc: BaseException) -> bool:
        """Record a failed write; return True when this made the journal unavailable."""
        self.failures += 1
        self.last_error = describe(exc)
        became = self.state is JournalState.OK
        if became:
            self.state = JournalState.UNAVAILABLE
            self.since = datetime.now(timezone.utc)
            self._delay = self._retry_initial
        self.log.failed(what, exc, "; new commands are refused, retrying with backoff" if became else "")
        return became

    def next_delay(self) -> float:
        """Seconds until the next retry (doubling from ``retry_initial`` up to ``retry_max``)."""
        delay = self._delay
        self._delay = min(self._retry_max, self._delay * 2)
        self._next_retry = self._clock() + delay
        return delay

    def recovered(self, written: int) -> None:
        """A retry wrote the journal: back to ``ok`` (logged once)."""
        if self.state is not JournalState.UNAVAILABLE:
            return
        down = (datetime.now(timezone.utc) - self.since).total_seconds() if self.since else 0.0
        log.warning(
            "journal writable again after %.1f s and %d failed writes; %d waiting change(s) written",
            down,
            self.failures,
            written,
        )
        self.state = JournalState.OK
        self.since, self.last_error, self.failures, self._next_retry = None, None, 0, None
