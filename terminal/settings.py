"""Settings of ``paper-terminal`` and ``serve``: flags, environment, TOML file, defaults.

Precedence, highest first: a command-line flag, the environment variable
``PAPER_TERMINAL_<NAME>`` (e.g. ``PAPER_TERMINAL_DB_URL``), the TOML config
file (keys named like the fields: ``feed = "sim"``, ``symbols = ["EURUSD"]``),
the default. The config file is ``--config``, else ``PAPER_TERMINAL_CONFIG``,
else ``config.toml`` in the user config dir.

``Settings`` is the one definition of every setting: its type, bounds, default
and help. Beside DESIGN's shared flags it holds typed sub-models, one per table
of the config file — ``risk`` (``RiskSettings``), ``signals``
(``engine.signals.settings.SignalSettings``, with ``[signals.auto]``), ``mt5``,
``zmq`` and ``metatrader`` (``bridges.config``). A field of ``risk``, ``mt5``,
``zmq`` or ``metatrader`` also answers to its flat key, as it always has
(``max_open_trades = 5``, ``mt5_login = 5012345``, ``PAPER_TERMINAL_ZMQ_HOST``;
``terminal.settings_keys``). The command-line flags are generated from the
fields (``terminal.settings_flags``), so a flag's help and default are the
field's. An unknown key or a bad value is refused naming the key.

User dirs come from platformdirs (app ``paper-terminal``); the environment
variable ``PAPER_TERMINAL_HOME`` replaces both with ``$PAPER_TERMINAL_HOME/data``
and ``$PAPER_TERMINAL_HOME/config`` (portable installs, tests).
"""

from __future__ import annotations

import argparse
import os
import tomllib
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal

