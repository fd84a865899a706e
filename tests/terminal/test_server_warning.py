"""The window announces a server bound beyond loopback: its URL and which token does what, in the status bar."""

from __future__ import annotations

from types import SimpleNamespace

from terminal.app import _announce_server


class _Label:
    def __init__(self) -> None:
        self.text, self.tip = "", ""

    def setText(self, text: str) -> None:  # noqa: N802 - Qt's name
        self.text = text

    def setToolTip(self, tip: str) -> None:  # noqa: N802 - Qt's name
        self.tip = tip

    def set_details(self, details: str) -> None:  # the status bar's ElidedLabel: shown below its text on hover
        self.tip = details


class _Window:
    def __init__(self) -> None:
        self.status = SimpleNamespace(server=_Label())
        self.server_address: str | None = None
        self.said: list[str] = []

    def set_server(self, url: str) -> None:
        self.server_address = url
        self.status.server.setText(f"server: {url}")

    def say(self, message: str) -> None:
        self.said.append(message)


def test_window_shows_the_exposure_warning_when_bound_beyond_loopback():
    window = _Window()
    warning = "WARNING: the server is bound to 0.0.0.0 … Open http://10.1.2.3:8765/ and sign in with the VIEWER token"
    _announce_server(window, SimpleNamespace(server=SimpleNamespace(exposure_warning=warning)))("http://0.0.0.0:8765")
    assert window.server_address == "http://0.0.0.0:8765"
    assert window.status.server.text == "server: http://0.0.0.0:8765 (open to the network)"
    assert window.status.server.tip == warning and window.said == [warning]


def test_window_on_loopback_only_shows_the_address():
    window = _Window()
    _announce_server(window, SimpleNamespace(server=SimpleNamespace(exposure_warning=None)))("http://127.0.0.1:8765")
    assert window.status.server.text == "server: http://127.0.0.1:8765" and window.said == []
