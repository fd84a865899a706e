"""The ``paper-terminal`` command line.

Each sub-command lives in its own module under ``terminal/commands`` and
exposes ``register(subparsers)``, which adds its parser and sets
``func(args) -> int``. With no sub-command the window opens.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

# Modules under terminal.commands, each registering one or more sub-commands.
COMMAND_MODULES: tuple[str, ...] = (
    "window",
    "serve",
    "report",
    "export",
    "replay",
    "feeds",
    "model",
    "backup",
)


def build_parser() -> argparse.ArgumentParser:
    """Return the parser with every sub-command registered."""
    parser = argparse.ArgumentParser(
        prog="paper-terminal",
        description="Forward-test forex trading signals on paper.")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        module = importlib.import_module(f"terminal.commands.{name}")
        module.register(subparsers, parser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    func = getattr(args, "func", None)
    if func is None:
        func = parser.get_default("window_func")
    return int(func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
