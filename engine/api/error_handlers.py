"""Exception handlers: every error leaves in DESIGN's shape.

``{"error": {"code": "...", "message": "...", "field": "..."}}`` with
422 for a request that does not parse (field named from pydantic's location),
400 for input the engine refuses (``ValidationError``/``OrderRejectedError``),
404 for ``NotFound``, 503 with ``journal_unavailable``/``journal_read_only``
for a command the journal cannot record (``JournalError``: not applied), the
HTTP status for ``HTTPException`` and 500 (logged, no details) for anything
unexpected.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from engine.errors import JournalError, NotFound, PermanentError, TemporaryError, ValidationError

log = logging.getLogger(__name__)

_LOCATION_PARTS = {"body", "query", "path", "header", "cookie"}
_STATUS_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
                 405: "method_not_allowed", 406: "not_acceptable", 409: "conflict", 413: "body_too_large",
                 415: "unsupported_media_type", 421: "bad_host", 422: "invalid", 429: "rate_limited",
                 503: "unavailable"}


def error_response(status: int, code: str, message: str, field: str | None = None,
                   headers: dict[str, str] | None = None) -> JSONResponse:
    """Return DESIGN's error shape with ``status``."""
    return JSONResponse({"error": {"code": code, "message": message, "field": field}},
                          status_code=status, headers=headers)


def field_of(loc: tuple[Any, ...] | list[Any]) -> str | None:
    """Turn pydantic's location (``("body", "sl")``) into a dotted field name (``sl``)."""
    parts = [str(p) for p in loc if str(p) not in _LOCATION_PARTS]
    # pydantic adds the type tag of a union member ("float", "decimal"...) after the field
    named = [p for p in parts if not p.startswith(("function-", "constrained-"))]
    return ".".join(named) if named else None


def _clean_message(error: dict[str, Any]) -> str:
    message = str(error.get("msg", "invalid value"))
    if error.get("type") == "json_invalid":
        return "the request body is not valid JSON"
    if error.get("type") == "missing":
        return "this field is required"
    return message[:300]


def install(app: FastAPI) -> None:
    """Register the handlers on ``app``."""

    @app.exception_handler(RequestValidationError)
    async def on_request_invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        first = errors[0] if errors else {}
        loc = tuple(first.get("loc", ()))
        field = field_of(_trim_union_tags(loc)) if first.get("type") != "json_invalid" else None
        if field is None and loc[:1] == ("body",):
            field = "body"  # the body as a whole: not JSON, or not an object
        code = "invalid_json" if first.get("type") == "json_invalid" else str(first.get("type", "invalid"))
        message = _clean_message(first)
        if field:
            message = f"{field}: {message}"
        return error_response(422, code, message, field)

    @app.exception_handler(ValidationError)
    async def on_engine_invalid(_: Request, exc: ValidationError) -> JSONResponse:
        return error_response(400, exc.code, exc.message, exc.field)

    @app.exception_handler(NotFound)
    async def on_not_found(_: Request, exc: NotFound) -> JSONResponse:
        return error_response(404, "not_found", exc.message, exc.field)

    @app.exception_handler(JournalError)
    async def on_journal(_: Request, exc: JournalError) -> JSONResponse:
        return error_response(503, exc.code, exc.message[:300], None, headers={"Retry-After": "5"})

    @app.exception_handler(TemporaryError)
    async def on_temporary(_: Request, exc: TemporaryError) -> JSONResponse:
        return error_response(503, "unavailable", str(exc)[:300] or "try again later", None,
                              headers={"Retry-After": "5"})

    @app.exception_handler(PermanentError)
    async def on_permanent(_: Request, exc: PermanentError) -> JSONResponse:
        return error_response(400, "refused", str(exc)[:300], getattr(exc, "field", None))

    @app.exception_handler(StarletteHTTPException)
    async def on_http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc.detail, str) else "request refused"
        code = _STATUS_CODES.get(exc.status_code, "error")
        field = getattr(exc, "field", None)
        return error_response(exc.status_code, code, detail, field, headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.error("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
        return error_response(500, "internal", "internal error; see the terminal's log")


def _trim_union_tags(loc: tuple[Any, ...]) -> tuple[Any, ...]:
    """Drop pydantic's union/type tags (``decimal``, ``float``...) that follow the field name."""
    tags = {"float", "int", "decimal", "str", "bool", "list", "dict", "none", "datetime", "enum",
            "function-after[check()]"}
    return tuple(p for p in loc if not (isinstance(p, str) and p.lower() in tags))


class ApiError(StarletteHTTPException):
    """An HTTP error raised by a route, carrying the field to blame."""

    def __init__(self, status: int, message: str, field: str | None = None) -> None:
        super().__init__(status_code=status, detail=message)
        self.field = field
