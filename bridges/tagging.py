"""How a mirrored order is tagged so it can be found again.

Every order the terminal sends carries the configured magic number and the
comment ``pt:<paper trade id>``. Reconciliation matches a venue position to
its paper trade by both; the comment is short because MetaTrader keeps at
most 31 characters and some brokers append text (``[sl 1.0850]``).
"""

from __future__ import annotations

import re
from datetime import timedelta

from engine.ports import MirrorPosition
from engine.values import TradeRecord

COMMENT_PREFIX = "pt:"
_PAPER_ID = re.compile(r"pt:(\d+)")


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


#: How much earlier than the paper trade a venue position may look and still be its mirror
#: (clock offsets are rounded to the half hour; the order reaches the venue after the paper fill).
MATCH_TOLERANCE = timedelta(minutes=40)


def belongs_to(position: MirrorPosition, trade: TradeRecord, *, clock_known: bool = True) -> bool:
    """True when a venue position tagged with ``trade``'s id really is its mirror.

    A new journal numbers its trades from 1 again, so a tag alone could match
    a position left by an earlier journal: the symbol and side must match
    too, and (when the server clock offset is known) the position must not
    be older than the paper trade.
    """
    if position.paper_trade_id != trade.id or position.symbol != trade.symbol or position.side != trade.side:
        return False
    reference = trade.created_at or trade.open_time
    if clock_known and reference is not None and position.open_time is not None:
        return position.open_time >= reference - MATCH_TOLERANCE
    return True
