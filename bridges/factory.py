"""Builds the bridges the settings ask for (``--mirror mt5|zmq``, ``--feed mt5|zmq``).

``make_bridges`` is the composition root's entry (``terminal.wiring``): it
builds every MetaTrader part the settings ask for at once, so parts that use
the same venue share ONE client (the MetaTrader5 package is one process-wide
link; a DWX EA deals replies round-robin among connected clients): the
``--feed mt5|zmq`` feed, the ``--mirror`` mirror and, with ``--feed auto``,
the mirror venue's prices for the rotation (setting ``metatrader_prices``:
``last``, the default, behind the free providers; ``first``, ahead of them;
``off``). ``start_mirror_service`` then starts the mirror on the engine.
``make_mirror``, ``make_bridge_feed`` and ``make_price_source`` build one part.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bridges.closes import ClosedTrades
from bridges.config import BridgeSettings
from bridges.mt5.client import Mt5Client
from bridges.mt5.feed import Mt5Feed
from bridges.mt5.mirror import Mt5Mirror
from bridges.sync import MirrorService, RecordState
from bridges.zmq.client import ZmqClient
from bridges.zmq.feed import ZmqFeed
from bridges.zmq.mirror import ZmqMirror
from engine.bus import EventBus
from engine.errors import ValidationError
from engine.ports import PriceFeed, TradeMirror
from engine.values import TradeRecord

if TYPE_CHECKING:
    from engine.service import TradingEngine

VENUES = ("mt5", "zmq")
#: How many of the newest closed paper trades are checked at each connect for a close MetaTrader has not done.
RESUME_HORIZON = 200


def _venue(value: Any, field: str) -> str | None:
    if value is None or str(value).strip().lower() in ("", "off", "none"):
        return None
    venue = str(value).strip().lower()
    if venue not in VENUES:
        raise ValidationError(f"{field} must be mt5 or zmq, not {value!r}", field=field)
    return venue


def make_client(venue: str, settings: BridgeSettings) -> Mt5Client | ZmqClient:
    """A client for ``venue`` configured from ``settings``."""
    if venue == "mt5":
        return Mt5Client(settings.mt5)
    return ZmqClient(settings.zmq)


def make_mirror(settings: BridgeSettings, client: Mt5Client | ZmqClient | None = None) -> TradeMirror | None:
    """The mirror of ``settings.mirror`` (None when mirroring is off)."""
    venue = _venue(settings.mirror, "mirror")
    if venue is None:
        return None
    options = settings.metatrader
    client = client or make_client(venue, settings)
    if venue == "mt5":
        assert isinstance(client, Mt5Client)
        return Mt5Mirror(client, options)
    assert isinstance(client, ZmqClient)
    return ZmqMirror(client, options)


def make_bridge_feed(settings: BridgeSettings, client: Mt5Client | ZmqClient | None = None) -> PriceFeed:
    """The MetaTrader price feed of ``settings.feed`` (``mt5`` or ``zmq``)."""
    venue = _venue(settings.feed, "feed")
    if venue is None:
        raise ValidationError("feed must be mt5 or zmq for a MetaTrader feed", field="feed")
    options = settings.metatrader
    client = client or make_client(venue, settings)
    if venue == "mt5":
        assert isinstance(client, Mt5Client)
        return Mt5Feed(client, options)
    assert isinstance(client, ZmqClient)
    return ZmqFeed(client, options)


def make_price_source(
    settings: BridgeSettings, client: Mt5Client | ZmqClient | None = None
) -> tuple[PriceFeed, bool] | None:
    """The mirror venue's feed for the ``auto`` rotation and whether it goes first; None when not wanted.

    Only with ``--mirror mt5|zmq`` and ``--feed auto``: MetaTrader's prices
    are then one more provider, as the original system's "MT price data as
    fallback". ``make_bridges`` hands it the mirror's client.
    """
    venue = _venue(settings.mirror, "mirror")
    if venue is None or settings.feed != "auto":
        return None
    position = settings.metatrader.prices
    if position == "off":
        return None
    options = settings.metatrader
    client = client or make_client(venue, settings)
    feed: PriceFeed = Mt5Feed(client, options) if isinstance(client, Mt5Client) else ZmqFeed(client, options)
    return feed, position == "first"


@dataclass(frozen=True)
class Bridges:
    """The MetaTrader parts of one process (``make_bridges``); None where the settings ask for none.

    ``feed``: the ``--feed mt5|zmq`` price feed. ``mirror``: the ``--mirror``
    mirror. ``price_source``: with ``--feed auto``, the mirror venue's prices
    for the rotation, ahead of the free providers when ``price_first``.
    """

    feed: PriceFeed | None
    mirror: TradeMirror | None
    price_source: PriceFeed | None = None
    price_first: bool = False


def make_bridges(settings: BridgeSettings) -> Bridges:
    """Every MetaTrader part ``settings`` asks for, sharing one client per venue (module docstring)."""
    feed_name = settings.feed
    feed_venue = feed_name if feed_name in VENUES else None  # other feeds are datafeeds' business
    mirror_venue = _venue(settings.mirror, "mirror")
    clients: dict[str, Mt5Client | ZmqClient] = {}

    def client(venue: str) -> Mt5Client | ZmqClient:
        if venue not in clients:
            clients[venue] = make_client(venue, settings)
        return clients[venue]

    feed = make_bridge_feed(settings, client(feed_venue)) if feed_venue else None
    mirror = make_mirror(settings, client(mirror_venue)) if mirror_venue else None
    source = make_price_source(settings, client(mirror_venue)) if mirror_venue else None
    return Bridges(
        feed=feed,
        mirror=mirror,
        price_source=source[0] if source is not None else None,
        price_first=source is not None and source[1],
    )


def make_mirror_service(
    settings: BridgeSettings,
    bus: EventBus,
    mirror: TradeMirror,
    *,
    record_state: RecordState | None = None,
    close_paper: Callable[[int], Awaitable[Any]] | None = None,
    active_trades: Callable[[], Iterable[TradeRecord]] | None = None,
    closed_trades: ClosedTrades | None = None,
) -> MirrorService:
    """A MirrorService with the pause and external-close settings applied.

    Wiring with the engine: ``record_state=engine.set_mirror_state``,
    ``close_paper=engine.close_trade``, ``active_trades=engine.active_trades``,
    ``closed_trades`` (recent closed trades, to resume closes MetaTrader has not
    done), then ``engine.register_status_source(lambda: [service.status()])``.
    """
    options = settings.metatrader
    return MirrorService(
        bus,
        mirror,
        record_state=record_state,
        close_paper=close_paper,
        on_external_close=options.on_external_close,
        paused=options.paused,
        active_trades=active_trades,
        closed_trades=closed_trades,
    )


async def start_mirror_service(settings: BridgeSettings, engine: TradingEngine, mirror: TradeMirror) -> MirrorService:
    """Start ``mirror`` (``make_bridges(settings).mirror``) as a ``MirrorService`` on a ``TradingEngine``.

    The service records states with ``engine.set_mirror_state``, follows
    MetaTrader closes with ``engine.close_trade`` (when
    ``mirror_on_external_close = follow``), resumes closes MetaTrader has not
    done among the ``RESUME_HORIZON`` newest closed trades, and adds its
    status to ``engine.feeds_status()``. Stop it with ``await service.stop()``.
    """

    async def recent_closed() -> list[TradeRecord]:
        trades: list[TradeRecord] = (await engine.list_trades(status="closed", limit=RESUME_HORIZON))[0]
        return trades

    service = make_mirror_service(
        settings,
        engine.bus,
        mirror,
        record_state=engine.set_mirror_state,
        close_paper=engine.close_trade,
        active_trades=engine.active_trades,
        closed_trades=recent_closed,
    )
    engine.register_status_source(service.status)
    await service.start()
    return service
