"""Settings of the MetaTrader bridges, read from the terminal's settings object.

The composition root passes its settings (``terminal/settings.py``); the
bridges read the keys below by attribute or mapping access, so a pydantic
model, a dataclass or a plain dict all work. Every key is optional.

MetaTrader 5 package (``--mirror mt5`` / ``--feed mt5``): ``mt5_path``
(terminal64.exe), ``mt5_login``, ``mt5_server``, ``mt5_timeout_ms``,
``mt5_portable``; the password is never a setting: it comes from the OS
keyring (service ``paper-terminal``, user ``mt5:<login>``) or, where no
keyring exists, the environment variable ``PAPER_TERMINAL_MT5_PASSWORD``.

ZeroMQ expert advisor (``--mirror zmq`` / ``--feed zmq``): ``zmq_host``,
``zmq_push_port`` (32768), ``zmq_pull_port`` (32769), ``zmq_sub_port``
(32770), ``zmq_timeout`` (seconds per command), ``zmq_heartbeat``
(seconds between heartbeats).

Both: ``mirror_magic`` (magic number, default 20261124), ``mirror_deviation``
(points of slippage accepted, default 20), ``mirror_symbol_suffix`` (e.g.
``.m``), ``mirror_symbol_map`` (``{"EURUSD": "EURUSD.pro"}``),
``mirror_on_external_close`` (``flag`` or ``follow``), ``mirror_paused``,
``server_utc_offset_hours`` (broker server time offset; detected when unset),
``bridge_poll_interval`` (seconds between price polls of the MT5 feed).
"""

from __future__ import annotations

import enum
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

DEFAULT_MAGIC = 20261124
KEYRING_SERVICE = "paper-terminal"
PASSWORD_ENV = "PAPER_TERMINAL_MT5_PASSWORD"


class ExternalClose(str, enum.Enum):
    """What to do when the user closes a mirrored position in MetaTrader."""

    FLAG = "flag"  # mark the paper trade (mirror_state ``closed_externally``) and keep it open
    FOLLOW = "follow"  # close the paper trade too


def setting(settings: Any, name: str, default: Any = None) -> Any:
    """Return ``settings.name`` (or ``settings[name]``, or env ``PAPER_TERMINAL_<NAME>``), else ``default``."""
    value = settings.get(name) if isinstance(settings, Mapping) else getattr(settings, name, None)
    if value is None:  # a key the settings model does not (yet) carry: PAPER_TERMINAL_<NAME>
        value = os.environ.get(f"PAPER_TERMINAL_{name.upper()}") or None
    return default if value is None else value


@dataclass(frozen=True, slots=True)
class MirrorOptions:
    """Venue-independent mirror behaviour.

    ``deviation_points``: how far (in points, ``10 ** -digits``) a requoted
    price may move from the first price before the mirror gives up.
    ``retries``: how many requotes are retried.
    """

    magic: int = DEFAULT_MAGIC
    deviation_points: int = 20
    retries: int = 3
    symbol_suffix: str = ""
    symbol_map: Mapping[str, str] = field(default_factory=dict)
    on_external_close: ExternalClose = ExternalClose.FLAG
    paused: bool = False
    server_utc_offset_hours: float | None = None

    def __post_init__(self) -> None:
        if not 0 < self.magic < 2**63:
            raise ValueError(f"mirror_magic must be a positive integer, got {self.magic}")
        if self.deviation_points < 0:
            raise ValueError(f"mirror_deviation must be >= 0 points, got {self.deviation_points}")

    @classmethod
    def from_settings(cls, settings: Any) -> MirrorOptions:
        offset = setting(settings, "server_utc_offset_hours")
        return cls(
            magic=int(setting(settings, "mirror_magic", DEFAULT_MAGIC)),
            deviation_points=int(setting(settings, "mirror_deviation", 20)),
            symbol_suffix=str(setting(settings, "mirror_symbol_suffix", "")),
            symbol_map=_mapping(setting(settings, "mirror_symbol_map", {})),
            on_external_close=ExternalClose(setting(settings, "mirror_on_external_close", "flag")),
            paused=bool(setting(settings, "mirror_paused", False)),
            server_utc_offset_hours=None if offset is None else float(offset),
        )


@dataclass(frozen=True, slots=True)
class Mt5Config:
    """How to reach the MetaTrader 5 terminal. Holds no password."""

    path: str | None = None
    login: int | None = None
    server: str | None = None
    timeout_ms: int = 60_000
    portable: bool = False
    poll_interval: float = 0.5

    @classmethod
    def from_settings(cls, settings: Any) -> Mt5Config:
        login = setting(settings, "mt5_login")
        return cls(
            path=setting(settings, "mt5_path"),
            login=None if login in (None, "") else int(login),
            server=setting(settings, "mt5_server"),
            timeout_ms=int(setting(settings, "mt5_timeout_ms", 60_000)),
            portable=bool(setting(settings, "mt5_portable", False)),
            poll_interval=float(setting(settings, "bridge_poll_interval", 0.5)),
        )


@dataclass(frozen=True, slots=True)
class ZmqConfig:
    """Where the DWX-protocol expert advisor listens.

    ``push_port`` receives our commands, ``pull_port`` sends replies,
    ``sub_port`` publishes prices (the EA's point of view is the reverse).
    ``timeout``: seconds to wait for a reply; ``heartbeat``: seconds between
    liveness checks while idle.
    """

    host: str = "127.0.0.1"
    push_port: int = 32768
    pull_port: int = 32769
    sub_port: int = 32770
    timeout: float = 5.0
    heartbeat: float = 5.0

    def __post_init__(self) -> None:
        for name in ("push_port", "pull_port", "sub_port"):
            port = getattr(self, name)
            if not 0 < port < 65536:
                raise ValueError(f"zmq_{name} must be 1..65535, got {port}")
        if self.timeout <= 0:
            raise ValueError(f"zmq_timeout must be > 0 seconds, got {self.timeout}")

    @classmethod
    def from_settings(cls, settings: Any) -> ZmqConfig:
        return cls(
            host=str(setting(settings, "zmq_host", "127.0.0.1")),
            push_port=int(setting(settings, "zmq_push_port", 32768)),
            pull_port=int(setting(settings, "zmq_pull_port", 32769)),
            sub_port=int(setting(settings, "zmq_sub_port", 32770)),
            timeout=float(setting(settings, "zmq_timeout", 5.0)),
            heartbeat=float(setting(settings, "zmq_heartbeat", 5.0)),
        )

    def endpoint(self, port: int) -> str:
        return f"tcp://{self.host}:{port}"


def _mapping(value: Any) -> dict[str, str]:
    """A symbol map from a dict or a JSON object string (environment variables)."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise ValueError(f"mirror_symbol_map must be a JSON object, got {value!r}") from None
    if not isinstance(value, Mapping):
        raise ValueError(f"mirror_symbol_map must map symbols to broker names, got {value!r}")
    return {str(k).upper(): str(v) for k, v in value.items()}
