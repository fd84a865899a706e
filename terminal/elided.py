"""A one-line label that gives way: when its room is short it shows the start of its text and "…".

The status bar lays its labels out side by side; a plain ``QLabel`` asks for
the width of its whole text, so one long text (a MetaTrader bridge's last
error, the journal's state) made the window wider than the screen. An
``ElidedLabel`` asks for its whole text (``sizeHint``) but accepts as little
as ``MIN_CHARS`` characters (``minimumSizeHint``), draws the text elided at
the right to the width it is given, and keeps the whole text in its tooltip
(followed by ``details``, when given). Plain text only.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

MIN_CHARS = 10  # the narrowest an elided label gets: about this many (average) characters and "…"


class ElidedLabel(QLabel):
    """A plain-text ``QLabel`` that shrinks to ``MIN_CHARS`` characters, eliding its text (see the module)."""

    def __init__(self, text: str = "", parent: QWidget | None = None, max_chars: int | None = None) -> None:
        super().__init__(parent)
        self.max_chars = max_chars  # asks for no more than about this many characters (a long error's label)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        self._details = ""
        self.setText(text)

    def setText(self, text: str) -> None:  # noqa: N802 - Qt's name
        super().setText(text)
        self._tip()

    def set_details(self, details: str) -> None:
        """More than the text, for the tooltip only (below the whole text)."""
        self._details = details
        self._tip()

    def _tip(self) -> None:
        whole = self.text()
        self.setToolTip("\n".join(part for part in (whole, self._details) if part))

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        hint = super().sizeHint()
        if self.max_chars is None:
            return hint
        cap = self.fontMetrics().averageCharWidth() * self.max_chars + self._margins()
        return QSize(min(hint.width(), cap), hint.height())

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        hint = super().minimumSizeHint()
        if not self.text():
            return hint
        narrow = (
            self.fontMetrics().averageCharWidth() * MIN_CHARS
            + self.fontMetrics().horizontalAdvance("…")
            + self._margins()
        )
        return QSize(min(hint.width(), narrow), hint.height())

    def _margins(self) -> int:
        margins = self.contentsMargins()
        return margins.left() + margins.right() + 2 * self.margin()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        rect = self.contentsRect().adjusted(self.margin(), self.margin(), -self.margin(), -self.margin())
        shown = self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideRight, rect.width())
        painter = QPainter(self)
        self.style().drawItemText(
            painter,
            rect,
            int(self.alignment() | Qt.AlignmentFlag.AlignVCenter),
            self.palette(),
            self.isEnabled(),
            shown,
            QPalette.ColorRole.WindowText,
        )
        painter.end()

    def shown_text(self) -> str:
        """The text as drawn at the current width (ends with "…" when elided)."""
        width = self.contentsRect().width() - 2 * self.margin()
        return self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideRight, width)
