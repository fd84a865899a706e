import asyncio
from datetime import datetime, timezone

from engine.bus import EventBus
from engine.events import Event, PriceUpdated, TradeModified
from engine.values import Quote


def _quote() -> Quote:
    return Quote("EURUSD", 1.1, 1.1001, datetime(2026, 1, 5, tzinfo=timezone.utc))


def test_bus_handler_failure_is_isolated_and_others_still_run():
    bus = EventBus()
    seen: list[str] = []

    def broken(event):
        raise RuntimeError("boom")

    bus.subscribe(PriceUpdated, broken)
    bus.subscribe(PriceUpdated, lambda e: seen.append("typed"))
    bus.subscribe(Event, lambda e: seen.append("all"))
    bus.subscribe(TradeModified, lambda e: seen.append("wrong type"))
    bus.publish(PriceUpdated(_quote()))
    assert seen == ["typed", "all"]


def test_bus_unsubscribe_stops_delivery():
    bus = EventBus()
    seen = []
    unsubscribe = bus.subscribe(PriceUpdated, seen.append)
    unsubscribe()
    bus.publish(PriceUpdated(_quote()))
    assert seen == []


async def test_bus_async_handler_runs_as_owned_task():
    bus = EventBus()
    seen = []

    async def handler(event):
        await asyncio.sleep(0)
        seen.append(event)

    bus.subscribe(PriceUpdated, handler)
    event = PriceUpdated(_quote())
    bus.publish(event)
    await bus.drain()
    assert seen == [event]
