"""Route dependencies: the engine, the caller's role, and the OpenAPI security schemes.

The guard middleware (``engine.api.security``) has already checked the token
and left the role in the request state; these dependencies only read it, and
declare ``Authorization: Bearer`` and ``?token=`` in ``/openapi.json``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import APIKeyQuery, HTTPAuthorizationCredentials, HTTPBearer

from engine.api.error_handlers import ApiError
from engine.api.schemas import ErrorOut
from engine.api.tokens import Role
from engine.service import TradingEngine

bearer_scheme = HTTPBearer(auto_error=False, description="trading or viewer token")
query_scheme = APIKeyQuery(name="token", auto_error=False, description="the token, for browsers")

ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorOut, "description": text}
    for status, text in (
        (400, "input the engine refuses"),
        (401, "missing or wrong token"),
        (403, "viewer token on a write, or a cross-origin request"),
        (404, "no such thing"),
        (413, "body too large"),
        (414, "query string too long"),
        (421, "Host header not this server"),
        (422, "input that does not parse"),
        (503, "not available now"),
    )
}


def api_role(
    request: Request,
    _bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)] = None,
    _query: Annotated[str | None, Depends(query_scheme)] = None,
) -> Role:
    """The role the guard granted this request (defence in depth: 401 when absent)."""
    role: Role | None = getattr(request.state, "api_role", None)
    if role is None:
        raise ApiError(401, "a valid token is required", "token")
    return role


def trading_role(role: Annotated[Role, Depends(api_role)]) -> Role:
    """Require the trading token (writes)."""
    if role is not Role.TRADING:
        raise ApiError(403, "the viewer token is read-only; use the trading token", "token")
    return role


def engine_of(request: Request) -> TradingEngine:
    """The ``TradingEngine`` this app serves (``create_app`` put it in the app's state)."""
    engine: TradingEngine = request.app.state.engine
    return engine


Engine = Annotated[TradingEngine, Depends(engine_of)]
