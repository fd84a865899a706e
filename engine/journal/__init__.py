"""The crash-safe SQL journal (the Journal port of docs/ARCHITECTURE.md)."""

from typing import TYPE_CHECKING

from engine.journal.repository import SqlJournal
from engine.ports import JournalState

if TYPE_CHECKING:
    from engine.ports import Journal

    _implements: type[Journal] = SqlJournal  # mypy checks that SqlJournal is a complete Journal

__all__ = ["JournalState", "SqlJournal"]
