"""Check a built .deb: its files, its control fields, and that Depends covers what the bundle loads.

Every shared library that a bundled ELF file names as NEEDED and that the bundle does not carry
itself comes from the system; the Debian package that provides it on this machine (``dpkg -S``)
must be named in Depends (``libc6``'s and the compiler runtime's libraries are everywhere).
Prints one line per problem and exits 1 when there is any. Standard library only.
Usage: ``python packaging/linux/check_deb.py DEB``.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from pathlib import Path

REQUIRED = (
    "./opt/paper-terminal/paper-terminal",
    "./usr/bin/paper-terminal",
    "./usr/share/applications/paper-terminal.desktop",
    "./usr/share/icons/hicolor/256x256/apps/paper-terminal.png",
    "./usr/share/icons/hicolor/scalable/apps/paper-terminal.svg",
    "./opt/paper-terminal/_internal/resources/guide/index.html",  # Help → Paper Terminal guide
)
EVERYWHERE = {"libc6", "libgcc-s1", "libstdc++6", "zlib1g"}  # essential or pulled in by libc6 itself


def field(deb: Path, name: str) -> str:
    return subprocess.run(["dpkg-deb", "-f", str(deb), name], capture_output=True, text=True, check=True).stdout.strip()


def depends_names(depends: str) -> set[str]:
    """Package names in a Depends field (every alternative)."""
    return {
        re.split(r"[\s(:]", alt.strip())[0] for part in depends.split(",") for alt in part.split("|") if alt.strip()
    }


def needed_from_system(root: Path) -> dict[str, set[str]]:
    """NEEDED sonames of the bundle's ELF files that the bundle does not carry: soname -> who needs it."""
    carried = {p.name for p in root.rglob("*.so*")}
    needed: dict[str, set[str]] = {}
    for path in root.rglob("*"):
        if not path.is_file() or path.is_symlink():
            continue
        with path.open("rb") as handle:
            if handle.read(4) != b"\x7fELF":
                continue
        out = subprocess.run(["readelf", "-d", str(path)], capture_output=True, text=True, check=False).stdout
        for soname in re.findall(r"\(NEEDED\)\s+Shared library: \[(.+?)\]", out):
            if soname not in carried:
                needed.setdefault(soname, set()).add(path.name)
    return needed


def providers(soname: str) -> set[str]:
    """Debian packages of this machine that ship ``soname`` (empty when none is installed)."""
    done = subprocess.run(["dpkg", "-S", f"*/{soname}"], capture_output=True, text=True, check=False)
    return {line.split(":", 1)[0] for line in done.stdout.splitlines() if ":" in line}


def check(deb: Path) -> list[str]:
    problems = []
    listing = subprocess.run(["dpkg-deb", "-c", str(deb)], capture_output=True, text=True, check=True).stdout
    problems += [f"missing {name}" for name in REQUIRED if f" {name}" not in listing]
    if "-> /opt/paper-terminal/paper-terminal" not in listing:
        problems.append("/usr/bin/paper-terminal is not a link to /opt/paper-terminal/paper-terminal")
    depends = depends_names(field(deb, "Depends"))
    if "fontconfig-config" not in depends:
        problems.append("Depends lacks fontconfig-config (Qt prints 'Fontconfig error' without it)")
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["dpkg-deb", "-x", str(deb), tmp], check=True)
        for soname, users in sorted(needed_from_system(Path(tmp) / "opt" / "paper-terminal").items()):
            packages = {p.split(":")[0] for p in providers(soname)}
            if not packages:
                problems.append(f"{soname} (needed by {', '.join(sorted(users)[:3])}) is not installed here")
            elif not packages & (depends | EVERYWHERE):
                problems.append(f"{soname} comes from {', '.join(sorted(packages))}, not in Depends")
    return problems


if __name__ == "__main__":
    found = check(Path(sys.argv[1]))
    for problem in found:
        print(f"check_deb: {problem}")
    print(f"check_deb: {'OK' if not found else f'{len(found)} problem(s)'}")
    sys.exit(1 if found else 0)
