"""Provider API keys: from the environment first, then the OS keyring.

Environment variables: ``TWELVEDATA_API_KEY``, ``FINNHUB_API_KEY``,
``ALPHAVANTAGE_API_KEY``. The settings dialog stores keys in the OS keyring
(service ``paper-terminal``, user = provider name). A headless Linux machine
has no keyring backend: keys then come from the environment only, and this
module says so in the log (once). Keyring calls may block (D-Bus): call these
functions from a worker thread, never on the event loop.

A key is held in ``ApiKey``, whose ``repr``/``str`` never show it.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field

import keyring
from keyring.errors import KeyringError

log = logging.getLogger(__name__)

SERVICE = "paper-terminal"
ENV_NAMES: dict[str, str] = {
    "twelvedata": "TWELVEDATA_API_KEY",
    "finnhub": "FINNHUB_API_KEY",
    "alphavantage": "ALPHAVANTAGE_API_KEY",
}


@dataclass(frozen=True, slots=True)
class ApiKey:
    """A secret key and where it came from (``env`` or ``keyring``); never printed."""

    value: str = field(repr=False)
    origin: str

    def __str__(self) -> str:
        return f"<{self.origin} key, redacted>"


class KeyStoreUnavailable(RuntimeError):
    """No OS keyring backend: the key cannot be stored (use the environment variable)."""


def keyring_available() -> bool:
    """Return whether a real keyring backend is installed (not the ``fail`` backend)."""
    backend = keyring.get_keyring()
    return "fail" not in type(backend).__module__ and (getattr(backend, "priority", 1) or 0) > 0


def load_key(provider: str, env: Mapping[str, str] | None = None) -> ApiKey | None:
    """Return the key of ``provider`` from the environment, else the keyring, else ``None``."""
    env = os.environ if env is None else env
    if provider not in ENV_NAMES:
        raise ValueError(f"unknown provider {provider!r}; expected one of {sorted(ENV_NAMES)}")
    value = (env.get(ENV_NAMES[provider]) or "").strip()
    if value:
        return ApiKey(value, "env")
    if not keyring_available():
        _note_no_keyring()
        return None
    try:
        stored = keyring.get_password(SERVICE, provider)
    except KeyringError as exc:
        log.warning("keyring unreadable (%s); using environment variables only", type(exc).__name__)
        return None
    return ApiKey(stored.strip(), "keyring") if stored and stored.strip() else None


def load_keys(env: Mapping[str, str] | None = None) -> dict[str, ApiKey]:
    """Return every provider key that is configured, by provider name."""
    keys = {name: load_key(name, env) for name in ENV_NAMES}
    return {name: key for name, key in keys.items() if key is not None}


def store_key(provider: str, value: str) -> None:
    """Save a key in the OS keyring; raise ``KeyStoreUnavailable`` when there is none."""
    if provider not in ENV_NAMES:
        raise ValueError(f"unknown provider {provider!r}; expected one of {sorted(ENV_NAMES)}")
    if not keyring_available():
        raise KeyStoreUnavailable(
            f"no OS keyring on this machine: set {ENV_NAMES[provider]} in the environment instead"
        )
    try:
        if value.strip():
            keyring.set_password(SERVICE, provider, value.strip())
        else:
            keyring.delete_password(SERVICE, provider)
    except KeyringError as exc:
        raise KeyStoreUnavailable(f"keyring refused to store the {provider} key ({type(exc).__name__})") from None


_warned = False


def _note_no_keyring() -> None:
    global _warned  # noqa: PLW0603  (a once-per-process flag)
    if not _warned:
        _warned = True
        log.info(
            "no OS keyring backend: provider keys are read from environment variables (%s) only",
            ", ".join(ENV_NAMES.values()),
        )
