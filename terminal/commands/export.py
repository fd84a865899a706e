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
import csv
import io
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from engine.values import TradeRecord
from terminal.commands.journal_access import add_journal_flags, open_journal
from terminal.startup import guarded

TRADE_FIELDS: tuple[str, ...] = (
    "id",
    "symbol",
    "side",
    "order_type",
    "status",
    "lots",
    "requested_price",
    "entry_price",
    "sl",
    "tp",
    "trailing_pips",
    "open_time",
    "close_time",
    "close_price",
    "close_reason",
    "pips",
    "pnl",
    "commission",
    "swap",
    "mfe_pips",
    "mae_pips",
    "signal_id",
    "parent_id",
    "comment",
)


def register(subparsers: argparse._SubParsersAction, parser: argparse.ArgumentParser) -> None:
    """Add the ``export`` sub-command."""
    export = subparsers.add_parser("export", help="write the trade journal as CSV or JSON")
    add_journal_flags(export)
    export.add_argument("--format", choices=("csv", "json"), required=True, help="file format")
    export.add_argument("path", metavar="PATH", help="output file ('-' for standard output)")
    export.set_defaults(func=run)


def trade_row(trade: TradeRecord) -> dict[str, Any]:
    """DESIGN's trade fields of ``trade`` as JSON-native values (the REST format)."""
    from engine.api.serialize import trade_dict

    data = trade_dict(trade)
    missing = [name for name in TRADE_FIELDS if name not in data]
    if missing:
        raise KeyError(f"trade serialisation lacks {', '.join(missing)}")
    return {name: data[name] for name in (*TRADE_FIELDS, *[k for k in data if k not in TRADE_FIELDS])}


def render(trades: list[TradeRecord], fmt: str) -> str:
    """The trades as CSV (header + one row each) or a JSON array."""
    rows = [trade_row(trade) for trade in trades]
    if fmt == "json":
        return json.dumps(rows, indent=2) + "\n"
    columns = list(rows[0]) if rows else list(TRADE_FIELDS)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if v is None else v for k, v in row.items()})
    return buffer.getvalue()


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
