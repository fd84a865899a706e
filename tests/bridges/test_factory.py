"""Bridge factory and settings."""

from __future__ import annotations

import pytest

from bridges.config import ExternalClose, Mt5Config
from bridges.factory import make_bridge_feed, make_bridges, make_mirror, make_mirror_service
from bridges.mt5.feed import Mt5Feed
from bridges.mt5.mirror import Mt5Mirror
from bridges.zmq.feed import ZmqFeed
from bridges.zmq.mirror import ZmqMirror
from engine.bus import EventBus
from engine.errors import ValidationError
from terminal.settings import Settings


def settings_of(**flat: object) -> Settings:
    """The composition root's settings from flat keys, as the config file or the environment give them."""
    return Settings.load(flat)


def test_make_mirror_off_returns_none():
    assert make_mirror(settings_of()) is None
    assert make_mirror(settings_of(mirror="off")) is None


def test_unknown_mirror_venue_names_field():
    with pytest.raises(ValidationError) as err:
        settings_of(mirror="mt4")
    assert err.value.field == "mirror"


def test_make_bridges_shares_one_client_per_venue():
    bridges = make_bridges(settings_of(feed="zmq", mirror="zmq", zmq_host="10.0.0.5", zmq_push_port=40000))
    assert isinstance(bridges.feed, ZmqFeed) and isinstance(bridges.mirror, ZmqMirror)
    assert bridges.feed.client is bridges.mirror.client
    assert bridges.mirror.client.config.endpoint(40000) == "tcp://10.0.0.5:40000"
    mixed = make_bridges(settings_of(feed="yahoo", mirror="mt5", mt5_login="5012345"))
    assert mixed.feed is None and isinstance(mixed.mirror, Mt5Mirror)
    assert mixed.mirror.client.config.login == 5012345


def test_make_bridges_gives_the_auto_rotation_the_mirrors_client():
    bridges = make_bridges(settings_of(feed="auto", mirror="zmq", metatrader_prices="first"))
    assert bridges.feed is None and isinstance(bridges.price_source, ZmqFeed) and bridges.price_first
    assert bridges.price_source.client is bridges.mirror.client
    assert make_bridges(settings_of(feed="auto", mirror="zmq", metatrader_prices="off")).price_source is None
    assert make_bridges(settings_of(feed="zmq", mirror="mt5")).price_source is None


def test_build_runtime_hands_the_mirror_the_feeds_client(tmp_path):
    from terminal.settings import Settings
    from terminal.wiring import build_runtime

    settings = Settings.load({"db": str(tmp_path / "paper.db"), "feed": "zmq", "mirror": "zmq"})
    runtime = build_runtime(settings, plugins=())
    try:
        assert runtime.bridges is not None and runtime.feed is runtime.bridges.feed
        assert runtime.bridges.mirror.client is runtime.feed.client
    finally:
        runtime.journal.close()


def test_make_bridge_feed_mt5():
    assert isinstance(make_bridge_feed(settings_of(feed="mt5")), Mt5Feed)


def test_settings_come_from_the_environment_by_their_flat_key(monkeypatch):
    monkeypatch.setenv("PAPER_TERMINAL_MIRROR_MAGIC", "4242")
    monkeypatch.setenv("PAPER_TERMINAL_MIRROR_SYMBOL_MAP", '{"eurusd": "EURUSD.pro"}')
    monkeypatch.setenv("PAPER_TERMINAL_MIRROR_ON_EXTERNAL_CLOSE", "follow")
    options = settings_of().metatrader
    assert options.magic == 4242 and options.symbol_map == {"EURUSD": "EURUSD.pro"}
    assert options.on_external_close is ExternalClose.FOLLOW


@pytest.mark.parametrize(
    ("key", "value"),
    [("zmq_push_port", 70000), ("mirror_magic", 0), ("mirror_symbol_map", "EURUSD=EURUSD.m"), ("mt5_login", -1)],
)
def test_bad_settings_name_the_setting(key, value):
    with pytest.raises(ValidationError) as err:
        settings_of(**{key: value})
    assert err.value.field == key and key in err.value.message


def test_mt5_config_holds_no_password():
    # the password is never a setting: keyring or environment
    settings = settings_of(mt5_login=1, mt5_server="Demo", mt5_password="hunter2")
    assert settings.mt5 == Mt5Config(login=1, server="Demo")
    assert "hunter2" not in repr(settings) and "password" not in repr(settings.mt5)


def test_make_mirror_service_applies_pause_and_follow():
    settings = settings_of(mirror="zmq", mirror_paused=True, mirror_on_external_close="follow")
    service = make_mirror_service(settings, EventBus(), make_mirror(settings))
    assert service.paused and service.on_external_close is ExternalClose.FOLLOW


@pytest.mark.parametrize(("position", "first"), [(None, False), ("last", False), ("first", True)])
def test_make_price_source_is_the_mirror_venues_feed_for_auto(position, first):
    from bridges.factory import make_price_source

    flat = {"feed": "auto", "mirror": "zmq", "metatrader_prices": position}
    feed, goes_first = make_price_source(settings_of(**flat))
    assert isinstance(feed, ZmqFeed) and goes_first is first
    assert make_price_source(settings_of(feed="auto", mirror="mt5"))[0].__class__ is Mt5Feed
    assert make_price_source(settings_of(**{**flat, "metatrader_prices": "off"})) is None
    assert make_price_source(settings_of(feed="yahoo", mirror="zmq")) is None
    assert make_price_source(settings_of(feed="auto")) is None


def test_an_unknown_price_position_is_refused_naming_the_setting():
    with pytest.raises(ValidationError) as err:
        settings_of(feed="auto", mirror="zmq", metatrader_prices="middle")
    assert err.value.field == "metatrader_prices"


def test_wiring_puts_metatrader_in_the_auto_rotation_behind_or_ahead(monkeypatch):
    from datafeeds.aggregator.aggregator import AggregatedFeed
    from terminal.wiring import make_feed

    settings = settings_of(feed="auto", mirror="zmq")
    feed = make_feed(settings)
    assert isinstance(feed, AggregatedFeed) and isinstance(feed.sources[0], ZmqFeed)
    assert feed.priority[-1] == "metatrader" and feed.priority[0] == "yahoo"
    assert make_feed(settings_of(feed="auto", mirror="zmq", metatrader_prices="first")).priority[0] == "metatrader"
    assert make_feed(settings_of(feed="auto")).sources == ()
