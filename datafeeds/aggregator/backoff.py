"""Exponential backoff with full jitter, per provider, after 429s and 5xx answers.

After the n-th consecutive temporary failure the provider rests for a random
delay in ``[0, min(cap, base × 2^(n−1))]`` seconds ("full jitter"), but never
less than a ``Retry-After`` the provider sent. A success resets n to 0.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(slots=True)
class Backoff:
    """Backoff state of one provider; times are seconds on the injected clock."""

    base: float = 2.0
    cap: float = 300.0
    rng: Callable[[], float] = random.random
    failures: int = 0
    resume_at: float = 0.0

    def ready(self, now: float) -> bool:
        """Return whether the provider may be called at ``now``."""
        return now >= self.resume_at

    def delay_for(self, failures: int) -> float:
        """Return the jittered delay after ``failures`` consecutive failures (≥ 1)."""
        ceiling = min(self.cap, self.base * (2 ** max(0, failures - 1)))
        return ceiling * self.rng()

    def failed(self, now: float, retry_after: float | None = None) -> float:
        """Record a temporary failure at ``now``; return the delay chosen (seconds)."""
        self.failures += 1
        delay = self.delay_for(self.failures)
        if retry_after is not None:
            delay = max(delay, retry_after)
        self.resume_at = max(self.resume_at, now + delay)
        return delay

    def rest_until(self, when: float) -> None:
        """Do not call before ``when`` (e.g. the next UTC midnight after a daily-quota answer)."""
        self.resume_at = max(self.resume_at, when)

    def succeeded(self) -> None:
        """Reset after a success."""
        self.failures = 0
        self.resume_at = 0.0
