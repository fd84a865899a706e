"""Mt5Client: login from settings, password from the keyring, last_error messages."""

from __future__ import annotations

import logging
import sys

import keyring
import pytest

from bridges.config import Mt5Config
from bridges.errors import BridgeSetupError, BridgeUnavailable
from bridges.mt5.client import Mt5Client, error_from_last_error, keyring_password


async def test_connect_logs_in_with_keyring_password_never_logged(terminal, memory_keyring, caplog):
    memory_keyring.set_password("paper-terminal", f"mt5:{terminal.login_id}", terminal.password)
    client = Mt5Client(Mt5Config(path="C:/MT5/terminal64.exe", login=terminal.login_id, server=terminal.server))
    with caplog.at_level(logging.DEBUG):
        account = await client.connect()
    assert account["login"] == terminal.login_id and client.connected
    assert terminal.init_kwargs["path"] == "C:/MT5/terminal64.exe"
    assert terminal.init_kwargs["password_given"] is True
    assert terminal.password not in caplog.text
    await client.shutdown()
    assert not client.connected


async def test_connect_with_wrong_password_raises_auth_failed(terminal):
    client = Mt5Client(
        Mt5Config(login=terminal.login_id, server=terminal.server), password_lookup=lambda login: "wrong-password"
    )
    with pytest.raises(BridgeSetupError) as err:
        await client.connect()
    assert err.value.code == "auth_failed"
    assert "authorization failed" in err.value.message and "keyring" in err.value.message
    assert "wrong-password" not in str(err.value)
    await client.shutdown()


async def test_connect_without_terminal_raises_ipc_unavailable(terminal):
    terminal.terminal_running = False
    client = Mt5Client(Mt5Config())
    with pytest.raises(BridgeUnavailable) as err:
        await client.connect()
    assert err.value.code == "ipc_failed" and "-10003" in err.value.message
    assert client.last_error == err.value.message
    await client.shutdown()


async def test_call_after_link_loss_marks_disconnected(mt5_client, terminal):
    await mt5_client.connect()
    terminal.disconnect()
    with pytest.raises(BridgeUnavailable):
        await mt5_client.call("positions_get")
    assert not mt5_client.connected
    await mt5_client.shutdown()


async def test_missing_package_raises_clear_setup_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "MetaTrader5", None)
    client = Mt5Client(Mt5Config())
    with pytest.raises(BridgeSetupError) as err:
        await client.connect()
    assert err.value.code == "package_missing" and "pip install MetaTrader5" in err.value.message
    await client.shutdown()


@pytest.mark.parametrize(
    ("code", "kind", "short", "words"),
    [
        (-6, BridgeSetupError, "auth_failed", "authorization failed"),
        (-8, BridgeSetupError, "auto_trading_disabled", "Algo Trading"),
        (-10001, BridgeUnavailable, "ipc_failed", "IPC failed"),
        (-10005, BridgeUnavailable, "ipc_failed", "IPC failed"),
        (-5, BridgeSetupError, "invalid_version", "update the terminal"),
        (-1, BridgeUnavailable, "failed", "call failed"),
    ],
)
def test_last_error_codes_map_to_clear_messages(code, kind, short, words):
    error = error_from_last_error(code, "terminal says so", "initialize")
    assert isinstance(error, kind) and error.code == short
    assert words in error.message and f"error {code}" in error.message


def test_keyring_password_falls_back_to_env_without_backend(monkeypatch):
    from keyring.backends import fail

    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        monkeypatch.setenv("PAPER_TERMINAL_MT5_PASSWORD", "from-env")
        assert keyring_password(42) == "from-env"
    finally:
        keyring.set_keyring(previous)
