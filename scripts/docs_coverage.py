"""Check that moving README.md's reference into docs/ lost nothing.

Compares the README of a git revision (before the move) with today's README.md plus every
page under docs/: for each heading of the old README, its numbers, its `code` spans, its
**bold** terms and its sentences must each appear somewhere in the new text (whitespace and
line breaks ignored; a link target may change, so links compare by their text). Prints one
line per heading, then what went missing; exits 1 when anything did.

Usage: ``python scripts/docs_coverage.py [REV]`` (default ``ba6603c``, the README before the move).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NUMBER = re.compile(r"(?<![\w.])[−-]?\d[\d,]*(?:\.\d+)?")
CODE = re.compile(r"`([^`]+)`")
BOLD = re.compile(r"\*\*([^*]+)\*\*")
LINK = re.compile(r"(!?)\[([^\]]*)\]\([^)]*\)")
# What the move changed on purpose (the start of the old item -> why); reported, not counted as lost.
CHANGED = {
    "- Install - The window": "the README's table of contents: docs/index.md and the README's Documentation table",
    "REST, WebSocket and the web viewer - MetaTrader": "the README's table of contents (its second half)",
    "`make serve` (the engine and server": "the same sentence now also names `make docs`",
    "resources/screenshots": "the screenshots moved to docs/images (MkDocs serves only docs/)",
    "`make screenshots` (or `python scripts/screenshots.py": "the same sentence, default folder now docs/images",
    "docs/ARCHITECTURE.md": "now a link to ARCHITECTURE.md from docs/development.md",
    "`docs/ARCHITECTURE.md` is the internal": "the same sentence, the path now a link",
    "the web viewer, the default ML model, the MQL expert advisor, screenshots": "screenshots moved to docs/",
    "The figures measured on this two-core machine are given in each section above.": (
        "development.md now lists, per benchmark, the page that gives its figures"
    ),
}


def flat(text: str) -> str:
    """Links reduced to their text, table pipes and escapes dropped, all whitespace one space."""
    text = LINK.sub(lambda m: m.group(2), text).replace("\\|", "|")
    return re.sub(r"\s+", " ", text.replace("|", " ")).strip()


def sections(markdown: str) -> list[tuple[str, str]]:
    """(heading, body) for every heading outside code fences; text before the first is "(top)"."""
    out, title, body, fenced = [], "(top)", [], False
    for line in markdown.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        heading = re.match(r"^#{1,6} (.*)", line)
        if heading and not fenced:
            out.append((title, "\n".join(body)))
            title, body = heading.group(1), []
        else:
            body.append(line)
    out.append((title, "\n".join(body)))
    return out


def sentences(text: str) -> list[str]:
    """Prose sentences of at least six words (table cells and headings are split by pipes first)."""
    parts = re.split(r"(?<=[.;:!?])\s+(?=[A-Z`*(])|\s\|\s|\n\s*\n", LINK.sub(lambda m: m.group(2), text))
    return [flat(p) for p in parts if len(p.split()) >= 6 and not p.lstrip().startswith(("```", "|---"))]


def main(argv: list[str]) -> int:
    rev = argv[0] if argv else "ba6603c"
    old = subprocess.run(["git", "show", f"{rev}:README.md"], cwd=ROOT, capture_output=True, text=True, check=True)
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
    new = flat("\n".join(p.read_text(encoding="utf-8") for p in pages))
    new_numbers = set(NUMBER.findall(new))
    missing_total = 0
    for title, body in sections(old.stdout):
        wanted = {
            "number": set(NUMBER.findall(flat(body))),
            "code": {flat(c) for c in CODE.findall(body)},
            "bold": {flat(b) for b in BOLD.findall(body)},
            "sentence": set(sentences(body)),
        }
        gone = [
            (kind, item)
            for kind, items in wanted.items()
            for item in sorted(items)
            if (item not in new_numbers if kind == "number" else item not in new)
        ]
        why = {item: next((r for start, r in CHANGED.items() if item.startswith(start)), None) for _, item in gone}
        missing = [(kind, item) for kind, item in gone if why[item] is None]
        counts = ", ".join(f"{len(items)} {kind}s" for kind, items in wanted.items())
        print(f"{'ok  ' if not missing else 'LOST'} {title[:70]:70} {counts}")
        for kind, item in gone:
            label = f"changed {kind} ({why[item]})" if why[item] else f"missing {kind}"
            print(f"       {label}: {item[:100]}")
        missing_total += len(missing)
    old_lines, new_lines = len(old.stdout.splitlines()), len((ROOT / "README.md").read_text().splitlines())
    print(f"README.md: {old_lines} lines at {rev}, {new_lines} now; {len(pages) - 1} docs pages")
    print(f"{missing_total} items of the old README not found in README.md + docs/")
    return 1 if missing_total else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
