"""Venue closes that did not happen: the paper trade is closed, the MetaTrader position is not.

Each one is kept with the venue's reason and retried with a growing delay
(``retry_delay``: 5 s doubling to 5 min) until the close is confirmed (a
close price in the answer, or the ticket gone from the venue), for as long
as the terminal runs; after a restart reconciliation finds the position
again through the trade's ``close_failed`` state and the retries resume.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from engine.values import TradeRecord

FIRST_RETRY = 5.0
MAX_RETRY = 300.0
STATE = "close_failed"


def retry_delay(attempts: int, first: float = FIRST_RETRY, cap: float = MAX_RETRY) -> float:
    """Seconds before the next attempt after ``attempts`` failed ones: ``first`` doubling, at most ``cap``."""
    return min(first * 2 ** max(0, attempts - 1), cap)


@dataclass
class Unsettled:
    """One close to redo: ``lots`` None closes the whole ``ticket``; a partial names its ``remaining_id``."""

    trade: TradeRecord
    ticket: str
    lots: Decimal | None = None
    remaining_id: int | None = None
    code: str | None = None
    message: str | None = None
    attempts: int = 0
    due: float = 0.0
    queued: bool = False

    def failed(self, code: str | None, message: str | None, first_retry: float = FIRST_RETRY) -> None:
        self.code, self.message = code, message
        self.attempts += 1
        self.due = time.monotonic() + retry_delay(self.attempts, first_retry)
        self.queued = False

    def is_due(self, now: float | None = None) -> bool:
        return not self.queued and (time.monotonic() if now is None else now) >= self.due

    def detail(self) -> dict[str, Any]:
        """The reason as ``MirrorStateChanged.detail`` and ``GET feeds/`` show it."""
        return {
            "code": self.code,
            "message": self.message,
            "attempts": self.attempts,
            "retry_in_s": max(0, round(self.due - time.monotonic())),
            "lots": None if self.lots is None else str(self.lots),
        }

    def as_status(self) -> dict[str, Any]:
        return {"trade_id": self.trade.id, "ticket": self.ticket, **self.detail()}
