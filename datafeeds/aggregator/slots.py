"""Run-time state of one provider inside the aggregator, and what each error does to it.

- ``RateLimited``, ``ProviderUnavailable``, ``BadPayload``, other errors: backoff
  (jittered, never shorter than ``Retry-After``) and one breaker failure;
- ``QuotaExhausted``: the day's budget is marked spent; rest until the next UTC midnight;
- ``ProviderAuthError``: the provider is disabled until restart (the key is wrong);
- ``PaidOnlyEndpoint``: the endpoint is remembered (persisted) and never called again;
- ``NotFound``, ``ValidationError``: about one symbol; logged, the provider stays healthy.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from datafeeds.aggregator.backoff import Backoff
from datafeeds.aggregator.breaker import BreakerState, CircuitBreaker
from datafeeds.aggregator.limiter import RateLimiter
from datafeeds.providers.base import QuoteProvider
from engine.errors import (
    NotFound,
    PaidOnlyEndpoint,
    PaperTerminalError,
    ProviderAuthError,
    QuotaExhausted,
    RateLimited,
    TemporaryError,
    ValidationError,
)

log = logging.getLogger(__name__)


@dataclass(slots=True)
class ProviderSlot:
    """One provider with its backoff, breaker and health record (times: clock seconds)."""

    provider: QuoteProvider
    priority: int
    backoff: Backoff
    breaker: CircuitBreaker
    enabled: bool = True
    disabled_reason: str | None = None
    last_error: str | None = None
    last_error_at: float | None = None
    last_success_at: float | None = None
    served: set[str] = field(default_factory=set)

    @property
    def name(self) -> str:
        return self.provider.name

    def quotes_usable(self) -> bool:
        """Whether quotes may be asked at all (enabled, quote endpoint not paid-only)."""
        caps = self.provider.capabilities
        return self.enabled and caps.quotes and caps.quote_endpoint not in self.provider.paid_endpoints

    def ready(self, now: float) -> bool:
        """Whether a call may go now: not resting after a failure, breaker not open.

        Does not claim the half-open probe (see ``CircuitBreaker.allow``).
        """
        return self.enabled and self.backoff.ready(now) and self.breaker.current(now) is not BreakerState.OPEN

    def healthy(self) -> bool:
        """Enabled, breaker closed, and no error since the last success."""
        if not self.enabled or self.breaker.state is not BreakerState.CLOSED:
            return False
        if self.last_error_at is None:
            return True
        return self.last_success_at is not None and self.last_success_at >= self.last_error_at

    def succeeded(self, now: float) -> None:
        self.backoff.succeeded()
        self.breaker.success()
        self.last_success_at = now

    def failed(self, exc: PaperTerminalError, now: float, limiter: RateLimiter, to_midnight: float) -> None:
        """Apply the table above for ``exc`` raised at ``now`` (``to_midnight``: seconds to 00:00 UTC)."""
        self.last_error = str(exc)
        self.last_error_at = now
        if isinstance(exc, (NotFound, ValidationError)):
            log.warning("%s: %s", self.name, exc)
            return
        if isinstance(exc, PaidOnlyEndpoint):
            log.warning("%s: paid-only endpoint, not called again: %s", self.name, exc)
            return
        if isinstance(exc, ProviderAuthError):
            self.enabled = False
            self.disabled_reason = f"key refused: {exc}"
            log.error("%s disabled: %s", self.name, exc)
            return
        if isinstance(exc, QuotaExhausted):
            limiter.exhaust_day(self.name)
            self.backoff.rest_until(now + to_midnight)
            log.warning("%s: daily quota spent, resting %.0f s: %s", self.name, to_midnight, exc)
            return
        retry_after = exc.retry_after if isinstance(exc, RateLimited) else None
        delay = self.backoff.failed(now, retry_after)
        self.breaker.failure(now)
        level = logging.WARNING if isinstance(exc, TemporaryError) else logging.ERROR
        log.log(
            level,
            "%s failed (%s), backing off %.1f s, breaker %s: %s",
            self.name,
            type(exc).__name__,
            delay,
            self.breaker.state.value,
            exc,
        )
