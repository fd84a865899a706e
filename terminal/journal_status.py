"""The journal's state in the status bar: hidden while writes succeed, red when they fail, amber read-only.

It asks the engine (``TradingEngine.journal_status``) once a second; the
text is ``JournalStatus.message`` (e.g. ``journal unavailable (OperationalError:
disk I/O error): new orders are refused; 2 changes waiting``), the tooltip
says since when and when the next retry comes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QWidget

from engine.service_journal import JournalState, JournalStatus
from terminal.elided import ElidedLabel
from terminal.theme import DARK, Palette

if TYPE_CHECKING:
    from engine.service import TradingEngine

REFRESH_MS = 1000
AMBER = "#d4a017"


class JournalStatusLabel(ElidedLabel):
    """Shows ``engine.journal_status()`` unless the journal is fine (see the module docstring)."""

    def __init__(self, engine: TradingEngine, palette: Palette = DARK, parent: QWidget | None = None) -> None:
        super().__init__(parent=parent)
        self.setObjectName("journal_status")
        self.engine = engine
        self.palette_ = palette
        self.setVisible(False)
        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self.refresh)
        self._timer.start()

    def apply_palette(self, palette: Palette) -> None:
        """Recolour in ``palette`` (the window's theme)."""
        self.palette_ = palette
        self.refresh()

    def refresh(self) -> None:
        """Read the engine's journal state and show it."""
        self.show_status(self.engine.journal_status())

    def show_status(self, status: JournalStatus) -> None:
        """Show ``status`` (hide the label when the journal takes writes)."""
        if status.state is JournalState.OK:
            self.setVisible(False)
            return
        colour = AMBER if status.state is JournalState.READ_ONLY else self.palette_.loss
        self.setText(status.message)
        self.setStyleSheet(f"color: {colour}; font-weight: bold;")
        since = status.since.strftime("%Y-%m-%d %H:%M:%S UTC") if status.since else "start"
        retry = f"\nnext retry in {status.retry_in:.0f} s" if status.retry_in is not None else ""
        failures = f"\n{status.failures} failed writes" if status.failures else ""
        self.set_details(f"since {since}{failures}{retry}")
        self.setVisible(True)
