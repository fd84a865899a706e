"""Test-wide settings: offscreen Qt, PySide6 for pyqtgraph/qasync, isolated dirs."""

from __future__ import annotations

import gc
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")
os.environ.setdefault("QT_API", "pyside6")

import keyring
import pytest
from keyring.backend import KeyringBackend


@pytest.fixture(autouse=True)
def _isolated_user_dirs(tmp_path_factory, monkeypatch):
    """Point config/data dirs at a temporary folder so tests never touch the user's."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("PAPER_TERMINAL_HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    for key in ("TWELVEDATA_API_KEY", "FINNHUB_API_KEY", "ALPHAVANTAGE_API_KEY"):
        monkeypatch.delenv(key, raising=False)
    return


@pytest.fixture(autouse=True)
def _unfreeze_heap():
    """``serve`` and the window freeze the heap once started (terminal.heap); in one test process, undo it."""
    yield
    if gc.get_freeze_count():
        gc.unfreeze()


class MemoryKeyring(KeyringBackend):
    """An in-memory keyring backend, so tests never touch the machine's real one."""

    priority = 1

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service, username):
        return self.store.get((service, username))

    def set_password(self, service, username, password):
        self.store[(service, username)] = password

    def delete_password(self, service, username):
        self.store.pop((service, username), None)


@pytest.fixture
def memory_keyring():
    """Install a ``MemoryKeyring`` for the test and restore the previous backend after."""
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)
