"""The About dialog and "Open data folder": version from the metadata, the real folders, the desktop asked."""

from __future__ import annotations

from importlib.metadata import version
from pathlib import Path

from PySide6.QtCore import QObject, QUrl, Slot
from PySide6.QtGui import QDesktopServices, QKeySequence
from PySide6.QtWidgets import QMessageBox

from terminal import about


class FileUrls(QObject):
    """Takes the desktop's ``file:`` URLs instead of a file manager (Qt's own hook for this)."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[QUrl] = []

    @Slot(QUrl)
    def show(self, url: QUrl) -> None:
        self.urls.append(url)


def _opened_files(trigger) -> list[str]:
    """Run ``trigger`` with the desktop's ``file:`` URLs caught; the local paths it asked to open."""
    handler = FileUrls()
    QDesktopServices.setUrlHandler("file", handler, "show")
    try:
        trigger()
    finally:
        QDesktopServices.unsetUrlHandler("file")
    return [u.toLocalFile() for u in handler.urls]


def _menu_action(window, menu_title: str, text: str):
    menu = next(a.menu() for a in window.menuBar().actions() if a.text() == menu_title)
    return next(a for a in menu.actions() if a.text() == text)


def test_about_dialog_shows_package_version_and_folders(make_window, engine, prefs, qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("PAPER_TERMINAL_HOME", str(tmp_path / "home"))
    window = make_window(engine, prefs, config_path=tmp_path / "home" / "config" / "config.toml")
    _menu_action(window, "&Help", "&About Paper Terminal").trigger()
    dialog = window.about_dialog
    qtbot.waitUntil(dialog.isVisible, timeout=5000)
    assert dialog.values["Version"].text() == version("paper-terminal")
    assert dialog.values["Data folder"].text() == str(tmp_path / "home" / "data")
    assert dialog.values["Config folder"].text() == str(tmp_path / "home" / "config")
    assert dialog.values["Journal"].text().endswith("journal.db")
    dialog.reject()
    assert not dialog.isVisible()


def test_open_data_folder_creates_it_and_hands_it_to_the_desktop(make_window, engine, prefs, tmp_path, monkeypatch):
    monkeypatch.setenv("PAPER_TERMINAL_HOME", str(tmp_path / "home"))
    window = make_window(engine, prefs)
    opened = _opened_files(_menu_action(window, "&File", "Open &data folder").trigger)
    assert opened == [str(tmp_path / "home" / "data")]
    assert (tmp_path / "home" / "data").is_dir()


def test_open_data_folder_without_a_file_manager_says_where_it_is(make_window, engine, prefs, tmp_path, monkeypatch):
    monkeypatch.setenv("PAPER_TERMINAL_HOME", str(tmp_path / "home"))

    class NoDesktop:
        @staticmethod
        def openUrl(url: QUrl) -> bool:  # noqa: N802 - Qt's name
            return False

    monkeypatch.setattr(about, "QDesktopServices", NoDesktop)
    window = make_window(engine, prefs)
    messages: list[str] = []
    monkeypatch.setattr(window, "say", messages.append)
    window.open_data_folder()
    assert messages == [f"No file manager answered; the data folder is {tmp_path / 'home' / 'data'}"]


def test_application_icon_has_every_size():
    icon = about.application_icon()
    sizes = sorted(s.width() for s in icon.availableSizes())
    assert sizes == list(about.ICON_SIZES)


def test_help_guide_opens_the_built_start_page_from_the_file_system(make_window, engine, prefs, tmp_path, monkeypatch):
    page = tmp_path / "guide" / "index.html"
    page.parent.mkdir()
    page.write_text("<title>Paper Terminal</title>")
    monkeypatch.setattr(about, "guide_candidates", lambda: (tmp_path / "bundle" / "index.html", page))
    window = make_window(engine, prefs)
    action = _menu_action(window, "&Help", "Paper Terminal &guide")
    assert action.shortcut() == QKeySequence(QKeySequence.StandardKey.HelpContents)
    assert _opened_files(action.trigger) == [str(page)]
    assert window.findChild(QMessageBox, "guide_missing") is None


def test_help_guide_not_built_says_how_to_build_it(make_window, engine, prefs, qtbot, tmp_path, monkeypatch):
    monkeypatch.setattr(about, "guide_candidates", lambda: (tmp_path / "a" / "index.html", tmp_path / "b.html"))
    window = make_window(engine, prefs)
    assert _opened_files(_menu_action(window, "&Help", "Paper Terminal &guide").trigger) == []
    box = window.findChild(QMessageBox, "guide_missing")
    qtbot.waitUntil(box.isVisible, timeout=5000)
    checkout = Path(about.resources.ROOT).parent
    assert "make docs" in box.text() and str(checkout / "build" / "docs" / "index.html") in box.text()
    box.close()


def test_guide_without_a_browser_says_where_it_is(tmp_path, monkeypatch):
    page = tmp_path / "index.html"
    page.write_text("guide")
    monkeypatch.setattr(about, "guide_candidates", lambda: (page,))

    class NoDesktop:
        @staticmethod
        def openUrl(url: QUrl) -> bool:  # noqa: N802 - Qt's name
            return False

    monkeypatch.setattr(about, "QDesktopServices", NoDesktop)
    messages: list[str] = []
    assert about.open_guide(None, messages.append) is None
    assert messages == [f"No browser answered; the guide is {page}"]


def test_guide_is_looked_for_in_the_bundle_then_in_the_checkout():
    bundled, built = about.guide_candidates()
    assert bundled == about.resources.path("guide", "index.html")
    assert built == Path(about.resources.ROOT).parent / "build" / "docs" / "index.html"
