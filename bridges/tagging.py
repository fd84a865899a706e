"""How a mirrored order is tagged so it can be found again, and when a tagged position is ours.

Every order the terminal sends carries the configured magic number and the
comment ``pt:<paper trade id>``. Reconciliation matches a venue position to
its paper trade by both; the comment is short because MetaTrader keeps at
most 31 characters and some brokers append text (``[sl 1.0850]``). On MT4 a
partial close leaves the rest under a new ticket commented ``from #<old>``.
"""

from __future__ import annotations

import enum
import re
from datetime import timedelta

from bridges.clock import ServerClock
from engine.ports import MirrorPosition
from engine.values import TradeRecord

COMMENT_PREFIX = "pt:"
_PAPER_ID = re.compile(r"pt:(\d+)")
_HEIR = re.compile(r"from #(\d+)")


def paper_comment(trade_id: int) -> str:
    """Return the order comment that names paper trade ``trade_id``."""
    if trade_id < 0:
        raise ValueError(f"trade id must be >= 0, got {trade_id}")
    return f"{COMMENT_PREFIX}{trade_id}"


def paper_id_from_comment(comment: str | None) -> int | None:
    """Return the paper trade id a comment names, or None when it names none."""
    if not comment:
        return None
    match = _PAPER_ID.search(comment)
    return int(match.group(1)) if match else None


def heir_of(comment: str | None) -> str | None:
    """The ticket an MT4 ``from #<ticket>`` comment says this order continues, or None."""
    match = _HEIR.search(comment or "")
    return match.group(1) if match else None


#: How much earlier than the paper trade a venue position may look and still be its mirror
#: (PC and broker clocks differ a little; the order reaches the venue after the paper fill).
MATCH_TOLERANCE = timedelta(minutes=10)


class Match(enum.Enum):
    YES = "yes"
    NO = "no"
    UNKNOWN = "unknown"  # the server clock offset is unknown and the age could go either way


def match(position: MirrorPosition, trade: TradeRecord, clock: ServerClock | None = None) -> Match:
    """Whether a venue position tagged with ``trade``'s id really is its mirror.

    A new journal numbers its trades from 1 again, so a tag alone could match
    a position left by an earlier journal: symbol and side must match, and the
    position must not be older than the paper trade (``created_at``, less
    ``MATCH_TOLERANCE``). The position's time is server time
    (``extra["server_epoch"]``): with the offset unknown it may stand for any
    UTC time within ±14 h, and the answer is ``UNKNOWN`` unless that whole
    window is on one side of the trade's time.
    """
    if position.paper_trade_id != trade.id or position.symbol != trade.symbol or position.side != trade.side:
        return Match.NO
    reference = trade.created_at or trade.open_time
    if reference is None:
        return Match.YES
    server_epoch = position.extra.get("server_epoch")
    if isinstance(server_epoch, (int, float)) and clock is not None:
        earliest, latest = clock.possible_utc(float(server_epoch))
    elif position.open_time is not None:
        earliest = latest = position.open_time
    else:
        return Match.YES
    floor = reference - MATCH_TOLERANCE
    if latest < floor:
        return Match.NO
    return Match.YES if earliest >= floor else Match.UNKNOWN


def belongs_to(position: MirrorPosition, trade: TradeRecord, clock: ServerClock | None = None) -> bool:
    """True only when ``match`` is sure the position is ``trade``'s mirror."""
    return match(position, trade, clock) is Match.YES
