"""Shared HTTP plumbing for the REST providers: one GET, errors mapped, secrets redacted.

The aggregator owns the single ``httpx.AsyncClient`` (with timeouts); each
provider receives it. Venue-specific error bodies (HTTP 200 errors included)
are classified by the provider itself after ``get_json`` returns.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timezone
from typing import Any

import httpx

from engine.errors import BadPayload, ProviderUnavailable, RateLimited
from engine.instruments import SPECS

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=5.0)
REDACTED = "***"

_KEY_PARAMS = re.compile(r"(?i)((?:apikey|api_key|token|key)=)[^&\s\"']+")


def base_url(env_name: str, default: str) -> str:
    """Return the base URL from ``env_name`` when set (proxies, tests), else ``default``."""
    value = os.environ.get(env_name, "").strip()
    return (value or default).rstrip("/")


class RedactingFilter(logging.Filter):
    """Rewrite log records so that no ``apikey=``/``token=`` query value is ever written.

    httpx logs every request URL at INFO (``HTTP Request: GET …?apikey=KEY``);
    Alpha Vantage only accepts its key in the query string.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


_FILTER = RedactingFilter()


def install_log_redaction() -> None:
    """Attach the redacting filter to the HTTP libraries' loggers (idempotent)."""
    for name in ("httpx", "httpcore"):
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)


def make_client(timeout: httpx.Timeout = DEFAULT_TIMEOUT) -> httpx.AsyncClient:
    """Create the shared client the aggregator owns (and closes on stop)."""
    install_log_redaction()
    return httpx.AsyncClient(timeout=timeout, headers={"User-Agent": "paper-terminal"}, follow_redirects=True)


def redact(text: str, secrets: Iterable[str | None] = ()) -> str:
    """Remove every secret and every ``apikey=``/``token=`` query value from ``text``."""
    out = _KEY_PARAMS.sub(lambda m: m.group(1) + REDACTED, text)
    for secret in secrets:
        if secret:
            out = out.replace(secret, REDACTED)
    return out


def retry_after(response: httpx.Response) -> float | None:
    """Return the ``Retry-After`` header in seconds, when present and numeric."""
    value = response.headers.get("Retry-After")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


async def get_json(
    client: httpx.AsyncClient,
    provider: str,
    url: str,
    params: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
    secrets: Iterable[str | None] = (),
) -> tuple[int, Any]:
    """GET ``url`` and return ``(status code, decoded JSON)``.

    Transport failures, timeouts and 5xx raise ``ProviderUnavailable``; 429
    raises ``RateLimited`` (with ``Retry-After`` when sent); a body that is not
    JSON raises ``BadPayload``. Other statuses are returned for the provider to
    classify. No message ever contains a secret.
    """
    secrets = tuple(secrets)
    try:
        response = await client.get(url, params=params, headers=headers)
    except httpx.TimeoutException as exc:
        raise ProviderUnavailable(f"{provider}: timed out ({type(exc).__name__})") from None
    except httpx.HTTPError as exc:
        raise ProviderUnavailable(f"{provider}: {type(exc).__name__}: {redact(str(exc), secrets)}") from None
    status = response.status_code
    if status == 429:
        raise RateLimited(f"{provider}: HTTP 429 {_snippet(response, secrets)}", retry_after=retry_after(response))
    if status >= 500:
        raise ProviderUnavailable(f"{provider}: HTTP {status} {_snippet(response, secrets)}")
    try:
        body = json.loads(response.content)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise BadPayload(f"{provider}: HTTP {status}, body is not JSON: {_snippet(response, secrets)}") from None
    return status, body


def _snippet(response: httpx.Response, secrets: Iterable[str | None]) -> str:
    text = response.text[:200].replace("\n", " ")
    return redact(text, secrets)


class KeyedHttpProvider:
    """What the keyed HTTP providers share: the shared client, the key, a clock, the base URL.

    Subclasses set ``BASE_URL_ENV`` (the ``PAPER_TERMINAL_<PROVIDER>_BASE_URL``
    override) and ``DEFAULT_BASE_URL``. ``paid_endpoints`` holds the endpoints
    the provider refused as paid-only (persisted by the aggregator and handed back).
    """

    BASE_URL_ENV: str
    DEFAULT_BASE_URL: str

    def __init__(
        self,
        client: httpx.AsyncClient,
        api_key: str,
        clock: Callable[[], datetime] | None = None,
        paid_endpoints: set[str] | None = None,
    ) -> None:
        self._client = client
        self._key = api_key
        self._clock = clock or (lambda: datetime.now(timezone.utc))
        self._base = base_url(self.BASE_URL_ENV, self.DEFAULT_BASE_URL)
        install_log_redaction()
        self.paid_endpoints: set[str] = paid_endpoints if paid_endpoints is not None else set()

    def supports(self, symbol: str) -> bool:
        """Whether the terminal knows ``symbol`` (every listed pair is an FX pair these providers quote)."""
        return symbol.upper() in SPECS
