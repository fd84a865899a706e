"""The command-line flags of ``paper-terminal`` and ``serve``, generated from ``Settings``' fields.

A field carries ``json_schema_extra=flag(METAVAR, default_text)``; its flag is
``--`` + its (flat) name with dashes, its help the field's description followed
by ``(default …)``: the field's own default, or ``default_text`` where the
default depends on the machine (a folder) or is computed at run time. So the
help and the default cannot drift apart. A ``bool`` field is a switch
(``store_true``). Flags are generated for ``Settings``' top-level fields and its
``risk`` sub-model's, in declaration order.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings

FLAGGED_SECTIONS = ("risk",)


def flag(metavar: str, default_text: str | None = None) -> dict[str, Any]:
    """The ``json_schema_extra`` that makes a field a flag (module docstring)."""
    return {"flag": {"metavar": metavar, "default": default_text}}


def _spec(info: FieldInfo) -> dict[str, Any] | None:
    extra = info.json_schema_extra
    spec = extra.get("flag") if isinstance(extra, dict) else None
    return spec if isinstance(spec, dict) else None


def flagged_fields(settings_cls: type[BaseSettings]) -> Iterator[tuple[str, FieldInfo]]:
    """(dest, field) of every field that is a flag, in declaration order."""
    for name, info in settings_cls.model_fields.items():
        if name in FLAGGED_SECTIONS:
            model = info.annotation
            yield from ((sub, sub_info) for sub, sub_info in model.model_fields.items() if _spec(sub_info))  # type: ignore[union-attr]
        elif _spec(info) is not None:
            yield name, info


def shown_default(info: FieldInfo) -> str | None:
    """The default as ``--help`` shows it (None: no default to show)."""
    spec = _spec(info) or {}
    if spec.get("default"):
        return str(spec["default"])
    value = info.get_default(call_default_factory=True)
    if value is None or isinstance(value, bool) or value == []:
        return None
    if isinstance(value, list):
        return ",".join(str(item) for item in value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


def help_text(info: FieldInfo) -> str:
    """The field's description, then ``(default …)`` when it has one to show."""
    default = shown_default(info)
    text = info.description or ""
    return f"{text} (default {default})" if default is not None else text


def flag_name(dest: str) -> str:
    return "--" + dest.replace("_", "-")


def add_shared_flags(parser: argparse.ArgumentParser) -> None:
    """Add the engine flags shared by ``paper-terminal`` and ``serve`` to ``parser``.

    Flags left out are absent from the namespace (``argparse.SUPPRESS``), so
    they never hide the environment or the config file.
    """
    from terminal.settings import Settings

    group = parser.add_argument_group("engine settings (also PAPER_TERMINAL_<NAME> or the TOML file)")
    for dest, info in flagged_fields(Settings):
        spec = _spec(info) or {}
        options: dict[str, Any] = {"default": argparse.SUPPRESS, "help": help_text(info).replace("%", "%%")}
        if info.annotation is bool:
            options["action"] = "store_true"
        else:
            options["metavar"] = spec["metavar"]
        group.add_argument(flag_name(dest), dest=dest, **options)
