"""The crash-safe SQL journal (the Journal port of docs/ARCHITECTURE.md)."""

from engine.journal.repository import JournalState, SqlJournal

__all__ = ["JournalState", "SqlJournal"]
