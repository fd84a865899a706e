"""MirrorService over the ZeroMQ mirror: a restarted EA never doubles a position."""

from __future__ import annotations

import asyncio

from bridges.config import MirrorOptions
from bridges.sync import MirrorService
from bridges.zmq.client import ZmqClient
from bridges.zmq.feed import ZmqFeed
from bridges.zmq.mirror import ZmqMirror
from engine.bus import EventBus
from engine.events import MirrorStateChanged, TradeOpened
from terminal.settings import Settings
from tests.bridges.conftest import MAGIC
from tests.kit import make_engine, mirrored_trade


async def test_service_over_restarting_ea_sends_each_open_once(fake_ea):
    bus = EventBus()
    states: list[MirrorStateChanged] = []
    bus.subscribe(MirrorStateChanged, states.append)
    client = ZmqClient(fake_ea.config())
    service = MirrorService(bus, ZmqMirror(client, MirrorOptions(magic=MAGIC)), watch_interval=0.1)
    await service.start()
    bus.publish(TradeOpened(mirrored_trade(1)))
    await asyncio.wait_for(service.drain(), 5)
    fake_ea.drop_reply_to.append("TRADE;OPEN")  # the next OPEN executes but its answer is lost…
    bus.publish(TradeOpened(mirrored_trade(2)))
    await asyncio.sleep(0.05)
    fake_ea.restart()  # …and the EA restarts meanwhile
    bus.publish(TradeOpened(mirrored_trade(3)))
    await asyncio.wait_for(service.drain(), 10)
    await service.stop()
    comments = sorted(t["_comment"] for t in fake_ea.trades.values())
    assert comments == ["pt:1", "pt:2", "pt:3"]
    assert [s.state for s in states] == ["open", "open", "open"]


async def test_feed_and_mirror_share_one_client_without_stealing_replies(fake_ea):
    client = ZmqClient(fake_ea.config())
    feed = ZmqFeed(client)
    mirror = ZmqMirror(client, MirrorOptions(magic=MAGIC))
    await feed.start(["EURUSD"])
    await mirror.connect()
    results = await asyncio.gather(*(mirror.open(mirrored_trade(i)) for i in range(10, 15)))
    assert all(r.ok for r in results) and len({r.ticket for r in results}) == 5
    await feed.stop()  # the mirror still holds the link
    assert await mirror.positions()
    await mirror.disconnect()
    assert not client.connected


async def test_metatrader_prices_in_the_rotation_share_the_mirrors_link(fake_ea, tmp_path):
    from bridges.factory import start_mirror_service
    from datafeeds.aggregator.aggregator import AggregatedFeed
    from datafeeds.providers.feed_source import FeedProvider

    settings = Settings.load(
        {
            "mirror": "zmq",
            "feed": "auto",
            "mirror_magic": MAGIC,
            "zmq_host": "127.0.0.1",
            "zmq_push_port": fake_ea.ports[0],
            "zmq_pull_port": fake_ea.ports[1],
            "zmq_sub_port": fake_ea.ports[2],
            "zmq_timeout": 1.0,
            "zmq_heartbeat": 0.2,
        }
    )
    from bridges.factory import make_bridges

    bridges = make_bridges(settings)
    source = bridges.price_source
    feed = AggregatedFeed(
        [FeedProvider("metatrader", source)],
        priority=("metatrader",),
        interval=0.2,
        state_path=tmp_path / "state.json",
        autopoll=False,
        sources=[source],
    )
    await feed.start(["EURUSD"])
    quotes = await feed.poll_once()
    assert [(q.symbol, q.bid, q.source) for q in quotes] == [("EURUSD", 1.1, "zmq")]
    engine = make_engine(tmp_path / "paper.db")
    await engine.start()
    service = await start_mirror_service(settings, engine, bridges.mirror)
    assert service.mirror.client is source.client  # one link: the EA deals replies round-robin
    await service.stop()
    assert source.client.connected  # the feed still holds it
    await feed.stop()
    await engine.stop()
    assert not source.client.connected
