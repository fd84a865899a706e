"""Write chosen settings into the TOML config file (read back by ``terminal.settings``).

Only top-level keys with simple values (str, int, float, bool, lists of
those) are changed; existing keys and tables (nested ones too, such as
``[signals.auto]``) are kept. The file is written
to a temporary neighbour and renamed, so a crash never leaves half a file.
Blocking: call from a worker thread.
"""

from __future__ import annotations

import json
import os
import tomllib
from pathlib import Path
from typing import Any

Scalar = str | int | float | bool


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)  # a JSON string is a valid TOML basic string
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} to the config file")


def _key(key: str) -> str:
    """A bare TOML key when possible, else a quoted one."""
    return key if key and all(c.isalnum() or c in "-_" for c in key) else json.dumps(key)


def _table_lines(prefix: str, table: dict[str, Any]) -> list[str]:
    lines = [f"{_key(key)} = {_value(value)}" for key, value in table.items() if not isinstance(value, dict)]
    for key, sub in table.items():
        if isinstance(sub, dict):
            name = f"{prefix}.{_key(key)}" if prefix else _key(key)
            lines.extend(["", f"[{name}]", *_table_lines(name, sub)])
    return lines


def dumps(data: dict[str, Any]) -> str:
    """TOML text of ``data``: top-level simple keys first, then its tables (nested ones as ``[a.b]``)."""
    return "\n".join(_table_lines("", data)) + "\n"


def update_config(path: Path, changes: dict[str, Scalar | list[Scalar]]) -> dict[str, Any]:
    """Merge ``changes`` into the TOML file at ``path`` (created when missing); return the new content."""
    data: dict[str, Any] = {}
    if path.exists():
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    data.update(changes)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(dumps(data), encoding="utf-8")
    os.replace(tmp, path)
    return data
