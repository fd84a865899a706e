"""The flat keys of the settings' sub-models, in the config file and the environment.

A field of ``risk``, ``mt5``, ``zmq`` or ``metatrader`` (``terminal.settings``)
answers to its flat key, the name it had before the settings were grouped:
``max_open_trades`` for ``risk.max_open_trades``, ``mt5_login`` for
``mt5.login``, ``metatrader_prices`` for ``metatrader.prices``
(``bridges.config.flat_key``). In the config file either spelling works
(``mt5_login = 1`` or ``[mt5]`` ``login = 1``; both at once is refused); in
the environment it is ``PAPER_TERMINAL_<FLAT KEY>``. Each source is nested on
its own before the sources are merged, so the precedence (flag, environment,
file, default) holds for every key.

``[signals.auto]`` ``max_open_trades`` (auto-execution's own limit before it
became the one ``max_open_trades``) is read as ``max_open_trades`` when that is
not set in the same source, with a warning in the log.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from functools import cache
from typing import Any

from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource

from bridges.config import flat_key
from engine.errors import ValidationError

log = logging.getLogger(__name__)

ENV_PREFIX = "PAPER_TERMINAL_"
FLATTENED = ("risk", "mt5", "zmq", "metatrader")


@cache
def flat_table(settings_cls: type[BaseSettings]) -> dict[str, tuple[str, str]]:
    """Flat key → (sub-model, field) for every field of the flattened sub-models."""
    table: dict[str, tuple[str, str]] = {}
    for section in FLATTENED:
        model = settings_cls.model_fields[section].annotation
        fields: dict[str, FieldInfo] = model.model_fields  # type: ignore[union-attr]
        for name, info in fields.items():
            table[flat_key(info, name)] = (section, name)
    return table


def flat_keys() -> tuple[str, ...]:
    """Every flat key of ``terminal.settings.Settings``."""
    return tuple(settings_tables())


def settings_tables() -> dict[str, tuple[str, str]]:
    """``flat_table`` of ``terminal.settings.Settings``: where a flat key may sit in a config table."""
    from terminal.settings import Settings

    return dict(flat_table(Settings))


def key_of(loc: tuple[str | int, ...]) -> str:
    """The key a user knows for a field's location: its flat key, else the dotted path."""
    from terminal.settings import Settings

    path = tuple(str(part) for part in loc)
    if len(path) == 2:
        for key, where in flat_table(Settings).items():
            if where == path:
                return key
    return ".".join(path)


def nest(data: Mapping[str, Any], table: Mapping[str, tuple[str, str]]) -> dict[str, Any]:
    """``data`` with its flat keys moved into their sub-model's table (module docstring)."""
    out = dict(data)
    for key in [k for k in out if k in table]:
        section, name = table[key]
        current = out.get(section, {})
        if not isinstance(current, Mapping):
            continue  # ``mt5 = 5``: refused by the model, naming ``mt5``
        if name in current:
            raise ValidationError(
                f"invalid setting {key}: given both as {key} and as [{section}] {name}; keep one",
                field=key,
                code="invalid_setting",
            )
        out[section] = {**current, name: out.pop(key)}
    signals = out.get("signals")
    auto = signals.get("auto") if isinstance(signals, Mapping) else None
    if isinstance(auto, Mapping) and "max_open_trades" in auto:
        legacy = auto["max_open_trades"]
        out["signals"] = {**signals, "auto": {k: v for k, v in auto.items() if k != "max_open_trades"}}  # type: ignore[dict-item]
        risk = out.get("risk", {})
        if isinstance(risk, Mapping) and "max_open_trades" not in risk:
            out["risk"] = {**risk, "max_open_trades": legacy}
        log.warning(
            "[signals.auto] max_open_trades is read as max_open_trades, the one limit of open trades "
            "for every order source: move it to the top of the config file"
        )
    return out


class Nested(PydanticBaseSettingsSource):
    """Another source's values with their flat keys nested (``nest``)."""

    def __init__(self, inner: PydanticBaseSettingsSource) -> None:
        super().__init__(inner.settings_cls)
        self.inner = inner

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        return nest(self.inner(), flat_table(self.settings_cls))


class FlatEnv(PydanticBaseSettingsSource):
    """``PAPER_TERMINAL_<FLAT KEY>`` of the sub-models' fields (names case-insensitive; empty is unset)."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        environ = {name.upper(): value for name, value in os.environ.items()}
        table = flat_table(self.settings_cls)
        found = {
            key: environ[f"{ENV_PREFIX}{key.upper()}"] for key in table if environ.get(f"{ENV_PREFIX}{key.upper()}")
        }
        return nest(found, table)
