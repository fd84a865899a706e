"""Print what a one-folder bundle holds, by component and size (``make dist`` writes dist/bundle-sizes.txt).

A component is the top-level package of a file inside ``_internal/`` (``PySide6``,
``scipy``...), with PySide6's Qt libraries listed one by one since they are most of it.
Usage: ``python packaging/bundle_report.py dist/paper-terminal``.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path

MB = 1024 * 1024


def component(relative: Path) -> str:
    """The component a bundled file belongs to (see the module docstring)."""
    parts = relative.parts
    if parts[0] != "_internal" or len(parts) == 1:
        return parts[0] if len(parts) > 1 else "(executables)"
    inner = parts[1:]
    if len(inner) == 1:
        name = inner[0]
        if name.startswith("libpython"):
            return "python (libpython)"
        if name == "base_library.zip":
            return "python (stdlib)"
        return "(shared libraries beside)" if ".so" in name or name.endswith(".dll") else "(other files)"
    top = inner[0]
    if top == "python3.11" or top.startswith("python3") or top == "lib-dynload":
        return "python (stdlib)"
    if top == "PySide6" and len(inner) > 3 and inner[1] == "Qt" and inner[2] in ("lib", "plugins"):
        return (
            f"PySide6/Qt/{inner[2]}/{inner[3].split('.so')[0]}"
            if inner[2] == "lib"
            else f"PySide6/Qt/plugins/{inner[3]}"
        )
    if top.endswith(".libs"):
        return top[:-5] + " (vendored libs)"
    if top.endswith(".dist-info"):
        return "(package metadata)"
    return top


def sizes(root: Path) -> tuple[dict[str, int], int]:
    """Bytes per component and in total."""
    totals: dict[str, int] = defaultdict(int)
    for path in root.rglob("*"):
        if path.is_file() and not path.is_symlink():
            totals[component(path.relative_to(root))] += path.stat().st_size
    return dict(totals), sum(totals.values())


def report(root: Path, smallest: float = 1.0) -> str:
    """The table: components of at least ``smallest`` MB, largest first, then the rest and the total."""
    totals, total = sizes(root)
    lines = [f"{'component':<48}{'MB':>9}{'share':>8}"]
    rest = 0
    for name, size in sorted(totals.items(), key=lambda kv: -kv[1]):
        if size < smallest * MB:
            rest += size
            continue
        lines.append(f"{name:<48}{size / MB:>9.1f}{size / total:>8.1%}")
    lines.append(f"{'(everything under ' + str(smallest) + ' MB)':<48}{rest / MB:>9.1f}{rest / total:>8.1%}")
    lines.append(f"{'total':<48}{total / MB:>9.1f}")
    return "\n".join(lines)


if __name__ == "__main__":
    print(report(Path(sys.argv[1] if len(sys.argv) > 1 else "dist/paper-terminal")))