import platformdirs
from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator
from pydantic import ValidationError as PydanticValidationError
from pydantic_settings import (
    BaseSettings,
    InitSettingsSource,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from bridges.config import MirrorOptions, Mt5Config, ZmqConfig
from engine.bounds import MAX_BALANCE, MAX_COMMISSION, MAX_LEVERAGE, MAX_SLIPPAGE_PIPS, time_problem
from engine.errors import ValidationError
from engine.instruments import SPECS
from engine.signals.settings import SignalSettings
from terminal.settings_flags import add_shared_flags, flag
from terminal.settings_keys import FlatEnv, Nested, flat_keys, key_of

__all__ = ["RiskSettings", "Settings", "add_shared_flags"]

APP_NAME = "paper-terminal"
ENV_PREFIX = "PAPER_TERMINAL_"
FEEDS = ("auto", "sim", "replay", "yahoo", "twelvedata", "finnhub", "alphavantage", "mt5", "zmq")
DEFAULT_SYMBOLS = ("EURUSD", "GBPUSD", "USDJPY")


def user_data_dir() -> Path:
    """Folder of the journal and caches (``$PAPER_TERMINAL_HOME/data`` when set)."""
    home = os.environ.get(f"{ENV_PREFIX}HOME")
    return Path(home) / "data" if home else Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def user_config_dir() -> Path:
    """Folder of config.toml and the API tokens (``$PAPER_TERMINAL_HOME/config`` when set)."""
    home = os.environ.get(f"{ENV_PREFIX}HOME")
    return Path(home) / "config" if home else Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def default_db_path() -> Path:
    return user_data_dir() / "paper.db"


def default_config_path() -> Path:
    return user_config_dir() / "config.toml"


def _text_list(value: Any, name: str) -> list[str]:
    """A comma-separated string or a list of strings (the TOML file's ``symbols = ["EURUSD"]``)."""
    if isinstance(value, str):
        return value.split(",")
    if isinstance(value, (list, tuple)) and all(isinstance(item, str) for item in value):
        return list(value)
    raise ValueError(
        f'{name} must be a list of names such as ["EURUSD", "USDJPY"] or a comma-separated string, not {value!r}'[:200]
    )


class RiskSettings(BaseModel):
    """How much a trade may risk: the one-click default and the engine's limit of open trades."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    risk_percent: float = Field(
        1.0, gt=0, le=100, description="default risk per trade in % of balance", json_schema_extra=flag("X")
    )
    max_open_trades: int | None = Field(
        None,
        ge=0,
        description="refuse a new order while N trades are open or pending, whatever sends it "
        "(window, REST, signal execution, auto-execution); 0: no limit",
        json_schema_extra=flag("N", "no limit"),
    )

    @field_validator("max_open_trades")
    @classmethod
    def _no_limit(cls, value: int | None) -> int | None:
        return value or None


class Settings(BaseSettings):
    """Every setting of the engine process (module docstring)."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, extra="forbid", validate_default=True, case_sensitive=False
    )

    db: Path = Field(
        default_factory=default_db_path,
        description="SQLite journal file",
        json_schema_extra=flag("PATH", "paper.db in the user data dir"),
    )
    db_url: str | None = Field(
        None,
        description="any SQLAlchemy URL, e.g. postgresql+psycopg://…; overrides --db",
        json_schema_extra=flag("URL"),
    )
    feed: str = Field("auto", description="price feed: " + ", ".join(FEEDS), json_schema_extra=flag("NAME"))
    feed_priority: Annotated[list[str], NoDecode] | None = Field(
        None, description="provider order for --feed auto, comma-separated", json_schema_extra=flag("LIST")
    )
    replay: Path | None = Field(
        None, description="CSV/Parquet of bars or ticks to replay (with --feed replay)", json_schema_extra=flag("PATH")
    )
    speed: float | Literal["max"] = Field(
        1.0, description="replay/sim speed multiplier, or 'max'", json_schema_extra=flag("X")
    )
    sim_start: datetime | None = Field(
        None,
        description="ISO time where the simulated clock starts when speed != 1",
        json_schema_extra=flag("TIME", "30 days ago"),
    )
    seed: int | None = Field(None, description="makes the simulator deterministic", json_schema_extra=flag("N"))
    symbols: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: list(DEFAULT_SYMBOLS),
        description="comma-separated symbols",
        json_schema_extra=flag("LIST"),
    )
    interval: float = Field(
        5.0, gt=0, le=3600, description="poll interval of polled feeds in seconds", json_schema_extra=flag("S")
    )
    host: str = Field("127.0.0.1", description="server host", json_schema_extra=flag("H"))
    port: int = Field(8765, ge=0, le=65535, description="server port; 0 picks a free one", json_schema_extra=flag("P"))
    allow_origin: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="browser origins accepted besides the server's own, "
        "comma-separated, e.g. https://terminal.example (reverse proxy)",
        json_schema_extra=flag("LIST"),
    )
    token: SecretStr | None = Field(
        None, description="trading token", json_schema_extra=flag("T", "generated once, kept in the config dir")
    )
    viewer_token: SecretStr | None = Field(
        None, description="read-only token", json_schema_extra=flag("T", "generated likewise")
    )
    balance: Decimal = Field(
        Decimal("10000"),
        gt=0,
        le=MAX_BALANCE,
        description="initial balance of a new account",
        json_schema_extra=flag("X"),
    )
    currency: str = Field("USD", description="currency of a new account", json_schema_extra=flag("C"))
    leverage: int = Field(
        100, ge=1, le=MAX_LEVERAGE, description="leverage of a new account", json_schema_extra=flag("N")
    )
    mirror: Literal["mt5", "zmq"] | None = Field(
        None, description="mirror paper trades to MetaTrader", json_schema_extra=flag("mt5|zmq", "off")
    )
    read_only: bool = Field(
        False,
        description="open the journal for viewing only: every write is refused (journal_read_only)",
        json_schema_extra=flag(""),
    )
    config: Path = Field(
        default_factory=default_config_path,
        description="TOML config file",
        json_schema_extra=flag("PATH", "config.toml in the user config dir"),
    )
    risk: RiskSettings = Field(default_factory=RiskSettings, description="risk_percent, max_open_trades")
    stop_out_level: float = Field(
        50.0, ge=0, le=1000, description="margin level in % that closes trades", json_schema_extra=flag("X")
    )
    commission: Decimal = Field(
        Decimal("0"),
        ge=0,
        le=MAX_COMMISSION,
        description="commission per lot per side, account currency",
        json_schema_extra=flag("X"),
    )
    slippage: float = Field(
        0.0, ge=0, le=MAX_SLIPPAGE_PIPS, description="maximal random slippage in pips", json_schema_extra=flag("PIPS")
    )
    log_level: str = Field("INFO", description="DEBUG, INFO, WARNING or ERROR", json_schema_extra=flag("LEVEL"))
    signals: SignalSettings = Field(default_factory=SignalSettings, description="[signals]: max drift, [signals.auto]")
    mt5: Mt5Config = Field(default_factory=Mt5Config, description="[mt5]: the MetaTrader 5 terminal")
    zmq: ZmqConfig = Field(default_factory=ZmqConfig, description="[zmq]: the DWX expert advisor")
    metatrader: MirrorOptions = Field(default_factory=MirrorOptions, description="[metatrader]: the mirror")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        config_path: Any = None
        if isinstance(init_settings, InitSettingsSource):
            config_path = init_settings.init_kwargs.get("config")
        config_path = config_path or os.environ.get(f"{ENV_PREFIX}CONFIG") or default_config_path()
        toml = TomlConfigSettingsSource(settings_cls, toml_file=Path(config_path).expanduser())
        return Nested(init_settings), env_settings, FlatEnv(settings_cls), Nested(toml)

    @field_validator("feed")
    @classmethod
    def _check_feed(cls, value: str) -> str:
        value = value.strip().lower()
        if value not in FEEDS:
            raise ValueError(f"unknown feed {value!r}; choose one of {', '.join(FEEDS)}")
        return value

    @field_validator("feed_priority", mode="before")
    @classmethod
    def _check_feed_priority(cls, value: Any) -> list[str] | None:
        if value is None:
            return None
        items = _text_list(value, "feed_priority")
        names = [item.strip().lower() for item in items if item.strip()]
        unknown = [name for name in names if name not in FEEDS or name == "auto"]
        if unknown:
            raise ValueError(f"unknown provider(s) {', '.join(unknown)}")
        return names or None

    @field_validator("speed", mode="before")
    @classmethod
    def _check_speed(cls, value: Any) -> Any:
        if isinstance(value, str) and value.strip().lower() == "max":
            return "max"
        try:
            speed = float(value)
        except (TypeError, ValueError):
            raise ValueError(f"speed must be a positive number or 'max', not {value!r}") from None
        if not speed > 0 or speed == float("inf"):
            raise ValueError(f"speed must be a positive number or 'max', not {value!r}")
        return speed

    @field_validator("sim_start")
    @classmethod
    def _check_sim_start(cls, value: datetime | None) -> datetime | None:
        """A naive time is UTC; any time must lie in ``engine.bounds``' supported range."""
        if value is None:
            return None
        problem = time_problem(value)
        if problem is not None:
            raise ValueError(f"{value.isoformat()} {problem}")
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)

    @field_validator("symbols", mode="before")
    @classmethod
    def _check_symbols(cls, value: Any) -> list[str]:
        items = _text_list(value, "symbols")
        symbols = [item.strip().upper() for item in items if item.strip()]
        if not symbols:
            raise ValueError("give at least one symbol")
        unknown = [s for s in symbols if s not in SPECS]
        if unknown:
            raise ValueError(f"unknown symbol(s) {', '.join(unknown)}")
        return list(dict.fromkeys(symbols))

    @field_validator("allow_origin", mode="before")
    @classmethod
    def _check_allow_origin(cls, value: Any) -> list[str]:
        items = value.split(",") if isinstance(value, str) else list(value or ())
        items = [str(item) for item in items if str(item).strip()]
        if not items:
            return []
        from engine.api.security import normalise_origin  # the server's own rule; imported only when used

        return list(dict.fromkeys(normalise_origin(item) for item in items))

    @field_validator("currency", mode="before")
    @classmethod
    def _check_currency(cls, value: Any) -> str:
        if not isinstance(value, str):
            raise ValueError(f"currency must be a 3-letter code such as USD, not {value!r}")
        value = value.strip().upper()
        if len(value) != 3 or not value.isalpha():
            raise ValueError(f"currency must be a 3-letter code such as USD, not {value!r}")
        return value

    @field_validator("mirror", mode="before")
    @classmethod
    def _check_mirror(cls, value: Any) -> Any:
        if value is not None and not isinstance(value, str):
            raise ValueError(f"mirror must be mt5, zmq or off, not {value!r}")
        if isinstance(value, str) and value.strip().lower() in ("", "off", "none"):
            return None
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("balance")
    @classmethod
    def _round_balance(cls, value: Decimal) -> Decimal:
        return value.quantize(Decimal("0.01"))

    @property
    def database_url(self) -> str:
        """The journal's SQLAlchemy URL: ``db_url`` when given, else the SQLite file ``db``."""
        if self.db_url:
            return self.db_url
        return f"sqlite:///{self.db.expanduser().resolve()}"

    @classmethod
    def load(cls, args: argparse.Namespace | dict[str, Any] | None = None) -> Settings:
        """Merge flags (``args``; absent or None flags do not count) over env, file and defaults.

        Raise ``engine.errors.ValidationError`` naming the first bad field.
        """
        raw = vars(args) if isinstance(args, argparse.Namespace) else dict(args or {})
        names = set(cls.model_fields) | set(flat_keys())
        given = {k: v for k, v in raw.items() if k in names and v is not None}
        chosen = given.get("config") or os.environ.get(f"{ENV_PREFIX}CONFIG")
        config = Path(chosen).expanduser() if chosen else default_config_path()
        if chosen and not config.exists():  # a file asked for by name must be there; the default may be missing
            raise ValidationError(
                f"invalid setting config: the config file {config} does not exist",
                field="config",
                code="invalid_setting",
            )
        try:
            return cls(**given)
        except tomllib.TOMLDecodeError as exc:
            raise ValidationError(
                f"invalid setting config: {config} does not parse as TOML: {exc}",
                field="config",
                code="invalid_setting",
            ) from None
        except UnicodeDecodeError:
            raise ValidationError(
                f"invalid setting config: {config} is not a text (UTF-8 TOML) file",
                field="config",
                code="invalid_setting",
            ) from None
        except OSError as exc:
            raise ValidationError(
                f"invalid setting config: cannot read {config}: {exc.strerror or exc}",
                field="config",
                code="invalid_setting",
            ) from None
        except PydanticValidationError as exc:
            error = exc.errors()[0]
            field = key_of(tuple(part for part in error["loc"] if not isinstance(part, int))) or None
            message = error["msg"].removeprefix("Value error, ").splitlines()[0]
            if error["type"] == "extra_forbidden":
                message = "not a setting of paper-terminal (see --help and the README's settings)"
            raise ValidationError(f"invalid setting {field}: {message}", field=field, code="invalid_setting") from None
