"""Fixtures shared by the engine's tests (builders are in tests/kit.py)."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    """A fresh SQLite journal's URL in the test's folder."""
    return f"sqlite:///{tmp_path / 'paper.db'}"
