"""Token storage (0600 file, generated once) and constant-time role checks."""

from __future__ import annotations

import json
import os
import stat

import pytest

from engine.api.tokens import ApiTokens, Role, default_tokens_path, load_or_create_tokens


def test_load_or_create_first_start_writes_0600_file(tmp_path):
    path = tmp_path / "config" / "api-tokens.json"
    tokens = load_or_create_tokens(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    stored = json.loads(path.read_text())
    assert stored == {"trading": tokens.trading, "viewer": tokens.viewer}
    assert len(tokens.trading) >= 40 and tokens.trading != tokens.viewer
    assert tokens.path == path


def test_load_or_create_later_start_reuses_stored_tokens(tmp_path):
    path = tmp_path / "api-tokens.json"
    first = load_or_create_tokens(path)
    second = load_or_create_tokens(path)
    assert (second.trading, second.viewer) == (first.trading, first.viewer)


def test_load_or_create_overrides_win_without_rewriting_the_file(tmp_path):
    path = tmp_path / "api-tokens.json"
    stored = load_or_create_tokens(path)
    tokens = load_or_create_tokens(path, trading="my-own-trading-token-123", viewer="my-own-viewer-token-456")
    assert (tokens.trading, tokens.viewer) == ("my-own-trading-token-123", "my-own-viewer-token-456")
    assert json.loads(path.read_text())["trading"] == stored.trading


def test_load_or_create_tightens_a_readable_file(tmp_path):
    path = tmp_path / "api-tokens.json"
    load_or_create_tokens(path)
    os.chmod(path, 0o644)
    load_or_create_tokens(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_load_or_create_replaces_a_corrupt_file(tmp_path):
    path = tmp_path / "api-tokens.json"
    path.write_text("{broken")
    tokens = load_or_create_tokens(path)
    assert json.loads(path.read_text())["viewer"] == tokens.viewer


def test_default_path_is_in_the_config_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("PAPER_TERMINAL_HOME", str(tmp_path))
    assert default_tokens_path() == tmp_path / "config" / "api-tokens.json"


@pytest.mark.parametrize(
    ("trading", "viewer", "field"),
    [
        ("short", "viewer-token-0123456789", "token"),
        ("trading-token-0123456789", "has spaces in it 0123", "viewer_token"),
        ("same-token-0123456789ab", "same-token-0123456789ab", "differ"),
    ],
)
def test_api_tokens_refuse_unusable_values_without_echoing_them(trading, viewer, field):
    with pytest.raises(ValueError) as refused:
        ApiTokens(trading, viewer)
    assert field in str(refused.value)
    assert trading not in str(refused.value) and viewer not in str(refused.value)


def test_role_of_matches_exactly():
    tokens = ApiTokens("trading-token-0123456789", "viewer-token-0123456789")
    assert tokens.role_of("trading-token-0123456789") is Role.TRADING
    assert tokens.role_of("viewer-token-0123456789") is Role.VIEWER
    for wrong in (None, "", "trading-token-012345678", "trading-token-0123456789x", "x" * 10_000, "é" * 30):
        assert tokens.role_of(wrong) is None


def test_repr_hides_tokens():
    tokens = ApiTokens("trading-token-0123456789", "viewer-token-0123456789")
    assert "0123456789" not in repr(tokens)
