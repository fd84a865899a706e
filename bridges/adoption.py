"""What reconciliation does with each venue position carrying our magic number.

``sort_positions`` looks at the positions a mirror reports after (re)connecting
and at what the terminal knows (tickets already mirrored, active paper
trades, closed paper trades whose venue close failed) and sorts them:

- ``adopt``: the tagged mirror of an active paper trade that has no ticket
  yet (its answer was lost or garbled, or the terminal stopped before it was
  recorded): the service records the ticket on the trade;
- ``resume``: the still-open position of a paper trade that was closed while
  its venue close failed: the close is retried;
- ``heirs``: MT4's ``from #<ticket>`` continuation of a mirrored ticket (a
  partial close whose answer was lost): the trade follows the new ticket;
- ``unverified``: tagged like an active trade, but the server clock offset is
  unknown and the position may be older than the trade: left alone until the
  offset is known (``bridges.tagging.Match.UNKNOWN``);
- ``orphans``: everything else tagged: left alone, counted.

A tagged position is adopted only when it is certainly not older than the
paper trade; a trade that already has a ticket keeps it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from bridges.clock import ServerClock
from bridges.tagging import Match, heir_of, match
from engine.ports import MirrorPosition
from engine.values import TradeRecord


@dataclass
class Sorted:
    adopt: dict[int, MirrorPosition] = field(default_factory=dict)
    resume: dict[int, tuple[TradeRecord, MirrorPosition]] = field(default_factory=dict)
    heirs: dict[int, MirrorPosition] = field(default_factory=dict)
    unverified: list[MirrorPosition] = field(default_factory=list)
    orphans: list[MirrorPosition] = field(default_factory=list)


def sort_positions(
    positions: Iterable[MirrorPosition],
    tickets: Mapping[int, str],
    active: Mapping[int, TradeRecord] | None,
    close_failed: Mapping[int, TradeRecord],
    clock: ServerClock | None,
) -> Sorted:
    """Sort venue positions (see the module docstring); ``tickets`` maps paper ids to known tickets."""
    out = Sorted()
    present = {p.ticket: p for p in positions}
    claimed = set(tickets.values())
    for trade_id, ticket in tickets.items():
        if ticket in present:
            continue
        heir = next((p for p in present.values() if heir_of(str(p.extra.get("comment", ""))) == ticket), None)
        if heir is not None and heir.ticket not in claimed:
            out.heirs[trade_id] = heir
            claimed.add(heir.ticket)
    for p in present.values():
        if p.ticket in claimed or p.paper_trade_id is None:
            continue
        trade_id = p.paper_trade_id
        failed = close_failed.get(trade_id)
        if failed is not None and failed.mirror_ticket == p.ticket:
            out.resume[trade_id] = (failed, p)
            continue
        trade = active.get(trade_id) if active is not None else None
        if trade is None or trade_id in tickets or trade_id in out.adopt:
            out.orphans.append(p)
            continue
        verdict = match(p, trade, clock)
        if verdict is Match.YES:
            out.adopt[trade_id] = p
        elif verdict is Match.UNKNOWN:
            out.unverified.append(p)
        else:
            out.orphans.append(p)
    return out
