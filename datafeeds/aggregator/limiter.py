"""Per-provider request budgets: rolling per-minute/per-hour windows and a UTC-day count.

A request of cost ``c`` is allowed when, for every window (w seconds, limit L),
the cost spent in the last w seconds plus ``c`` is ≤ L, and the cost spent
today (UTC calendar day) plus ``c`` is ≤ the daily limit. Rolling windows are
stricter than the providers' fixed minute windows, so neither is exceeded.

The day's counts and the endpoints each provider refused as paid-only are
persisted to a small JSON file in the user data dir (``feeds-state.json``), so
a restart does not reset the day's budget. Reads and writes of that file run
in a worker thread.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import os
from collections import deque
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import platformdirs

from datafeeds.providers.base import ProviderLimits

log = logging.getLogger(__name__)

STATE_FILE = "feeds-state.json"


def default_state_path() -> Path:
    """Return ``feeds-state.json`` in the user data dir (``$PAPER_TERMINAL_HOME/data`` when set)."""
    home = os.environ.get("PAPER_TERMINAL_HOME")
    folder = Path(home) / "data" if home else Path(platformdirs.user_data_dir("paper-terminal", False))
    return folder / STATE_FILE


def seconds_to_midnight(now: datetime) -> float:
    """Seconds from ``now`` to the next UTC midnight (when daily quotas reset)."""
    now = now.astimezone(timezone.utc)
    midnight = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return (midnight - now).total_seconds()


class RateLimiter:
    """Budgets of every provider, by name; the clock is injected (UTC ``datetime``)."""

    def __init__(
        self, limits: Mapping[str, ProviderLimits], clock: Callable[[], datetime], path: Path | None = None
    ) -> None:
        self._limits = dict(limits)
        self._clock = clock
        self._path = path
        self._windows = {n: [_Window(w, lim) for w, lim in limit.windows()] for n, limit in self._limits.items()}
        self._spare = {n: [_Window(w, lim) for w, lim in limit.windows()] for n, limit in self._limits.items()}
        self._day = clock().astimezone(timezone.utc).date().isoformat()
        self._used: dict[str, int] = dict.fromkeys(self._limits, 0)
        self._paid: dict[str, set[str]] = {n: set() for n in self._limits}
        self._save_lock = asyncio.Lock()
        self._saved: dict[str, Any] | None = None

    # --- budget ---------------------------------------------------------------

    def limits(self, provider: str) -> ProviderLimits:
        return self._limits[provider]

    def allowed(self, provider: str, cost: int) -> bool:
        """Return whether spending ``cost`` now stays within every limit."""
        return self.wait_time(provider, cost) == 0.0

    def wait_time(self, provider: str, cost: int) -> float:
        """Seconds until ``cost`` may be spent (``0.0`` now; until midnight when the day is spent).

        Returns ``inf`` when ``cost`` exceeds a limit outright (it never fits).
        """
        now = self._clock()
        self._roll_day(now)
        limits = self._limits[provider]
        if limits.per_day is not None:
            if cost > limits.per_day:
                return float("inf")
            if self._used[provider] + cost > limits.per_day:
                return seconds_to_midnight(now)
        t = now.timestamp()
        wait = 0.0
        for window in self._windows[provider]:
            if cost > window.limit:
                return float("inf")
            wait = max(wait, window.wait(t, cost))
        return wait

    def spare_allowed(self, provider: str, cost: int, planned_per_poll: int, interval: float) -> bool:
        """Whether ``cost`` of *spare* use (beyond the plan) may be spent now.

        Spare use must leave the plan whole in every window: for each rolling
        window (w, L), spare cost in the window + ``cost`` + ``planned_per_poll``
        × ceil(w / interval) ≤ L; and for the day, used today + ``cost`` +
        ``planned_per_poll`` × the polls left before midnight ≤ the daily limit.
        """
        if not self.allowed(provider, cost):
            return False
        now = self._clock()
        t = now.timestamp()
        for window in self._spare[provider]:
            reserved = planned_per_poll * math.ceil(window.seconds / interval)
            if window.spent(t) + cost + reserved > window.limit:
                return False
        per_day = self._limits[provider].per_day
        if per_day is not None and planned_per_poll:
            polls_left = math.ceil(seconds_to_midnight(now) / interval)
            if self._used[provider] + cost + planned_per_poll * polls_left > per_day:
                return False
        return True

    def spend(self, provider: str, cost: int, spare: bool = False) -> None:
        """Record ``cost`` spent now (whether or not the request succeeded); ``spare``: off-plan."""
        if cost <= 0:
            return
        now = self._clock()
        self._roll_day(now)
        self._used[provider] += cost
        for window in self._windows[provider]:
            window.add(now.timestamp(), cost)
        if spare:
            for window in self._spare[provider]:
                window.add(now.timestamp(), cost)

    def exhaust_day(self, provider: str) -> None:
        """Mark the day's budget as spent (the provider said so, e.g. its daily-limit answer)."""
        self._roll_day(self._clock())
        per_day = self._limits[provider].per_day
        if per_day is not None:
            self._used[provider] = max(self._used[provider], per_day)

    def used_today(self, provider: str) -> int:
        self._roll_day(self._clock())
        return self._used[provider]

    def left_today(self, provider: str) -> int | None:
        """Cost left today, or ``None`` when the provider has no daily limit."""
        per_day = self._limits[provider].per_day
        return None if per_day is None else max(0, per_day - self.used_today(provider))

    def paid_endpoints(self, provider: str) -> set[str]:
        """The live set of endpoints ``provider`` refused as paid-only (shared with the provider)."""
        return self._paid[provider]

    def _roll_day(self, now: datetime) -> None:
        day = now.astimezone(timezone.utc).date().isoformat()
        if day != self._day:
            self._day = day
            self._used = dict.fromkeys(self._limits, 0)

    # --- persistence ----------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """Return the persisted state: the day, the costs used, the paid-only endpoints."""
        self._roll_day(self._clock())
        return {"day": self._day, "used": dict(self._used), "paid": {n: sorted(p) for n, p in self._paid.items() if p}}

    def restore(self, state: Mapping[str, Any]) -> None:
        """Load a snapshot: counts only when it is of today (UTC); paid endpoints always."""
        self._roll_day(self._clock())
        used = state.get("used")
        used = used if isinstance(used, dict) else {}
        if state.get("day") == self._day:
            for name, count in used.items():
                if name in self._used and isinstance(count, int) and count >= 0:
                    self._used[name] = max(self._used[name], count)
        paid = state.get("paid")
        paid = paid if isinstance(paid, dict) else {}
        for name, endpoints in paid.items():
            if name in self._paid and isinstance(endpoints, list):
                self._paid[name].update(str(e) for e in endpoints)

    async def load(self) -> None:
        """Read the state file (in a thread); a missing or corrupt file starts afresh."""
        if self._path is None:
            return
        state = await asyncio.to_thread(_read_json, self._path)
        if state:
            self.restore(state)

    async def save(self) -> None:
        """Write the state file atomically (in a thread)."""
        if self._path is None:
            return
        snapshot = self.snapshot()
        if snapshot == self._saved:
            return
        async with self._save_lock:
            await asyncio.to_thread(_write_json, self._path, snapshot)
        self._saved = snapshot


