"""terminal.config_file: writing ``mirror_paused`` keeps every other key and nested table."""

from __future__ import annotations

import tomllib

import pytest

from terminal.config_file import dumps, update_config

CONFIG = """feed = "sim"
mirror = "mt5"
mirror_symbol_map = { EURUSD = "EURUSD.pro" }

[signals.auto]
min_confidence = 0.7
sources = ["pattern", "ml"]

[signals.auto."per symbol"]
EURUSD = true
"""


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


COMMENTED = """# Paper Terminal settings (my notes)
feed = "auto"          # yahoo first, then the others
# the order I want
feed_priority = ["yahoo", "finnhub"]
port = 8765

[signals.auto]
# only confident signals
min_confidence = 0.7
"""


def test_update_config_keeps_comments_order_and_layout(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(COMMENTED, encoding="utf-8")
    update_config(path, {"feed_priority": ["finnhub", "yahoo"], "port": 9000, "mirror_paused": True})
    text = path.read_text(encoding="utf-8")
    assert text == COMMENTED.replace('["yahoo", "finnhub"]', '["finnhub", "yahoo"]').replace(
        "port = 8765\n", "port = 9000\nmirror_paused = true\n"
    )
    assert tomllib.loads(text)["signals"]["auto"]["min_confidence"] == 0.7


def test_update_config_unchanged_values_leave_the_file_byte_identical(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(COMMENTED, encoding="utf-8")
    update_config(path, {"feed": "auto", "port": 8765})
    assert path.read_text(encoding="utf-8") == COMMENTED


def test_update_config_broken_file_is_refused_and_left_alone(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('feed = "sim\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"config\.toml"):
        update_config(path, {"port": 1})
    assert path.read_text(encoding="utf-8") == 'feed = "sim\n'
