"""Provider keys: environment first, then an (in-memory) keyring; never printed."""

from __future__ import annotations

import keyring
import pytest
from keyring.backends import fail

from datafeeds import keys


def test_env_wins_over_keyring(memory_keyring):
    keys.store_key("twelvedata", "from-keyring")
    key = keys.load_key("twelvedata", env={"TWELVEDATA_API_KEY": "from-env"})
    assert key.value == "from-env" and key.origin == "env"


def test_keyring_used_when_env_empty_and_key_not_printed(memory_keyring):
    keys.store_key("finnhub", "  fh-secret  ")
    key = keys.load_key("finnhub", env={})
    assert key.value == "fh-secret" and key.origin == "keyring"
    assert "fh-secret" not in repr(key) and "fh-secret" not in str(key)
    assert set(keys.load_keys(env={})) == {"finnhub"}


def test_store_empty_deletes(memory_keyring):
    keys.store_key("alphavantage", "x")
    keys.store_key("alphavantage", "")
    assert keys.load_key("alphavantage", env={}) is None


def test_headless_without_backend_falls_back_to_env(caplog):
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        assert not keys.keyring_available()
        assert keys.load_key("finnhub", env={}) is None
        assert keys.load_key("finnhub", env={"FINNHUB_API_KEY": "k"}).value == "k"
        with pytest.raises(keys.KeyStoreUnavailable, match="FINNHUB_API_KEY"):
            keys.store_key("finnhub", "k")
    finally:
        keyring.set_keyring(previous)


def test_unknown_provider_is_refused():
    with pytest.raises(ValueError, match="unknown provider"):
        keys.load_key("bloomberg", env={})
