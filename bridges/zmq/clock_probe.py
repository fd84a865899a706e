"""Learn the broker's server time offset through a DWX EA: from our EA's heartbeat, or the forming bar.

The bundled EAs (``resources/mql``) add their clock to the heartbeat:
``_server_time``, ``_gmt_time`` and ``_server_clock``. MQL5's
``TimeTradeServer`` is the server's current time even on a closed market, so
its difference to ``TimeGMT`` IS the offset (``learn_from_heartbeat``);
MQL4's ``TimeCurrent`` is the last tick's time, a fresh stamp only while the
market is open. The stock DWX EA never sends its clock:

The EA answers ``HIST`` with bars stamped in server time. While the forex
market is surely open (``ServerClock.market_open``) the newest M5 bar of a
major pair is the forming one, a few minutes old at most, so its stamp is a
fresh market stamp (``ServerClock.observe``). The request spans ±14 h around
the UTC time so that it covers the present whatever the offset. On a closed
market nothing is estimated: the offset stays unknown until a fill is seen,
or ``server_utc_offset_hours`` is set.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from typing import Any

from bridges.clock import MAX_OFFSET, ServerClock
from bridges.errors import BridgeUnavailable
from bridges.zmq import protocol
from bridges.zmq.client import ZmqClient
from engine.errors import BadPayload

log = logging.getLogger(__name__)

PROBE_MINUTES = 5
HIST = frozenset({"HIST"})


def learn_from_heartbeat(clock: ServerClock, reply: dict[str, Any] | None) -> None:
    """Take what the bundled EAs' heartbeat says about their clock (nothing for the stock EA)."""
    reply = reply or {}
    stamp = reply.get("_server_time")
    if not stamp:
        return
    try:
        server = clock.naive_to_epoch(protocol.parse_server_time(str(stamp)))
        gmt = reply.get("_gmt_time")
        gmt_epoch = clock.naive_to_epoch(protocol.parse_server_time(str(gmt))) if gmt else None
    except BadPayload as exc:
        log.warning("ignoring the EA's clock: %s", exc)
        return
    if gmt_epoch is not None and reply.get("_server_clock") == "TimeTradeServer":
        clock.learn_exact(server - gmt_epoch, what="the EA's TimeTradeServer and TimeGMT")
    elif gmt_epoch is not None:  # TimeCurrent: the last tick; fresh only while the market is open
        clock.observe(server, datetime.fromtimestamp(gmt_epoch, tz=timezone.utc), what="the EA's TimeCurrent")
    else:
        clock.observe(server, what="the EA's _server_time")


async def probe_server_clock(client: ZmqClient, clock: ServerClock, broker_symbol: str) -> bool:
    """Try to estimate the offset from the newest M5 bar of ``broker_symbol``; return ``clock.is_known``."""
    now = datetime.now(timezone.utc)
    if clock.is_known or not clock.market_open(now):
        return clock.is_known
    span = timedelta(seconds=MAX_OFFSET + 600)
    naive = now.replace(tzinfo=None)
    command = protocol.hist_command(broker_symbol, PROBE_MINUTES, naive - span, naive + span)
    try:
        reply = await client.request(command, HIST)
        if protocol.refusal_of(reply) is not None:
            return False
        rows = protocol.parse_hist(reply)
    except (BridgeUnavailable, BadPayload) as exc:
        log.info("no bar to read the broker's clock from: %s", exc)
        return False
    if rows:
        newest = max(row.time for row in rows)
        clock.observe(
            clock.naive_to_epoch(newest), datetime.now(timezone.utc), what=f"the forming {broker_symbol} M5 bar"
        )
    return clock.is_known
