"""The default behaviour of ``paper-terminal`` with no sub-command: open the window.

Qt is imported only when the window really opens, so the other commands
(``serve``, ``report``…) run on machines without a display or Qt libraries.
Start-up faults (bad settings, a journal this version cannot use) are found
before Qt starts and end as one line and exit code 2 (``terminal.startup``).
"""

from __future__ import annotations

import argparse

from terminal.settings import add_shared_flags
from terminal.startup import check_journal, guarded, journal_field, load_settings


def register(subparsers: argparse._SubParsersAction, parser: argparse.ArgumentParser) -> None:
    """Add the shared engine flags to the top-level parser and make the window its default."""
    add_shared_flags(parser)
    parser.set_defaults(window_func=run_window)


@guarded
def run_window(args: argparse.Namespace) -> int:
    """Check the settings and the journal, then open the window (imports Qt now)."""
    settings = load_settings(args)
    check_journal(settings.database_url, journal_field(settings), writable=not settings.read_only)
    from terminal.app import run_window as run

    return run(args)
