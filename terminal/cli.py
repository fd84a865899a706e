"""The ``paper-terminal`` command line.

Each sub-command lives in its own module under ``terminal/commands`` and
exposes ``register(subparsers, parser)``, which adds its parser and sets
``func(args) -> int``. With no sub-command the window opens.

Start-up cost: a command module is imported only when its name is on the
command line (``--help`` lists every command from ``COMMANDS`` without
importing any), and each module imports its heavy libraries inside the
function that runs it. The modules are imported by name in ``_LOADERS`` so
that a bundler (PyInstaller) sees every one of them.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import NoReturn

PROG = "paper-terminal"

# Every sub-command and its one-line help, in the order ``--help`` lists them
# (tests check that each module registers its command with this same help).
COMMANDS: dict[str, str] = {
    "serve": "run the engine and the server without the window",
    "report": "print the performance figures of the stored journal",
    "export": "write the trade journal as CSV or JSON",
    "replay": "forward-test a signals file over recorded bars or ticks",
    "feeds": "live price providers: budgets and plans",
    "model": "the ML signal model",
    "backup": "write a consistent copy of the SQLite journal (online backup)",
}


def _serve() -> ModuleType:
    from terminal.commands import serve

    return serve


def _report() -> ModuleType:
    from terminal.commands import report

    return report


def _export() -> ModuleType:
    from terminal.commands import export

    return export


def _replay() -> ModuleType:
    from terminal.commands import replay

    return replay


def _feeds() -> ModuleType:
    from terminal.commands import feeds

    return feeds


def _model() -> ModuleType:
    from terminal.commands import model

    return model


def _backup() -> ModuleType:
    from terminal.commands import backup

    return backup


_LOADERS: dict[str, Callable[[], ModuleType]] = {
    "serve": _serve,
    "report": _report,
    "export": _export,
    "replay": _replay,
    "feeds": _feeds,
    "model": _model,
    "backup": _backup,
}


def command_module(name: str) -> ModuleType:
    """Import and return the module of sub-command ``name``."""
    return _LOADERS[name]()


def version() -> str:
    """The installed version of the package (its metadata), or ``unknown`` when not installed."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as dist_version

    try:
        return dist_version(PROG)
    except PackageNotFoundError:
        return "unknown"


class _VersionAction(argparse.Action):
    """``--version``: print the version from the package metadata (read only when asked)."""

    def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS, **kwargs: object) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, help="print the version and exit")

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: object,
        option_string: str | None = None,
    ) -> None:
        print(f"{PROG} {version()}")
        parser.exit()


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """Return the parser; with ``argv``, only the commands named in it are imported.

    Without ``argv`` every command is registered in full (tests, documentation).
    A command not named in ``argv`` gets a placeholder parser carrying its help
    line, enough for ``--help`` and for argparse to know the name.
    """
    from terminal.commands import window

    wanted = set(COMMANDS) if argv is None else set(COMMANDS) & set(argv)
    parser = argparse.ArgumentParser(prog=PROG, description="Forward-test forex trading signals on paper.")
    parser.add_argument("--version", action=_VersionAction)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    window.register(subparsers, parser)
    for name, help_text in COMMANDS.items():
        if name in wanted:
            command_module(name).register(subparsers, parser)
        else:
            subparsers.add_parser(name, help=help_text)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the process exit code.

    Automatic garbage collection is paused while the command's modules load
    (``terminal.heap``); a command whose parser sets ``resumes_collection``
    (``serve``, once listening) resumes it itself, the window hands it to its
    GUI-thread collector, every other command has it back before it runs, and
    it is back on when ``main`` returns.
    """
    from terminal.heap import pause_collection, resume_collection

    pause_collection()
    try:
        argv = list(sys.argv[1:] if argv is None else argv)
        parser = build_parser(argv)
        args = parser.parse_args(argv)
        func = getattr(args, "func", None)
        if func is None:
            func = parser.get_default("window_func")
        elif not getattr(args, "resumes_collection", False):
            resume_collection()
        return int(func(args) or 0)
    finally:
        resume_collection()


def run() -> NoReturn:
    """The process entry point (``paper-terminal``, the bundle): ``main``, then exit without a last full collection.

    The heap is frozen first (``terminal.heap.freeze_for_exit``): the
    interpreter's exit would otherwise walk every object start-up made (70 ms
    of the 0.45 s of ``report``) only to find nothing to free.
    """
    from terminal.heap import freeze_for_exit

    try:
        code = main()
    finally:  # argparse's --help and errors leave by SystemExit
        freeze_for_exit()
    sys.exit(code)


if __name__ == "__main__":
    run()
