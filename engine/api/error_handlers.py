"""Exception handlers: every error leaves in DESIGN's shape.

``{"error": {"code": "...", "message": "...", "field": "..."}}`` with
422 for a request that does not parse (field named from pydantic's location),
400 for input the engine refuses (``ValidationError``/``OrderRejectedError``),
404 for ``NotFound``, 503 with ``journal_unavailable``/``journal_read_only``
for a command the journal cannot record (``JournalError``: not applied), the
HTTP status for ``HTTPException`` and 500 (logged, no details) for anything
unexpected. A body that cannot be parsed at all (not JSON, not UTF-8, nested
too deep, compressed) is blamed on the field ``body``.

No error body carries SQL, statement parameters or file paths: the text of a
library exception wrapped by one of ours (``raise TemporaryError(f"...: {exc}")
from exc``) is cut off, and path-like words are replaced (``public_message``).
"""

from __future__ import annotations

import logging
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from engine.errors import JournalError, NotFound, PaperTerminalError, PermanentError, TemporaryError, ValidationError

log = logging.getLogger(__name__)

MAX_MESSAGE = 300
MAX_FIELD = 50
BODY_PARSE_DETAIL = "There was an error parsing the body"  # FastAPI's HTTPException for an unreadable body
# Where a database library's text starts: the statement, its parameters, the driver's exception class.
_LIBRARY_MARKERS = re.compile(
    r"\[SQL:|\[parameters:|\(Background on this error|\((?:sqlite3|psycopg\w*|pymysql|"
    r"sqlalchemy)[\w.]*\)|\b(?:INSERT INTO|UPDATE \w+ SET|SELECT .+ FROM|DELETE FROM)\b"
)
# A file path: /a/b, ~/a, C:\a\b or \\server\share (a word that starts the path, not EUR/USD).
_PATH = re.compile(r"(?<![\w.])(?:~?/|[A-Za-z]:[\\/]|\\\\)[^\s'\",;()\[\]]+")

_LOCATION_PARTS = {"body", "query", "path", "header", "cookie"}
_ROUTING_FIELDS = {404: "path", 405: "method"}  # no route there, or not with that method
_STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "body_too_large",
    415: "unsupported_media_type",
    421: "bad_host",
    422: "invalid",
    429: "rate_limited",
    503: "unavailable",
}


def error_response(
    status: int, code: str, message: str, field: str | None = None, headers: dict[str, str] | None = None
) -> JSONResponse:
    """Return DESIGN's error shape with ``status`` (the message made public: ``public_text``)."""
    return JSONResponse(
        {"error": {"code": code, "message": public_text(message), "field": field}}, status_code=status, headers=headers
    )


def public_text(message: str, fallback: str = "the request could not be completed") -> str:
    """``message`` without a database library's text (statement, parameters) and with paths replaced."""
    marker = _LIBRARY_MARKERS.search(message)
    if marker is not None:
        message = message[: marker.start()].rstrip(" :;,-\n")
    message = _PATH.sub("(a file)", message.split("\n", 1)[0]).strip()
    return message[:MAX_MESSAGE] or fallback


def public_message(exc: BaseException, fallback: str) -> str:
    """The message of one of our errors without the text of a foreign exception it wraps.

    ``JournalWriteFailed(f"the journal could not be written: {exc}") from exc`` becomes
    "the journal could not be written": what failed, never the SQL, parameters or file.
    """
    message = str(getattr(exc, "message", None) or exc)
    cause = exc.__cause__ or exc.__context__
    while cause is not None:
        if not isinstance(cause, PaperTerminalError):
            text = str(cause)
            if text and text in message:
                message = message.replace(text, "")
        cause = cause.__cause__ or cause.__context__
    return public_text(message.strip().rstrip(":;,- ").strip(), fallback)


def field_of(loc: tuple[Any, ...] | list[Any]) -> str | None:
    """Turn pydantic's location (``("body", "sl")``) into a dotted field name (``sl``)."""
    parts = [str(p) for p in loc if str(p) not in _LOCATION_PARTS]
    # pydantic adds the type tag of a union member ("float", "decimal"...) after the field; a client's
    # unknown key may be empty or huge: an empty one blames the body, a long one is cut
    named = [p[:MAX_FIELD] for p in parts if p and not p.startswith(("function-", "constrained-"))]
    return ".".join(named)[: MAX_FIELD * 2] if named else None


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
    async def on_request_invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        first = errors[0] if errors else {}
        loc = tuple(first.get("loc", ()))
        field = field_of(_trim_union_tags(loc)) if first.get("type") != "json_invalid" else None
        if field is None and loc[:1] == ("body",):
            field = "body"  # the body as a whole: not JSON, or not an object
        code = "invalid_json" if first.get("type") == "json_invalid" else str(first.get("type", "invalid"))
        message = _clean_message(first)
        if field == "body" and code == "invalid_json":
            message = _unreadable_body(request, None)
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
        return error_response(
            503,
            exc.code,
            public_text(exc.message, "the journal cannot record this now"),
            None,
            headers={"Retry-After": "5"},
        )

    @app.exception_handler(TemporaryError)
    async def on_temporary(_: Request, exc: TemporaryError) -> JSONResponse:
        return error_response(
            503, "unavailable", public_message(exc, "try again later"), None, headers={"Retry-After": "5"}
        )

    @app.exception_handler(PermanentError)
    async def on_permanent(_: Request, exc: PermanentError) -> JSONResponse:
        return error_response(400, "refused", public_message(exc, "refused"), getattr(exc, "field", None))

    @app.exception_handler(StarletteHTTPException)
    async def on_http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400 and exc.detail == BODY_PARSE_DETAIL:
            return error_response(400, "invalid_body", _unreadable_body(request, exc.__cause__), "body")
        detail = exc.detail if isinstance(exc.detail, str) else "request refused"
        code = _STATUS_CODES.get(exc.status_code, "error")
        field = getattr(exc, "field", None) or _ROUTING_FIELDS.get(exc.status_code)
        return error_response(exc.status_code, code, detail, field, headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.error("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
        return error_response(500, "internal", "internal error; see the terminal's log")


def _unreadable_body(request: Request, cause: BaseException | None) -> str:
    """Why a body could not be read as JSON, in the client's terms."""
    encoding = request.headers.get("content-encoding", "identity").strip().lower()
    if encoding not in ("", "identity"):
        return f"the request body is sent with Content-Encoding {encoding[:20]}; send plain JSON (UTF-8)"
    if isinstance(cause, UnicodeDecodeError):
        return "the request body is not UTF-8 text; send JSON encoded as UTF-8"
    if isinstance(cause, RecursionError):
        return "the request body is nested too deeply"
    return "the request body is not valid JSON"


def _trim_union_tags(loc: tuple[Any, ...]) -> tuple[Any, ...]:
    """Drop pydantic's union/type tags (``decimal``, ``float``...) that follow the field name."""
    tags = {
        "float",
        "int",
        "decimal",
        "str",
        "bool",
        "list",
        "dict",
        "none",
        "datetime",
        "enum",
        "function-after[check()]",
    }
    return tuple(p for p in loc if not (isinstance(p, str) and p.lower() in tags))


class ApiError(StarletteHTTPException):
    """An HTTP error raised by a route, carrying the field to blame."""

    def __init__(self, status: int, message: str, field: str | None = None) -> None:
        super().__init__(status_code=status, detail=message)
        self.field = field
