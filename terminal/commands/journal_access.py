"""Open the stored journal for the commands that read it (``report``, ``export``, ``model train``).

A start-up fault (bad settings, a journal this version cannot use) raises
``terminal.startup.StartupFault``; the commands' ``run`` is ``guarded``, so it
ends as one line and exit code 2.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from terminal.startup import check_journal, journal_field, load_settings
from terminal.startup import open_journal as open_checked

if TYPE_CHECKING:
    from engine.journal import SqlJournal


def add_journal_flags(parser: argparse.ArgumentParser) -> None:
    """Add ``--db``, ``--db-url`` and ``--config`` (absent flags leave env and file in charge)."""
    parser.add_argument(
        "--db",
        metavar="PATH",
        default=argparse.SUPPRESS,
        help="SQLite journal file (default: paper.db in the user data dir)",
    )
    parser.add_argument("--db-url", metavar="URL", default=argparse.SUPPRESS, help="any SQLAlchemy URL; overrides --db")
    parser.add_argument(
        "--config",
        metavar="PATH",
        default=argparse.SUPPRESS,
        help="TOML config file (default config.toml in the user config dir)",
    )


def open_journal(args: argparse.Namespace) -> SqlJournal | None:
    """Open the journal named by the flags, env or config; None (after a message) when it does not exist.

    Raise ``StartupFault`` for bad settings or a journal this version cannot use.
    """
    from sqlalchemy.engine import make_url  # imported here: --help and the parser stay light

    settings = load_settings({k: v for k, v in vars(args).items() if k in ("db", "db_url", "config")})
    url, field = settings.database_url, journal_field(settings)
    check_journal(url, field)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):  # noqa: SIM102
        if not Path(parsed.database).exists():
            print(f"paper-terminal: no journal at {parsed.database}", file=sys.stderr)
            return None
    journal: SqlJournal = open_checked(url, field=field, checked=True)
    return journal
