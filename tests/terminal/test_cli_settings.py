"""Settings: precedence flag > env > TOML file > default, validation naming the field, dirs."""

from __future__ import annotations

from decimal import Decimal

import pytest

from engine.errors import ValidationError
from terminal.settings import Settings, default_db_path, user_config_dir
from tests.terminal.cli_helpers import parser_with


@pytest.fixture
def config_file(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('feed = "sim"\nport = 9000\nsymbols = ["EURUSD", "GBPUSD"]\nbalance = 2500\n')
    return path


def _load(*argv: str) -> Settings:
    args = parser_with("serve").parse_args(["serve", *argv])
    return Settings.load(args)


def test_settings_without_anything_use_defaults_in_user_dirs(tmp_path, monkeypatch):
    monkeypatch.setenv("PAPER_TERMINAL_HOME", str(tmp_path))
    settings = _load()
    assert settings.db == tmp_path / "data" / "paper.db" == default_db_path()
    assert settings.config == user_config_dir() / "config.toml"
    assert (settings.feed, settings.symbols, settings.interval, settings.port) == (
        "auto",
        ["EURUSD", "GBPUSD", "USDJPY"],
        5.0,
        8765,
    )
    assert (settings.balance, settings.currency, settings.leverage, settings.mirror) == (
        Decimal("10000.00"),
        "USD",
        100,
        None,
    )
    assert settings.database_url == f"sqlite:///{tmp_path / 'data' / 'paper.db'}"


def test_settings_precedence_flag_over_env_over_file_over_default(config_file, monkeypatch):
    monkeypatch.setenv("PAPER_TERMINAL_PORT", "9100")
    from_flag = _load("--config", str(config_file), "--port", "9200")
    from_env = _load("--config", str(config_file))
    monkeypatch.delenv("PAPER_TERMINAL_PORT")
    from_file = _load("--config", str(config_file))
    assert (from_flag.port, from_env.port, from_file.port) == (9200, 9100, 9000)
    assert from_file.feed == "sim" and from_file.symbols == ["EURUSD", "GBPUSD"]
    assert from_file.balance == Decimal("2500.00")
    assert from_file.leverage == 100  # untouched by every source: the default


def test_settings_config_path_from_env(config_file, monkeypatch):
    monkeypatch.setenv("PAPER_TERMINAL_CONFIG", str(config_file))
    assert _load().port == 9000


def test_settings_env_symbols_comma_list_and_db_url(monkeypatch):
    monkeypatch.setenv("PAPER_TERMINAL_SYMBOLS", "eurusd, usdjpy")
    monkeypatch.setenv("PAPER_TERMINAL_DB_URL", "postgresql+psycopg://u@h/paper")
    settings = _load()
    assert settings.symbols == ["EURUSD", "USDJPY"]
    assert settings.database_url == "postgresql+psycopg://u@h/paper"


def test_settings_speed_accepts_max_and_positive_numbers():
    assert _load("--speed", "max").speed == "max"
    assert _load("--speed", "60").speed == 60.0


@pytest.mark.parametrize(
    ("argv", "field"),
    [
        (("--port", "70000"), "port"),
        (("--speed", "fast"), "speed"),
        (("--speed", "-1"), "speed"),
        (("--symbols", "EURUSD,NOPE"), "symbols"),
        (("--feed", "bloomberg"), "feed"),
        (("--balance", "0"), "balance"),
        (("--currency", "dollars"), "currency"),
        (("--mirror", "mt4"), "mirror"),
        (("--interval", "0"), "interval"),
    ],
)
def test_settings_bad_value_raises_validation_error_naming_field(argv, field):
    with pytest.raises(ValidationError) as info:
        _load(*argv)
    assert info.value.field == field
    assert field in info.value.message


def test_settings_bad_value_in_file_names_the_field(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('leverage = "lots"\n')
    with pytest.raises(ValidationError) as info:
        _load("--config", str(path))
    assert info.value.field == "leverage"


def test_settings_mirror_off_means_none_and_tokens_are_hidden():
    settings = _load("--mirror", "off", "--token", "s3cret-token-value")
    assert settings.mirror is None
    assert "s3cret" not in repr(settings) and "s3cret" not in str(settings)
    assert settings.token is not None and settings.token.get_secret_value() == "s3cret-token-value"


@pytest.mark.parametrize("command", ["serve", "report", "export"])
def test_cli_help_of_my_commands_renders(command, capsys):
    from terminal.cli import build_parser

    with pytest.raises(SystemExit) as info:
        build_parser().parse_args([command, "--help"])
    assert info.value.code == 0
    assert "--db" in capsys.readouterr().out


def test_settings_broken_toml_file_names_config(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text('feed = "sim\n')
    with pytest.raises(ValidationError) as info:
        _load("--config", str(path))
    assert info.value.field == "config" and "does not parse" in info.value.message


def test_settings_missing_default_config_file_is_fine():
    assert _load().feed == "auto"  # the user config dir has no config.toml yet


def test_settings_missing_named_config_file_names_config(tmp_path):
    """A --config (or PAPER_TERMINAL_CONFIG) the user named must exist: it was silently ignored before."""
    with pytest.raises(ValidationError) as info:
        _load("--config", str(tmp_path / "absent.toml"))
    assert info.value.field == "config" and "does not exist" in info.value.message


@pytest.mark.parametrize(
    ("flag", "value"),
    [
        ("--balance", "1e30"),
        ("--commission", "1e30"),
        ("--slippage", "1e308"),
        ("--leverage", "100000"),
        ("--sim-start", "9999-12-31T23:59:59-12:00"),
        ("--sim-start", "2300-01-01T00:00:00Z"),
    ],
)
def test_settings_beyond_the_supported_range_name_the_setting(flag, value):
    """Values whose arithmetic overflowed later (Decimal money, UTC conversion) are refused up front."""
    with pytest.raises(ValidationError) as info:
        _load(flag, value)
    assert info.value.field == flag.removeprefix("--").replace("-", "_")


def test_an_unknown_key_in_the_config_file_is_refused_naming_it(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text('feed = "sim"\nmt5_logn = 5\n')  # a typo is not silently ignored any more
    with pytest.raises(ValidationError) as info:
        Settings.load({"config": str(config)})
    assert info.value.field == "mt5_logn" and "mt5_logn" in info.value.message
