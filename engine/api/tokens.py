"""API tokens: a trading token (read + write) and a viewer token (read only).

Both are generated with ``secrets.token_urlsafe`` on first start and stored as
JSON in the user config dir with file mode 0600; later starts load them.
``--token`` / ``--viewer-token`` override the stored values for one run
without rewriting the file. Tokens are compared in constant time and are
never logged or put into error messages (``repr`` hides them).
"""

from __future__ import annotations

import enum
import hmac
import json
import logging
import os
import secrets
import stat
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs

from engine.errors import ValidationError

log = logging.getLogger(__name__)

TOKENS_FILE_NAME = "api-tokens.json"
MIN_TOKEN_LENGTH = 16
MAX_TOKEN_LENGTH = 256
_TOKEN_BYTES = 32  # 256 bits of entropy, 43 url-safe characters


class InvalidToken(ValidationError, ValueError):
    """A token that cannot be used; ``field`` is ``token`` or ``viewer_token`` (the value is never shown)."""


class Role(str, enum.Enum):
    """What a token allows: ``viewer`` reads, ``trading`` reads and writes."""

    VIEWER = "viewer"
    TRADING = "trading"


@dataclass(frozen=True, slots=True)
class ApiTokens:
    """The two tokens of the embedded server and where they are stored."""

    trading: str = field(repr=False)
    viewer: str = field(repr=False)
    path: Path | None = None

    def __post_init__(self) -> None:
        validate_token(self.trading, "token")
        validate_token(self.viewer, "viewer_token")
        if hmac.compare_digest(self.trading.encode(), self.viewer.encode()):
            raise InvalidToken("the trading token and the viewer token must differ", "viewer_token")

    def role_of(self, candidate: str | None) -> Role | None:
        """Return the role ``candidate`` grants, or None; constant-time comparisons."""
        if not candidate or len(candidate) > MAX_TOKEN_LENGTH:
            return None
        given = candidate.encode("utf-8", "replace")
        is_trading = hmac.compare_digest(given, self.trading.encode())
        is_viewer = hmac.compare_digest(given, self.viewer.encode())
        if is_trading:
            return Role.TRADING
        if is_viewer:
            return Role.VIEWER
        return None


def validate_token(value: str, name: str) -> None:
    """Raise ``InvalidToken`` (naming ``name``, never the value) for an unusable token."""
    if not isinstance(value, str) or not (MIN_TOKEN_LENGTH <= len(value) <= MAX_TOKEN_LENGTH):
        raise InvalidToken(f"{name}: a token must be {MIN_TOKEN_LENGTH}..{MAX_TOKEN_LENGTH} characters long", name)
    if not all(33 <= ord(ch) <= 126 for ch in value):
        raise InvalidToken(f"{name}: a token may hold printable ASCII characters only, no spaces", name)


def default_tokens_path() -> Path:
    """Return ``api-tokens.json`` in the config dir: ``$PAPER_TERMINAL_HOME/config`` or platformdirs'."""
    home = os.environ.get("PAPER_TERMINAL_HOME")
    folder = Path(home) / "config" if home else platformdirs.user_config_path("paper-terminal", appauthor=False)
    return folder / TOKENS_FILE_NAME


def generate_token() -> str:
    """Return a fresh random url-safe token (256 bits)."""
    return secrets.token_urlsafe(_TOKEN_BYTES)


def load_or_create_tokens(
    path: Path | None = None, *, trading: str | None = None, viewer: str | None = None
) -> ApiTokens:
    """Load the stored tokens, creating the file (mode 0600) on first start.

    ``trading``/``viewer`` (from ``--token``/``--viewer-token``) override the
    stored values for this run. Blocking file I/O: call it before the loop runs
    or from an executor.
    """
    path = path or default_tokens_path()
    stored = _read(path)
    if stored is None:
        stored = {"trading": generate_token(), "viewer": generate_token()}
        _write(path, stored)
        log.info("generated API tokens in %s", path)
    else:
        _restrict_mode(path)
    return ApiTokens(trading=trading or stored["trading"], viewer=viewer or stored["viewer"], path=path)


def _read(path: Path) -> dict[str, str] | None:
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    try:
        data = json.loads(raw)
        trading, viewer = data["trading"], data["viewer"]
        validate_token(trading, "token")
        validate_token(viewer, "viewer_token")
    except (ValueError, KeyError, TypeError):
        log.warning("API tokens file %s is unreadable; generating new tokens", path)
        return None
    return {"trading": trading, "viewer": viewer}


def _write(path: Path, tokens: dict[str, str]) -> None:
    """Write atomically: a 0600 temporary file in the same folder, then rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(tokens, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True)
        raise


def _restrict_mode(path: Path) -> None:
    """Bring a stored file that others can read back to 0600 (POSIX only)."""
    if os.name != "posix":
        return
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        log.warning("API tokens file %s was readable by others; setting mode 0600", path)
        os.chmod(path, 0o600)
