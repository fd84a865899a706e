"""terminal.config_file: writing ``mirror_paused`` keeps every other key and nested table."""

from __future__ import annotations

import tomllib

import pytest

from terminal.config_file import dumps, update_config

CONFIG = '''feed = "sim"
mirror = "mt5"
mirror_symbol_map = { EURUSD = "EURUSD.pro" }

[signals.auto]
min_confidence = 0.7
sources = ["pattern", "ml"]

[signals.auto."per symbol"]
EURUSD = true
'''


def test_update_config_mirror_paused_keeps_nested_tables(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(CONFIG, encoding="utf-8")
    before = tomllib.loads(CONFIG)
    update_config(path, {"mirror_paused": True})
    after = tomllib.loads(path.read_text(encoding="utf-8"))
    assert after == {**before, "mirror_paused": True}
    update_config(path, {"mirror_paused": False})
    assert tomllib.loads(path.read_text(encoding="utf-8"))["mirror_paused"] is False
    assert not (tmp_path / "config.toml.tmp").exists()


def test_dumps_round_trips_through_tomllib():
    data = {"a": 1, "b": [1.5, "x"], "t": {"k": "v", "u": {"deep": False}}, "x y": {"q": 2}}
    assert tomllib.loads(dumps(data)) == data


def test_dumps_value_it_cannot_write_is_refused():
    with pytest.raises(TypeError, match="cannot write"):
        dumps({"when": object()})
