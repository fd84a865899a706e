"""What a mirror command does at the venue, checked after its answer was lost or garbled (both venues).

When a command gets no answer (a DWX ``BridgeTimeout``, an MT5 ``order_send``
lost with the IPC link) or an unparseable one (``BadPayload``, an MT5 result
without a ticket), the venue may or may not have carried it out. The mirror
then reconciles (``GET_OPEN_TRADES``, ``positions_get``/``orders_get``) and
asks the command's ``Effect`` whether it shows; only when it does not is the
command sent again (once).

- ``Opening``: a position tagged ``pt:<id>`` with the trade's symbol, side and
  lots whose server stamp puts its fill between the moment the order left and
  now (the one half-hour offset ``bridges.clock.fill_offset`` finds, equal to
  the known offset when there is one). That also teaches the clock its offset.
- ``Closing``: the ticket is gone.
- ``Shrinking``: the ticket (or its MT4 heir ``from #<ticket>``) holds no more
  than the lots that should be left, or is gone.
- ``Modifying``: the position's SL and TP are the wanted ones (to half a point).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from bridges.clock import SKEW, ServerClock, fill_offset
from bridges.tagging import heir_of
from engine.ports import MirrorPosition
from engine.values import TradeRecord


@dataclass(frozen=True, slots=True)
class Opening:
    trade: TradeRecord
    sent_at: datetime

    def found(self, positions: Mapping[str, MirrorPosition], clock: ServerClock) -> MirrorPosition | None:
        """The position this open created (learning the server clock from it), or None when it is not there.

        With the offset known, the fill's UTC time must lie between the send
        and now (± ``SKEW``). Unknown, the one half-hour offset that puts it
        there is learnt; when the window is too wide for one (a long outage)
        the position is taken if it may be that recent at all.
        """
        now = datetime.now(timezone.utc)
        low, high = self.sent_at - timedelta(seconds=SKEW), now + timedelta(seconds=SKEW)
        best: tuple[float, MirrorPosition, int | None] | None = None
        for p in positions.values():
            if (
                p.paper_trade_id != self.trade.id
                or p.symbol != self.trade.symbol
                or p.side != self.trade.side
                or p.lots != Decimal(self.trade.lots)
            ):
                continue
            server_epoch = p.extra.get("server_epoch")
            if not isinstance(server_epoch, (int, float)):
                continue
            offset = None
            if clock.is_known:
                if not low <= clock.to_utc(server_epoch) <= high:
                    continue  # not filled while this order was on its way: an older position
            else:
                offset = fill_offset(float(server_epoch), self.sent_at, now)
                if offset is None and clock.possible_utc(float(server_epoch))[1] < low:
                    continue
            if best is None or server_epoch > best[0]:
                best = (float(server_epoch), p, offset)
        if best is None:
            return None
        if best[2] is not None:
            clock.learn_from_fill(best[0], self.sent_at, now, what="a fill found after its answer was lost")
        return best[1]


@dataclass(frozen=True, slots=True)
class Closing:
    ticket: str

    def done(self, positions: Mapping[str, MirrorPosition]) -> bool:
        return self.ticket not in positions


@dataclass(frozen=True, slots=True)
class Shrinking:
    ticket: str
    lots_left: Decimal

    def done(self, positions: Mapping[str, MirrorPosition]) -> bool:
        now = positions.get(self.ticket)
        if now is None:
            now = next((p for p in positions.values() if heir_of(str(p.extra.get("comment", ""))) == self.ticket), None)
        return now is None or now.lots <= self.lots_left


@dataclass(frozen=True, slots=True)
class Modifying:
    ticket: str
    sl: float | None
    tp: float | None
    point: float

    def done(self, positions: Mapping[str, MirrorPosition]) -> bool:
        now = positions.get(self.ticket)
        if now is None:
            return False
        return (
            abs((now.sl or 0.0) - (self.sl or 0.0)) < self.point / 2
            and abs((now.tp or 0.0) - (self.tp or 0.0)) < self.point / 2
        )
