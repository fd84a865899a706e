"""Settings of the MetaTrader bridges: three typed models, each one table of the config file.

``Mt5Config`` (table ``[mt5]``), ``ZmqConfig`` (``[zmq]``) and ``MirrorOptions``
(``[metatrader]``) are the one definition of every bridge setting: its type, its
bounds, its default and its help. The composition root's ``Settings``
(``terminal/settings.py``) holds them as ``settings.mt5``, ``settings.zmq`` and
``settings.metatrader``; each field also answers to its flat key (in the config
file and as ``PAPER_TERMINAL_<KEY>``), the name it has always had: ``mt5_login``,
``zmq_host``, ``mirror_magic``… (``flat_key``). A bad value is refused naming that key.

MetaTrader 5 package (``--mirror mt5`` / ``--feed mt5``): path, login, server,
timeout, portable mode; the password is never a setting: it comes from the OS
keyring (service ``paper-terminal``, user ``mt5:<login>``) or, where no
keyring exists, the environment variable ``PAPER_TERMINAL_MT5_PASSWORD``.
ZeroMQ expert advisor (``--mirror zmq`` / ``--feed zmq``): where it listens.
Both: ``MirrorOptions``.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic.fields import FieldInfo

DEFAULT_MAGIC = 20261124
KEYRING_SERVICE = "paper-terminal"
PASSWORD_ENV = "PAPER_TERMINAL_MT5_PASSWORD"


class ExternalClose(str, enum.Enum):
    """What to do when the user closes a mirrored position in MetaTrader."""

    FLAG = "flag"  # mark the paper trade (mirror_state ``closed_externally``) and keep it open
    FOLLOW = "follow"  # close the paper trade too


def _flat(flat: str) -> dict[str, Any]:
    """The ``json_schema_extra`` of a field whose flat key is ``flat`` (``flat_key``)."""
    return {"flat": flat}


def flat_key(field: FieldInfo, name: str) -> str:
    """The flat key of a bridge setting (``mt5_login`` for ``Mt5Config.login``)."""
    extra = field.json_schema_extra
    return str(extra["flat"]) if isinstance(extra, dict) and "flat" in extra else name


class _Settings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class MirrorOptions(_Settings):
    """Venue-independent mirror behaviour (config table ``[metatrader]``).

    ``deviation_points``: how far (in points, ``10 ** -digits``) a requoted
    price may move from the first price before the mirror gives up.
    ``retries``: how many requotes are retried.
    """

    magic: int = Field(
        DEFAULT_MAGIC,
        gt=0,
        lt=2**63,
        description="magic number of mirrored orders",
        json_schema_extra=_flat("mirror_magic"),
    )
    deviation_points: int = Field(
        20,
        ge=0,
        description="allowed slippage or requote movement, in points",
        json_schema_extra=_flat("mirror_deviation"),
    )
    retries: int = Field(3, ge=0, le=100, description="requotes retried", json_schema_extra=_flat("mirror_retries"))
    symbol_suffix: str = Field(
        "", description="added to every symbol, e.g. .m", json_schema_extra=_flat("mirror_symbol_suffix")
    )
    symbol_map: dict[str, str] = Field(
        default_factory=dict,
        description='broker names of symbols, e.g. {"EURUSD": "EURUSD.pro"} (JSON in the environment)',
        json_schema_extra=_flat("mirror_symbol_map"),
    )
    on_external_close: ExternalClose = Field(
        ExternalClose.FLAG,
        description="flag or follow a close made in MetaTrader",
        json_schema_extra=_flat("mirror_on_external_close"),
    )
    paused: bool = Field(False, description="do not mirror new trades", json_schema_extra=_flat("mirror_paused"))
    server_utc_offset_hours: float | None = Field(
        None,
        ge=-14,
        le=14,
        description="broker server time offset (detected when unset)",
        json_schema_extra=_flat("server_utc_offset_hours"),
    )
    prices: Literal["last", "first", "off"] = Field(
        "last",
        description="with --feed auto and a mirror: MetaTrader's prices in the rotation last, first or off",
        json_schema_extra=_flat("metatrader_prices"),
    )

    @field_validator("symbol_map", mode="before")
    @classmethod
    def _symbol_map(cls, value: Any) -> dict[str, str]:
        return _mapping(value)

    @field_validator("prices", mode="before")
    @classmethod
    def _prices(cls, value: Any) -> Any:
        return "last" if value is None else str(value).strip().lower()


class Mt5Config(_Settings):
    """How to reach the MetaTrader 5 terminal (config table ``[mt5]``). Holds no password."""

    path: str | None = Field(None, description="terminal64.exe", json_schema_extra=_flat("mt5_path"))
    login: int | None = Field(None, gt=0, description="account number", json_schema_extra=_flat("mt5_login"))
    server: str | None = Field(None, description="trade server name", json_schema_extra=_flat("mt5_server"))
    timeout_ms: int = Field(
        60_000, gt=0, description="connection timeout, milliseconds", json_schema_extra=_flat("mt5_timeout_ms")
    )
    portable: bool = Field(
        False, description="start the terminal in portable mode", json_schema_extra=_flat("mt5_portable")
    )
    poll_interval: float = Field(
        0.5, gt=0, le=60, description="seconds between MT5 price polls", json_schema_extra=_flat("bridge_poll_interval")
    )

    @field_validator("login", mode="before")
    @classmethod
    def _login(cls, value: Any) -> Any:
        return None if value == "" else value


class ZmqConfig(_Settings):
    """Where the DWX-protocol expert advisor listens (config table ``[zmq]``).

    ``push_port`` receives our commands, ``pull_port`` sends replies,
    ``sub_port`` publishes prices (the EA's point of view is the reverse).
    ``timeout``: seconds to wait for a reply; ``heartbeat``: seconds between
    liveness checks while idle.
    """

    host: str = Field("127.0.0.1", description="where the EA listens", json_schema_extra=_flat("zmq_host"))
    push_port: int = Field(
        32768, gt=0, lt=65536, description="PUSH port: commands", json_schema_extra=_flat("zmq_push_port")
    )
    pull_port: int = Field(
        32769, gt=0, lt=65536, description="PULL port: replies", json_schema_extra=_flat("zmq_pull_port")
    )
    sub_port: int = Field(
        32770, gt=0, lt=65536, description="SUB port: prices", json_schema_extra=_flat("zmq_sub_port")
    )
    timeout: float = Field(5.0, gt=0, description="seconds to wait for a reply", json_schema_extra=_flat("zmq_timeout"))
    heartbeat: float = Field(
        5.0, gt=0, description="seconds between heartbeats", json_schema_extra=_flat("zmq_heartbeat")
    )

    def endpoint(self, port: int) -> str:
        return f"tcp://{self.host}:{port}"


class BridgeSettings(Protocol):
    """What the bridge factory reads of the composition root's settings."""

    @property
    def feed(self) -> str: ...
    @property
    def mirror(self) -> str | None: ...
    @property
    def mt5(self) -> Mt5Config: ...
    @property
    def zmq(self) -> ZmqConfig: ...
    @property
    def metatrader(self) -> MirrorOptions: ...


def _mapping(value: Any) -> dict[str, str]:
    """A symbol map from a dict or a JSON object string (environment variables)."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise ValueError(f'must be a JSON object such as {{"EURUSD": "EURUSD.pro"}}, got {value!r}') from None
    if not isinstance(value, Mapping):
        raise ValueError(f"must map symbols to broker names, got {value!r}")
    return {str(k).upper(): str(v) for k, v in value.items()}
