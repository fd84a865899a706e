"""Write chosen settings into the TOML config file (read back by ``terminal.settings``).

The file is the user's: it is edited with ``tomlkit``, so comments, key order,
blank lines and tables (nested ones too, such as ``[signals.auto]``) survive;
a changed key keeps its place and its trailing comment, a new key is added
after the last top-level key, and a key whose value is unchanged is not
touched at all. Keys with simple values (str, int, float, bool, lists of
those) are changed at the top level, or in the table that already holds them
(``tables``: a flat key such as ``max_open_trades`` and the table and name it
may also be written as, ``[risk]`` ``max_open_trades``; ``terminal.settings_keys``). The file is written to a temporary
neighbour and renamed, so a crash never leaves half a file; a file that is
not valid TOML is refused (``ValueError`` naming it) and left as it is.
Blocking: call from a worker thread.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.exceptions import ConvertError, TOMLKitError

Scalar = str | int | float | bool


def dumps(data: dict[str, Any]) -> str:
    """TOML text of ``data`` (nested dicts as tables); ``TypeError`` for a value TOML cannot hold."""
    try:
        return tomlkit.dumps(data)
    except ConvertError as exc:
        raise TypeError(f"cannot write to the config file: {exc}") from None


def update_config(
    path: Path, changes: Mapping[str, Scalar | list[Scalar]], tables: Mapping[str, tuple[str, str]] | None = None
) -> dict[str, Any]:
    """Merge ``changes`` into the TOML file at ``path`` (created when missing); return the new content."""
    document = tomlkit.document()
    if path.exists():
        text = path.read_text(encoding="utf-8")
        try:
            document = tomlkit.parse(text)
        except TOMLKitError as exc:
            raise ValueError(f"{path} is not valid TOML ({exc}); fix or remove it, then save again") from None
    current = document.unwrap()
    for key, value in changes.items():
        table, name = (tables or {}).get(key, (None, None))
        if key not in current and table is not None and isinstance(current.get(table), dict) and name in current[table]:
            if current[table][name] != value:
                document[table][name] = value  # where the file already has it
        elif key not in current or current[key] != value:
            document[key] = value
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(tomlkit.dumps(document), encoding="utf-8")
    os.replace(tmp, path)
    return document.unwrap()
