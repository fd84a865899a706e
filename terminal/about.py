"""What the window says about itself: the application icon, the About dialog, "Open data folder", the guide.

The version comes from the installed package's metadata (``terminal.cli.version``),
the folders from ``terminal.settings`` (platformdirs, or ``PAPER_TERMINAL_HOME``).
Opening a folder hands it to the desktop (``QDesktopServices``); where there is no
desktop to take it (a headless machine), the caller is told and shows the path.

The guide is the static HTML that ``make docs`` builds from ``docs/`` (MkDocs). Help → Paper
Terminal guide opens its start page from the file system, offline: in an installed bundle it
is ``resources/guide/index.html`` (the PyInstaller spec puts it there), in a source checkout
``build/docs/index.html``. Where neither exists the window says how to build it.
"""

from __future__ import annotations

import platform
import sys
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QAction, QDesktopServices, QIcon, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

import resources
from terminal.cli import version
from terminal.settings import user_config_dir, user_data_dir

ICON_NAME = "paper-terminal"
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def application_icon() -> QIcon:
    """The application icon at every bundled size (``resources/icons``, made by packaging/make_icons.py)."""
    icon = QIcon()
    for size in ICON_SIZES:
        path = resources.path("icons", f"{ICON_NAME}-{size}.png")
        if path.exists():
            icon.addFile(str(path))
    return icon


def open_folder(path: Path) -> bool:
    """Create ``path`` if needed and ask the desktop to show it; False when nothing took it."""
    path.mkdir(parents=True, exist_ok=True)
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))


def guide_candidates() -> tuple[Path, Path]:
    """Where the built guide's start page may be: bundled with the app, or built in this source checkout."""
    return resources.path("guide", "index.html"), resources.ROOT.parent / "build" / "docs" / "index.html"


def guide_index() -> Path | None:
    """The first built guide start page that exists, or None when the guide was never built here."""
    return next((page for page in guide_candidates() if page.is_file()), None)


def guide_missing_text() -> str:
    """What to do when there is no built guide: in a checkout, the command that builds it."""
    checkout = resources.ROOT.parent
    if (checkout / "mkdocs.yml").is_file():
        return (
            f"The guide is not built in this source checkout. Build it with “make docs” in {checkout} "
            f"(it writes {checkout / 'build' / 'docs' / 'index.html'}), then choose Help → Paper Terminal guide "
            "again. Its pages are also readable as Markdown in the docs folder."
        )
    return (
        "This installation carries no built guide. The installers include it; from the source, "
        "“make docs” builds it into build/docs/index.html."
    )


def open_guide(parent: QWidget | None, say: Callable[[str], None]) -> QMessageBox | None:
    """Open the built guide in the desktop's browser; else explain, in a dialog, how to build it.

    Returns the dialog when one was shown (open, not blocking the loop); ``say`` gets the guide's
    path when no browser took it.
    """
    page = guide_index()
    if page is None:
        box = QMessageBox(QMessageBox.Icon.Information, "Paper Terminal guide", guide_missing_text(), parent=parent)
        box.setObjectName("guide_missing")
        box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        box.open()
        return box
    if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(page))):
        say(f"No browser answered; the guide is {page}")
    return None


def guide_action(parent: QWidget, say: Callable[[str], None]) -> QAction:
    """Help → Paper Terminal guide (F1): ``open_guide`` on the window."""
    action = QAction("Paper Terminal &guide", parent)
    action.setObjectName("guide_action")
    action.setShortcut(QKeySequence(QKeySequence.StandardKey.HelpContents))
    action.triggered.connect(lambda: open_guide(parent, say))
    return action


def about_rows(journal_url: str | None, config_path: Path | None) -> list[tuple[str, str]]:
    """The facts the About dialog shows, as (label, text) rows."""
    from PySide6 import __version__ as pyside_version

    rows = [("Version", version()), ("Data folder", str(user_data_dir())), ("Config folder", str(user_config_dir()))]
    if config_path is not None:
        rows.append(("Config file", str(config_path)))
    if journal_url:
        rows.append(("Journal", journal_url))
    rows.append(
        (
            "Runtime",
            (
                f"Python {platform.python_version()}, Qt for Python {pyside_version}"
                f"{' (bundled)' if getattr(sys, 'frozen', False) else ''}"
            ),
        )
    )
    return rows


class AboutDialog(QDialog):
    """Name, version, where the journal and the settings live, and buttons to open those folders.

    ``opened`` is called with a message when a folder could not be handed to the desktop.
    """

    def __init__(self, journal_url: str | None, config_path: Path | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("About Paper Terminal")
        self.setObjectName("about_dialog")
        layout = QVBoxLayout(self)
        title = QLabel("<b>Paper Terminal</b><br>Forward-test forex trading signals on paper.")
        title.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(title)
        form = QFormLayout()
        self.values: dict[str, QLabel] = {}
        for label, text in about_rows(journal_url, config_path):
            value = QLabel(text)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            value.setObjectName(f"about_{label.lower().replace(' ', '_')}")
            form.addRow(f"{label}:", value)
            self.values[label] = value
        layout.addLayout(form)
        self.status = QLabel("")
        self.status.setObjectName("about_status")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.open_data = buttons.addButton("Open data folder", QDialogButtonBox.ButtonRole.ActionRole)
        self.open_config = buttons.addButton("Open config folder", QDialogButtonBox.ButtonRole.ActionRole)
        self.open_data.clicked.connect(lambda: self._open(user_data_dir()))
        self.open_config.clicked.connect(lambda: self._open(user_config_dir()))
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _open(self, path: Path) -> None:
        self.status.setText("" if open_folder(path) else f"No file manager answered; the folder is {path}")
