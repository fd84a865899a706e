"""``paper-terminal export --format csv|json PATH``: write the trade journal.

Every trade of the current account (open, pending, closed and cancelled,
oldest first) with every field of DESIGN's trade, formatted as the REST API
does (times ISO 8601 UTC with milliseconds, money to the cent, prices to the
symbol's digits). ``PATH`` ``-`` writes to standard output. The file is
written to a temporary neighbour and renamed, so a failed export never
leaves half a file.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from engine.trade_schema import csv_text, json_text
from engine.values import TradeRecord
from terminal.commands.journal_access import add_journal_flags, open_journal
from terminal.startup import guarded


def register(subparsers: argparse._SubParsersAction, parser: argparse.ArgumentParser) -> None:
    """Add the ``export`` sub-command."""
    export = subparsers.add_parser("export", help="write the trade journal as CSV or JSON")
    add_journal_flags(export)
    export.add_argument("--format", choices=("csv", "json"), required=True, help="file format")
    export.add_argument("path", metavar="PATH", help="output file ('-' for standard output)")
    export.set_defaults(func=run)


def render(trades: list[TradeRecord], fmt: str) -> str:
    """The trades as CSV (a header of the field names, then one row each) or a JSON array.

    Both carry the REST trade of every record (``engine.trade_schema``'s ``WIRE`` view).
    """
    return json_text(trades) if fmt == "json" else csv_text(trades)


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@guarded
def run(args: argparse.Namespace) -> int:
    """Write the export; 0 on success, 1 when there is no journal or the file cannot be written, 2 on a
    start-up fault."""
    journal = open_journal(args)
    if journal is None:
        return 1
    try:
        trades = journal.all_trades()
    finally:
        journal.close()
    text = render(trades, args.format)
    if args.path == "-":
        sys.stdout.write(text)
        return 0
    try:
        _write_atomically(Path(args.path).expanduser(), text)
    except OSError as exc:
        print(f"paper-terminal: cannot write {args.path}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    print(f"exported {len(trades)} trades to {args.path}", file=sys.stderr)
    return 0
