"""Errors of the MetaTrader bridges, split by what the caller should do next.

``BridgeUnavailable`` (temporary): the terminal or expert advisor cannot be
reached now; reconnect, reconcile, then retry. ``BridgeTimeout`` is the case
where a command was sent and no answer came, so its effect is unknown until
the next reconciliation. ``BridgeSetupError`` (permanent): retrying will not
help until the user fixes something (package missing, login refused,
auto-trading disabled).
"""

from __future__ import annotations

from engine.errors import BridgeError, PermanentError, TemporaryError


class BridgeUnavailable(BridgeError, TemporaryError):
    """The MetaTrader side cannot be reached now (IPC failure, socket down)."""

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class BridgeTimeout(BridgeUnavailable):
    """A command got no answer in time; whether it took effect is unknown."""


class BridgeSetupError(BridgeError, PermanentError):
    """A configuration or permission problem the user must fix."""

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
