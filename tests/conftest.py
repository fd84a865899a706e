"""Test-wide settings: offscreen Qt, PySide6 for pyqtgraph/qasync, isolated dirs."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")
os.environ.setdefault("QT_API", "pyside6")

import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _isolated_user_dirs(tmp_path_factory, monkeypatch):
    """Point config/data dirs at a temporary folder so tests never touch the user's."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("PAPER_TERMINAL_HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    for key in ("TWELVEDATA_API_KEY", "FINNHUB_API_KEY", "ALPHAVANTAGE_API_KEY"):
        monkeypatch.delenv(key, raising=False)
    yield
