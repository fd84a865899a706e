"""One trading process per SQLite journal: an OS file lock beside the database file.

``JournalLock(database)`` locks ``<database>.lock`` (``paper.db.lock``) with
``fcntl.flock`` (POSIX) or ``msvcrt.locking`` (Windows). The operating system
drops the lock when its process ends, however it ends (SIGKILL and power loss
included), so a lock never outlives its holder and never needs clearing by hand.
The holder writes its process id into the file; a refused process reads it to
say who holds the journal.

Two uses (``engine.journal.repository.SqlJournal``):

- the trading process (window or ``serve``) holds the lock for its whole run,
  so a second one on the same journal is refused;
- creating or migrating the schema happens only under the lock, so processes
  started at the same moment on a fresh data folder never race to create
  ``alembic_version``. A process that finds the lock taken waits for the
  holder's migration instead (``engine.journal.schema.ensure_schema``).

``flock`` locks belong to an open file, not to a process: two ``JournalLock``
objects on one file exclude each other even inside one process.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _try_lock(fd: int) -> bool:
        try:
            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)


POLL_SECONDS = 0.05


def lock_path(database: Path) -> Path:
    """The lock file of the journal ``database``: the same name with ``.lock`` appended."""
    return database.with_name(database.name + ".lock")


class JournalLock:
    """An exclusive, non-blocking lock on a journal file (see the module docstring)."""

    def __init__(self, database: Path) -> None:
        self.database = database
        self.path = lock_path(database)
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        """True while this object holds the lock."""
        return self._fd is not None

    def acquire(self, wait: float = 0.0) -> bool:
        """Take the lock, retrying for up to ``wait`` seconds; return False when another holds it.

        Raise ``OSError`` when the lock file cannot be created (a read-only folder).
        """
        if self._fd is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        deadline = time.monotonic() + max(0.0, wait)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            while not _try_lock(fd):
                if time.monotonic() >= deadline:
                    os.close(fd)
                    return False
                time.sleep(POLL_SECONDS)
            os.ftruncate(fd, 0)
            os.lseek(fd, 0, os.SEEK_SET)
            os.write(fd, f"{os.getpid()}\n".encode())
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd
        return True

    def holder(self) -> int | None:
        """The process id the current holder wrote into the lock file, when readable."""
        try:
            text = self.path.read_text(encoding="ascii").strip()
        except (OSError, UnicodeDecodeError):
            return None
        return int(text) if text.isdigit() else None

    def release(self) -> None:
        """Give the lock up (idempotent); the file stays for the next holder."""
        fd, self._fd = self._fd, None
        if fd is None:
            return
        try:
            _unlock(fd)
        finally:
            os.close(fd)

    def __repr__(self) -> str:
        return f"JournalLock({str(self.path)!r}, held={self.held})"
