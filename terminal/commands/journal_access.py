"""Open the stored journal for the read-only commands (``report``, ``export``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from terminal.settings import Settings

if TYPE_CHECKING:
    from engine.journal import SqlJournal


def add_journal_flags(parser: argparse.ArgumentParser) -> None:
    """Add ``--db``, ``--db-url`` and ``--config`` (absent flags leave env and file in charge)."""
    parser.add_argument("--db", metavar="PATH", default=argparse.SUPPRESS,
                        help="SQLite journal file (default: paper.db in the user data dir)")
    parser.add_argument("--db-url", metavar="URL", default=argparse.SUPPRESS,
                        help="any SQLAlchemy URL; overrides --db")
    parser.add_argument("--config", metavar="PATH", default=argparse.SUPPRESS,
                        help="TOML config file (default config.toml in the user config dir)")


def open_journal(args: argparse.Namespace) -> SqlJournal | None:
    """Open the journal named by the flags, env or config; None (after a message) when it does not exist."""
    from sqlalchemy.engine import make_url

    from engine.errors import ValidationError
    from engine.journal import SqlJournal

    try:
        settings = Settings.load({k: v for k, v in vars(args).items() if k in ("db", "db_url", "config")})
    except ValidationError as exc:
        print(f"paper-terminal: {exc.message}", file=sys.stderr)
        return None
    url = settings.database_url
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        if not Path(parsed.database).exists():
            print(f"paper-terminal: no journal at {parsed.database}", file=sys.stderr)
            return None
    return SqlJournal(url)