class _Window:
    """Cost spent within the last ``seconds`` seconds, kept as a deque with a running sum."""

    def __init__(self, seconds: float, limit: int) -> None:
        self.seconds = seconds
        self.limit = limit
        self._events: deque[tuple[float, int]] = deque()
        self._sum = 0

    def _prune(self, t: float) -> None:
        while self._events and self._events[0][0] <= t - self.seconds:
            self._sum -= self._events.popleft()[1]

    def spent(self, t: float) -> int:
        """Cost spent in the window ending at ``t``."""
        self._prune(t)
        return self._sum

    def add(self, t: float, cost: int) -> None:
        self._prune(t)
        self._events.append((t, cost))
        self._sum += cost

    def wait(self, t: float, cost: int) -> float:
        """Seconds until ``cost`` fits: until enough of the oldest spending leaves the window."""
        self._prune(t)
        excess = self._sum + cost - self.limit
        if excess <= 0:
            return 0.0
        for ts, c in self._events:
            excess -= c
            if excess <= 0:
                return ts + self.seconds - t
        return self.seconds


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        log.warning("feed state %s unreadable (%s); starting with a fresh day", path, exc)
        return {}
    return data if isinstance(data, dict) else {}


def _write_json(path: Path, data: dict[str, Any]) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        log.warning("could not save feed state to %s: %s", path, exc)
