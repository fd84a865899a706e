"""The default behaviour of ``paper-terminal`` with no sub-command: open the window.

Qt is imported only when the window really opens, so the other commands
(``serve``, ``report``…) run on machines without a display or Qt libraries.
"""

from __future__ import annotations

import argparse

from terminal.settings import add_shared_flags


def register(subparsers: argparse._SubParsersAction, parser: argparse.ArgumentParser) -> None:
    """Add the shared engine flags to the top-level parser and make the window its default."""
    add_shared_flags(parser)
    parser.set_defaults(window_func=run_window)


def run_window(args: argparse.Namespace) -> int:
    """Open the window (imports Qt now)."""
    from terminal.app import run_window as run

    return run(args)
