"""The embedded REST + WebSocket server (FastAPI on uvicorn, in the engine's loop).

The rest of ``engine`` never imports this package; the composition root
(``terminal/wiring.py``) builds an ``ApiServer`` over the ``TradingEngine``.
"""

from engine.api.app import create_app
from engine.api.server import ApiServer
from engine.api.tokens import ApiTokens, Role, default_tokens_path, load_or_create_tokens

__all__ = ["ApiServer", "ApiTokens", "Role", "create_app", "default_tokens_path", "load_or_create_tokens"]
