"""``--allow-origin``: a flag, an environment variable or a config key like the other settings."""

from __future__ import annotations

import argparse

import pytest

from engine.errors import ValidationError
from terminal.settings import Settings, add_shared_flags


def _parse(*argv: str) -> Settings:
    parser = argparse.ArgumentParser()
    add_shared_flags(parser)
    return Settings.load(parser.parse_args(list(argv)))


def test_allow_origin_flag_takes_a_normalised_comma_separated_list(tmp_path, monkeypatch):
    (tmp_path / "empty.toml").write_text("")  # an explicit config path must exist (issue 12)
    monkeypatch.setenv("PAPER_TERMINAL_CONFIG", str(tmp_path / "empty.toml"))
    settings = _parse("--allow-origin", "https://Terminal.Example:443, http://10.0.0.2:8080,https://terminal.example")
    assert settings.allow_origin == ["https://terminal.example", "http://10.0.0.2:8080"]
    assert _parse().allow_origin == []


def test_allow_origin_from_environment_and_config_file(tmp_path, monkeypatch):
    config = tmp_path / "config.toml"
    config.write_text('allow_origin = ["https://proxy.example"]\n')
    monkeypatch.setenv("PAPER_TERMINAL_CONFIG", str(config))
    assert _parse().allow_origin == ["https://proxy.example"]
    monkeypatch.setenv("PAPER_TERMINAL_ALLOW_ORIGIN", "https://other.example")
    assert _parse().allow_origin == ["https://other.example"]


@pytest.mark.parametrize("value", ["proxy.example", "https://proxy.example/terminal", "ws://proxy.example"])
def test_allow_origin_that_is_not_an_origin_names_the_setting(value, tmp_path, monkeypatch):
    (tmp_path / "empty.toml").write_text("")  # an explicit config path must exist (issue 12)
    monkeypatch.setenv("PAPER_TERMINAL_CONFIG", str(tmp_path / "empty.toml"))
    with pytest.raises(ValidationError) as refused:
        _parse("--allow-origin", value)
    assert refused.value.field == "allow_origin" and "origin" in refused.value.message
