"""``paper-terminal report``: the performance figures of the stored journal.

Text by default (one figure per line, then the breakdowns); ``--format json``
prints DESIGN's performance object with the account: ``{"account": {...},
"performance": {...}}``. ``--html PATH`` writes the self-contained HTML report
(account, equity and drawdown, the signal report per source with its
calibration plots, MFE/MAE, the trade list: ``engine.htmlreport``) instead.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from engine.service_support import account_dict, journal_figures
from engine.values import AccountSnapshot
from engine.wire import jsonable
from terminal.commands.journal_access import add_journal_flags, open_journal
from terminal.startup import guarded

BREAKDOWNS = ("by_symbol", "by_side", "by_source", "by_hour", "by_weekday")


def register(subparsers: argparse._SubParsersAction, parser: argparse.ArgumentParser) -> None:
    """Add the ``report`` sub-command."""
    report = subparsers.add_parser("report", help="print the performance figures of the stored journal")
    add_journal_flags(report)
    report.add_argument("--format", choices=("text", "json"), default="text", help="output format (default text)")
    report.add_argument(
        "--html", metavar="PATH", type=Path, help="write the self-contained HTML report to PATH (opens offline)"
    )
    report.set_defaults(func=run)


@guarded
def run(args: argparse.Namespace) -> int:
    """Print the report (or write the HTML one); 0 on success, 1 when there is no journal, 2 on a fault."""
    if getattr(args, "html", None) is not None:
        return write_html(args)
    journal = open_journal(args)
    if journal is None:
        return 1
    try:
        account = journal.account()
        if account is None:
            print("paper-terminal: the journal has no account yet (nothing traded)", file=sys.stderr)
            return 1
        figures = journal_figures(journal, account)
    finally:
        journal.close()
    if args.format == "json":
        print(json.dumps({"account": jsonable(account_dict(account)), "performance": jsonable(figures)}, indent=2))
    else:
        print(format_text(account, figures))
    return 0


def write_html(args: argparse.Namespace) -> int:
    """Write the HTML report of the journal's current account to ``args.html``; 0, or 1 with the reason."""
    from engine.htmlreport import build_report, from_journal, write_report

    target = Path(args.html)
    if target.is_dir() or not target.parent.is_dir():
        print(
            f"paper-terminal: cannot write the report to {target}: "
            f"{'it is a folder' if target.is_dir() else 'no such folder'}",
            file=sys.stderr,
        )
        return 1
    journal = open_journal(args)
    if journal is None:
        return 1
    try:
        data = from_journal(journal)
    finally:
        journal.close()
    if data is None:
        print("paper-terminal: the journal has no account yet (nothing traded)", file=sys.stderr)
        return 1
    try:
        write_report(build_report(data), target)
    except OSError as exc:
        print(f"paper-terminal: cannot write the report to {target}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    print(f"report written to {target}")
    return 0


def _value(value: Any) -> str:
    value = jsonable(value)
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.4f}".rstrip("0").rstrip(".") if value != int(value) else f"{value:.2f}"
    return str(value)


def format_text(account: AccountSnapshot, figures: dict[str, Any]) -> str:
    """The report as aligned text: account, figures, then one table per breakdown."""
    lines = [
        (
            f"account: balance {account.balance} {account.currency} (initial {account.initial_balance}), "
            f"equity {account.equity}, leverage 1:{account.leverage}"
        ),
        "",
    ]
    scalars = {k: v for k, v in figures.items() if k not in BREAKDOWNS and k != "equity_curve"}
    width = max((len(k) for k in scalars), default=10)
    lines += [f"{key:<{width}}  {_value(value)}" for key, value in scalars.items()]
    curve = figures.get("equity_curve") or []
    lines.append(f"{'equity_curve':<{width}}  {len(curve)} points")
    for name in BREAKDOWNS:
        table = figures.get(name) or {}
        if not table:
            continue
        lines += ["", name]
        for key, row in table.items():
            cells = "  ".join(f"{col} {_value(val)}" for col, val in row.items())
            lines.append(f"  {jsonable(key)!s:<10} {cells}")
    return "\n".join(lines)
