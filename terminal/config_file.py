"""Write chosen settings into the TOML config file (read back by ``terminal.settings``).

Only top-level keys with simple values (str, int, float, bool, lists of
those) are written; existing keys and tables are kept. The file is written
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


def dumps(data: dict[str, Any]) -> str:
    """TOML text of ``data`` (top-level simple keys first, then one level of tables)."""
    lines = [f"{key} = {_value(value)}" for key, value in data.items() if not isinstance(value, dict)]
    for key, table in data.items():
        if isinstance(table, dict):
            lines.append("")
            lines.append(f"[{key}]")
            lines.extend(f"{k} = {_value(v)}" for k, v in table.items())
    return "\n".join(lines) + "\n"


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
