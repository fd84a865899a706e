"""Shared helpers of the provider tests: recorded payloads, a fixed clock, one HTTP client."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import httpx
import pytest

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
NOW = datetime(2026, 11, 25, 12, 0, 30, tzinfo=timezone.utc)
SECRET = "SECRETKEY123"


def payload(provider: str, name: str) -> object:
    """Return the recorded-shape payload ``tests/fixtures/<provider>/<name>.json``."""
    return json.loads((FIXTURES / provider / f"{name}.json").read_text(encoding="utf-8"))


@pytest.fixture
def clock():
    return lambda: NOW


@pytest.fixture
async def client():
    async with httpx.AsyncClient(timeout=httpx.Timeout(2.0)) as c:
        yield c
