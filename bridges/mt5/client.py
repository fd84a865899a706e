"""The one gateway to the ``MetaTrader5`` package.

The package is a blocking IPC client of a running terminal and is not
thread-safe, so every call runs on ONE dedicated executor thread and the
asyncio/Qt loop only awaits. The package is imported lazily on that thread:
it exists for Windows only, and nothing else in the project needs it.

A call that returns ``None`` (or ``False`` for ``initialize``, ``login``,
``symbol_select``) failed; ``last_error()`` is read on the same thread right
after it and turned into a typed error with a clear message.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from types import ModuleType
from typing import Any

from bridges.clock import ServerClock
from bridges.config import KEYRING_SERVICE, PASSWORD_ENV, Mt5Config
from bridges.errors import BridgeSetupError, BridgeUnavailable

log = logging.getLogger(__name__)

PACKAGE = "MetaTrader5"

# last_error() codes of the MetaTrader5 package.
RES_S_OK = 1
RES_E_FAIL = -1
RES_E_INVALID_PARAMS = -2
RES_E_NO_MEMORY = -3
RES_E_NOT_FOUND = -4
RES_E_INVALID_VERSION = -5
RES_E_AUTH_FAILED = -6
RES_E_UNSUPPORTED = -7
RES_E_AUTO_TRADING_DISABLED = -8
IPC_CODES = range(-10005, -9999)  # -10000 … -10005: IPC send/receive/initialize/timeout failures

_SETUP_MESSAGES = {
    RES_E_AUTH_FAILED: (
        "auth_failed",
        (
            "MetaTrader 5 refused the login (authorization failed): check mt5_login, "
            "mt5_server and the password stored in the keyring"
        ),
    ),
    RES_E_AUTO_TRADING_DISABLED: (
        "auto_trading_disabled",
        "auto-trading is disabled in the MetaTrader 5 terminal: enable 'Algo Trading' on its toolbar",
    ),
    RES_E_INVALID_VERSION: (
        "invalid_version",
        "the MetaTrader 5 terminal is too old for the MetaTrader5 package: update the terminal",
    ),
    RES_E_UNSUPPORTED: ("unsupported", "the MetaTrader 5 terminal does not support this call"),
    RES_E_INVALID_PARAMS: ("invalid_params", "MetaTrader 5 refused the call's parameters"),
    RES_E_NOT_FOUND: ("not_found", "MetaTrader 5 did not find what was asked for"),
}

# Calls whose False result means failure (the others fail with None).
_BOOL_CALLS = frozenset({"initialize", "login", "symbol_select"})


def error_from_last_error(code: int, description: str, call: str) -> BridgeSetupError | BridgeUnavailable:
    """Turn a ``last_error()`` pair into a typed error whose message says what to do."""
    detail = f"{call}: MetaTrader5 error {code} ({description})"
    if code in IPC_CODES:
        return BridgeUnavailable(
            "cannot talk to the MetaTrader 5 terminal (IPC failed): is it installed at mt5_path, "
            f"running and logged in? [{detail}]",
            code="ipc_failed",
        )
    if code in _SETUP_MESSAGES:
        short, text = _SETUP_MESSAGES[code]
        return BridgeSetupError(f"{text} [{detail}]", code=short)
    return BridgeUnavailable(f"MetaTrader 5 call failed [{detail}]", code="failed")


def keyring_password(login: int) -> str | None:
    """Return the MT5 password of ``login`` from the OS keyring, else from the environment.

    Keyring entry: service ``paper-terminal``, user ``mt5:<login>``. On a
    machine without a keyring backend the variable ``PAPER_TERMINAL_MT5_PASSWORD``
    is used. The password is never logged.
    """
    import keyring
    from keyring.errors import KeyringError

    try:
        password = keyring.get_password(KEYRING_SERVICE, f"mt5:{login}")
    except KeyringError as exc:
        log.warning("no usable keyring (%s); reading the MT5 password from %s", type(exc).__name__, PASSWORD_ENV)
        password = None
    return password or os.environ.get(PASSWORD_ENV) or None


class Mt5Client:
    """Runs MetaTrader5 package calls on one executor thread and maps failures to errors."""

    def __init__(self, config: Mt5Config, *, password_lookup: Callable[[int], str | None] = keyring_password) -> None:
        self.config = config
        self._password_lookup = password_lookup
        self._executor: ThreadPoolExecutor | None = None
        self._module: ModuleType | None = None
        self.connected = False
        self.last_error: str | None = None
        self._account: dict[str, Any] | None = None
        self._holders = 0
        self.clock: ServerClock | None = None

    def clock_for(self, configured_offset_hours: float | None) -> ServerClock:
        """The terminal's server clock, shared by the feed and the mirror (created on first use)."""
        if self.clock is None:
            self.clock = ServerClock(configured_offset_hours)
        return self.clock

    # -- lifecycle -------------------------------------------------------
    async def connect(self) -> dict[str, Any]:
        """Initialize (and log in when ``login`` is set); return ``account_info()._asdict()``.

        Raises ``BridgeSetupError`` (package missing, login refused, auto-trading
        off) or ``BridgeUnavailable`` (terminal not reachable).
        """
        if self.connected and self._account is not None:
            return self._account  # shared by the feed and the mirror: already up
        account = await self._run(self._connect_sync)
        self.connected = True
        self.last_error = None
        self._account = account
        return account

    def attach(self) -> None:
        """Register one more user (feed, mirror); ``shutdown`` closes the link after the last."""
        self._holders += 1

    async def shutdown(self) -> None:
        """Close the IPC link and stop the executor thread once no attached user is left."""
        self._holders = max(0, self._holders - 1)
        if self._holders > 0 or self._executor is None:
            return
        executor, self._executor = self._executor, None
        if self._module is not None:
            await asyncio.get_running_loop().run_in_executor(executor, self._module.shutdown)
        self.connected = False
        self._account = None
        await asyncio.get_running_loop().run_in_executor(None, partial(executor.shutdown, wait=True))

    # -- calls -----------------------------------------------------------
    async def call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        """Call ``MetaTrader5.<name>`` on the bridge thread; raise a typed error on failure."""
        return await self._run(self._call_sync, name, args, kwargs)

    async def call_many(self, name: str, argument_lists: list[tuple[Any, ...]]) -> list[Any]:
        """Call ``name`` once per argument tuple in one hop to the bridge thread.

        Failed calls give ``None`` in their slot (no exception): a batch of
        ticks should not fail because one symbol has none.
        """
        return await self._run(self._call_many_sync, name, argument_lists)

    async def constant(self, name: str) -> int:
        """Return a constant of the package (``TRADE_RETCODE_DONE``…)."""
        return await self._run(lambda: int(getattr(self._load(), name)))

    # -- bridge thread ---------------------------------------------------
    async def _run(self, func: Callable[..., Any], *args: Any) -> Any:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mt5-bridge")
        try:
            return await asyncio.get_running_loop().run_in_executor(self._executor, partial(func, *args))
        except BridgeUnavailable as exc:
            self.connected = False
            self.last_error = exc.message
            raise
        except BridgeSetupError as exc:
            self.last_error = exc.message
            raise

    def _load(self) -> ModuleType:
        if self._module is None:
            try:
                self._module = importlib.import_module(PACKAGE)
            except ImportError as exc:
                raise BridgeSetupError(
                    "the MetaTrader5 package is not installed (it exists for Windows only): pip install MetaTrader5",
                    code="package_missing",
                ) from exc
        return self._module

    def _connect_sync(self) -> dict[str, Any]:
        mt5 = self._load()
        cfg = self.config
        kwargs: dict[str, Any] = {"timeout": cfg.timeout_ms, "portable": cfg.portable}
        if cfg.login is not None:
            kwargs["login"] = cfg.login
            password = self._password_lookup(cfg.login)
            if password:
                kwargs["password"] = password
            if cfg.server:
                kwargs["server"] = cfg.server
        args = (cfg.path,) if cfg.path else ()
        mt5.shutdown()  # a previous session (reconnect) must not linger
        if not mt5.initialize(*args, **kwargs):
            raise self._error("initialize")
        account = mt5.account_info()
        if account is None:
            raise self._error("account_info")
        info = account._asdict()
        log.info("connected to MetaTrader 5: account %s on %s", info.get("login"), info.get("server"))
        return info

    def _call_sync(self, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        mt5 = self._load()
        result = getattr(mt5, name)(*args, **kwargs)
        if result is None or (name in _BOOL_CALLS and result is False):
            raise self._error(name)
        return result

    def _call_many_sync(self, name: str, argument_lists: list[tuple[Any, ...]]) -> list[Any]:
        mt5 = self._load()
        func = getattr(mt5, name)
        results = [func(*args) for args in argument_lists]
        if results and all(r is None for r in results):
            raise self._error(name)
        return results

    def _error(self, call: str) -> BridgeSetupError | BridgeUnavailable:
        code, description = self._load().last_error()
        return error_from_last_error(int(code), str(description), call)
