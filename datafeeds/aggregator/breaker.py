"""A circuit breaker per provider: closed → open → half-open probe → closed.

*Closed*: calls flow; ``threshold`` consecutive failures open it. *Open*: no
calls for ``reset_after`` seconds. *Half-open*: exactly one probe call is let
through; its success closes the breaker, its failure opens it again for
another ``reset_after`` seconds.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class BreakerState(str, enum.Enum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


@dataclass(slots=True)
class CircuitBreaker:
    """Breaker of one provider; times are seconds on the injected clock."""

    threshold: int = 3
    reset_after: float = 60.0
    state: BreakerState = BreakerState.CLOSED
    failures: int = 0
    opened_at: float = 0.0
    probing: bool = False

    def current(self, now: float) -> BreakerState:
        """Return the state at ``now`` (an open breaker turns half-open after ``reset_after``)."""
        if self.state is BreakerState.OPEN and now - self.opened_at >= self.reset_after:
            self.state = BreakerState.HALF_OPEN
            self.probing = False
        return self.state

    def allow(self, now: float) -> bool:
        """Return whether a call may go now; in half-open, claim the single probe."""
        state = self.current(now)
        if state is BreakerState.CLOSED:
            return True
        if state is BreakerState.HALF_OPEN and not self.probing:
            self.probing = True
            return True
        return False

    def success(self) -> None:
        self.state = BreakerState.CLOSED
        self.failures = 0
        self.probing = False

    def failure(self, now: float) -> None:
        self.failures += 1
        if self.state is BreakerState.HALF_OPEN or self.failures >= self.threshold:
            self.state = BreakerState.OPEN
            self.opened_at = now
            self.probing = False
