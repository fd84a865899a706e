"""What the user sees of ``terminal.errorlog.ErrorLog``: an indicator, a details window, one dialog.

- ``ErrorIndicator`` (status bar): hidden while there is no error; then
  ``⚠ N errors · <last summary>``; a click opens ``ErrorDetails``.
- ``ErrorDetails``: a non-modal window listing every entry (newest first,
  with counts and tracebacks); Copy and Clear.
- ``UserErrorDialog``: the one modal message for an error the user's own
  action caused; a second error while it is open updates its text instead of
  stacking another dialog.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QHBoxLayout,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from terminal.errorlog import ErrorEntry, ErrorLog

SUMMARY_CHARS = 90
#: The indicator's widest text, in pixels. It gives way (the summary elided with "…", down to the
#: count alone) when the status bar is short of room, so an error never makes the status bar (and
#: the window) wider than a small screen; the tooltip has the whole summary.
MAX_TEXT_PX = 320


class ErrorDetails(QDialog):
    """Every recorded error with its traceback; non-modal."""

    def __init__(self, errors: ErrorLog, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("error_details")
        self.setWindowTitle("Errors — Paper Terminal")
        self.setModal(False)
        self.resize(760, 420)
        self.errors = errors
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        copy = QPushButton("Copy")
        copy.clicked.connect(lambda: QApplication.clipboard().setText(self.errors.report()))
        clear = QPushButton("Clear")
        clear.setObjectName("clear_errors")
        clear.clicked.connect(self.errors.clear)
        close = QPushButton("Close")
        close.clicked.connect(self.close)
        buttons = QHBoxLayout()
        buttons.addWidget(copy)
        buttons.addWidget(clear)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text, 1)
        layout.addLayout(buttons)
        errors.changed.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        self.text.setPlainText(self.errors.report() or "No errors.")


class ErrorIndicator(QToolButton):
    """``⚠ N errors · last`` in the status bar; hidden without errors; click for the details."""

    def __init__(self, errors: ErrorLog, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("error_indicator")
        self.setAutoRaise(True)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        # may shrink to minimumSizeHint (the count alone) when the status bar is short of room
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.errors = errors
        self.details: ErrorDetails | None = None
        self._count = ""
        self._full = ""
        self.clicked.connect(self.show_details)
        errors.changed.connect(self.refresh)
        self.refresh()

    def set_colour(self, colour: str) -> None:
        self.setStyleSheet(f"QToolButton#error_indicator {{ color: {colour}; font-weight: 600; }}")

    def refresh(self) -> None:
        last = self.errors.last
        self.setVisible(last is not None)
        if last is None:
            self._count = self._full = ""
            self.setText("")
            self.setToolTip("")
            return
        n = self.errors.total
        summary = last.summary if len(last.summary) <= SUMMARY_CHARS else last.summary[: SUMMARY_CHARS - 1] + "…"
        self._count = f"⚠ {n} error{'s' if n != 1 else ''}"
        self._full = f"{self._count} · {summary}"
        self.setToolTip(f"{last.summary}\n\nClick for the details (logged as well).")
        self._fit(min(self._text_px(self._full), MAX_TEXT_PX))
        self.updateGeometry()

    def _text_px(self, text: str) -> int:
        return self.fontMetrics().horizontalAdvance(text)

    def _padding(self) -> int:
        return super().sizeHint().width() - self._text_px(self.text())

    def _fit(self, text_px: int) -> None:
        """Show as much of the full text as ``text_px`` pixels hold, never less than the count."""
        text = self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideRight, max(text_px, 0))
        if len(text) <= len(self._count):
            text = self._count
        if text != self.text():
            self.setText(text)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        hint = super().sizeHint()
        return QSize(min(self._text_px(self._full), MAX_TEXT_PX) + self._padding(), hint.height())

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        hint = super().minimumSizeHint()
        return QSize(self._text_px(self._count) + self._padding(), hint.height())

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        if self._full:
            self._fit(min(event.size().width() - self._padding(), MAX_TEXT_PX))

    def show_details(self) -> None:
        if self.details is None:
            self.details = ErrorDetails(self.errors, self.window())
        self.details.refresh()
        self.details.show()
        self.details.raise_()


class UserErrorDialog:
    """At most one modal message for errors caused by the user's own action."""

    def __init__(self, parent: QWidget) -> None:
        self.parent = parent
        self.box: QMessageBox | None = None

    def show(self, entry: ErrorEntry) -> None:
        text = f"{entry.summary}\n\nThe error was logged; your trades are safe in the journal." + (
            f"\n(This happened {entry.count} times.)" if entry.count > 1 else ""
        )
        if self.box is None:
            self.box = QMessageBox(
                QMessageBox.Icon.Critical,
                "Paper Terminal — the action failed",
                text,
                QMessageBox.StandardButton.Ok,
                self.parent,
            )
            self.box.setObjectName("error_dialog")
            self.box.finished.connect(self._closed)
        self.box.setText(text)
        self.box.setDetailedText(entry.detail)
        if not self.box.isVisible():
            self.box.open()

    def _closed(self, _result: int = 0) -> None:
        if self.box is not None:
            self.box.deleteLater()
            self.box = None
