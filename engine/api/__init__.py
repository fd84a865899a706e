"""The embedded REST + WebSocket server (FastAPI on uvicorn, in the engine's loop).

The rest of ``engine`` never imports this package; the composition root
(``terminal/wiring.py``) builds an ``ApiServer`` over the ``TradingEngine``.

The names below are imported on first use (PEP 562), so a command that only
needs ``engine.api.serialize`` (``export``) does not import FastAPI and uvicorn.
"""

from __future__ import annotations

import importlib
from typing import Any

_NAMES = {
    "create_app": "engine.api.app",
    "ApiServer": "engine.api.server",
    "ApiTokens": "engine.api.tokens",
    "Role": "engine.api.tokens",
    "default_tokens_path": "engine.api.tokens",
    "load_or_create_tokens": "engine.api.tokens",
}

__all__ = ["ApiServer", "ApiTokens", "Role", "create_app", "default_tokens_path", "load_or_create_tokens"]


def __getattr__(name: str) -> Any:
    module = _NAMES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
