"""The command-line flags are generated from ``Settings``' fields: help and defaults cannot drift."""

from __future__ import annotations

import argparse

import pytest

from terminal.settings import RiskSettings, Settings, add_shared_flags
from terminal.settings_flags import flag_name, flagged_fields, shown_default

# DESIGN's flag table: every name must keep working
DESIGN_FLAGS = (  # noqa: SIM905  (DESIGN.md's flag table, verbatim)
    "--db --db-url --feed --feed-priority --replay --speed --sim-start --seed --symbols --interval --host --port "
    "--allow-origin --token --viewer-token --balance --currency --leverage --mirror --read-only --config "
    "--risk-percent --max-open-trades --stop-out-level --commission --slippage --log-level"
).split()


def parser() -> argparse.ArgumentParser:
    built = argparse.ArgumentParser(prog="paper-terminal")
    add_shared_flags(built)
    return built


def actions() -> dict[str, argparse.Action]:
    return {action.option_strings[0]: action for action in parser()._actions if action.option_strings}


def value(settings: Settings, dest: str) -> object:
    return getattr(settings.risk, dest) if dest in RiskSettings.model_fields else getattr(settings, dest)


def test_every_flag_of_the_design_exists_and_no_other():
    assert [name for name in actions() if name != "-h"] == DESIGN_FLAGS


def test_each_flags_help_is_its_fields_description_and_default():
    found = actions()
    for dest, info in flagged_fields(Settings):
        action = found[flag_name(dest)]
        assert action.dest == dest
        text = action.help.replace("%%", "%")
        assert text.startswith(info.description)
        default = shown_default(info)
        assert (f"(default {default})" in text) is (default is not None), (dest, text)
        if default is not None and not (info.json_schema_extra or {}).get("flag", {}).get("default"):
            # the default the help shows, typed as a flag, is the model's own default
            assert value(Settings.load({dest: default}), dest) == value(Settings.load(), dest), dest


@pytest.mark.parametrize(("dest", "shown"), [("interval", "5"), ("port", "8765"), ("balance", "10000")])
def test_help_shows_the_models_default(dest, shown):
    assert f"(default {shown})" in actions()[flag_name(dest)].help


def test_max_open_trades_help_says_it_is_enforced_for_every_order_source():
    text = actions()["--max-open-trades"].help
    assert "refuse a new order" in text and "REST" in text and "auto-execution" in text
    assert RiskSettings.model_fields["max_open_trades"].description in text


def test_a_parsed_flag_reaches_the_typed_setting(monkeypatch, tmp_path):
    args = parser().parse_args(["--max-open-trades", "3", "--risk-percent", "2", "--config", str(tmp_path / "c.toml")])
    (tmp_path / "c.toml").write_text("")
    settings = Settings.load(args)
    assert settings.risk.max_open_trades == 3 and settings.risk.risk_percent == 2.0
    assert Settings.load({"max_open_trades": 0}).risk.max_open_trades is None  # 0: no limit


def test_max_open_trades_from_the_environment_and_the_file_table(monkeypatch, tmp_path):
    monkeypatch.setenv("PAPER_TERMINAL_MAX_OPEN_TRADES", "4")
    assert Settings.load().risk.max_open_trades == 4
    monkeypatch.delenv("PAPER_TERMINAL_MAX_OPEN_TRADES")
    config = tmp_path / "c.toml"
    config.write_text("[risk]\nmax_open_trades = 6\n")
    assert Settings.load({"config": str(config)}).risk.max_open_trades == 6
    config.write_text("[signals.auto]\nmax_open_trades = 2\n")  # the old place of auto-execution's limit
    assert Settings.load({"config": str(config)}).risk.max_open_trades == 2


def test_saving_max_open_trades_keeps_the_users_file_and_its_table(tmp_path):
    from terminal.config_file import update_config
    from terminal.settings_keys import settings_tables

    config = tmp_path / "c.toml"
    config.write_text('feed = "sim"  # mine\n\n[risk]\n# how many at once\nmax_open_trades = 6\n')
    update_config(config, {"max_open_trades": 3}, settings_tables())
    assert config.read_text() == 'feed = "sim"  # mine\n\n[risk]\n# how many at once\nmax_open_trades = 3\n'
    assert Settings.load({"config": str(config)}).risk.max_open_trades == 3
    flat = tmp_path / "flat.toml"
    flat.write_text("max_open_trades = 6\n")
    update_config(flat, {"max_open_trades": 0}, settings_tables())
    assert flat.read_text() == "max_open_trades = 0\n"
    assert Settings.load({"config": str(flat)}).risk.max_open_trades is None
