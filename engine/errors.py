"""The engine's error hierarchy.

Errors are split by what the caller should do next: a ``TemporaryError`` may
succeed when retried later (a timeout, a rate limit, a dropped connection); a
``PermanentError`` will not (a bad key, an unknown symbol, a refused order).
Retry policies decide by type, never by message text.
"""

from __future__ import annotations


class PaperTerminalError(Exception):
    """Base of every error the project raises on purpose."""


class TemporaryError(PaperTerminalError):
    """A failure that may pass: retry later, with backoff."""


class PermanentError(PaperTerminalError):
    """A failure that retrying will not fix."""


class ValidationError(PermanentError):
    """Input that breaks a rule; ``field`` names the offending field."""

    def __init__(self, message: str, field: str | None = None, code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code


class OrderRejectedError(ValidationError):
    """The broker refused an order or a modification; the message says why.

    ``code`` is machine-readable (``unknown_symbol``, ``invalid_lots``,
    ``invalid_stops``, ``invalid_price``, ``no_money``, ``market_closed``,
    ``not_found``, ``invalid_state``, ``risk_too_small``).
    """


class NotFound(PermanentError):
    """The thing asked for does not exist (a trade id, a signal id)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = "not_found"


class ProviderUnavailable(TemporaryError):
    """A price provider could not answer now (network, 5xx, timeout)."""


class RateLimited(TemporaryError):
    """A provider refused because its per-minute limit was reached."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class QuotaExhausted(TemporaryError):
    """A provider's daily budget is spent; it is usable again tomorrow (UTC)."""


class ProviderAuthError(PermanentError):
    """A provider refused the API key."""


class PaidOnlyEndpoint(PermanentError):
    """A provider answered that an endpoint needs a paid plan."""


class BadPayload(PermanentError):
    """A provider or peer sent something that does not parse."""


class BridgeError(PaperTerminalError):
    """A MetaTrader bridge failure (connection, refusal, timeout)."""


class JournalError(PaperTerminalError):
    """The journal cannot record a command, so the command was not applied (HTTP 503).

    ``code`` is DESIGN's ``journal_unavailable`` or ``journal_read_only``. The
    message is meant for the user: it never carries SQL, parameters or paths.
    """

    code = "journal_unavailable"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
        self.field: str | None = None


class JournalUnavailable(JournalError, TemporaryError):
    """A journal write failed; new commands are refused until a retry succeeds."""


class JournalReadOnly(JournalError, PermanentError):
    """The journal is open for viewing only (``--read-only``): every write is refused."""

    code = "journal_read_only"


class JournalNotUsable(PermanentError):
    """The journal cannot be opened for trading (in use by another process, not writable).

    Raised at start-up; the command line prints the message as one line and exits 2.
    """
