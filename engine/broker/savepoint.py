"""Savepoints of the paper broker: undo a command whose journal write failed.

The engine applies a command (place, modify, close, mirror state) to the
broker, then writes the resulting records; if the write fails the command must
not stay applied. Before the command the engine takes a ``Savepoint``: the
balance, the next id, and the records of the trades the command may touch —
O(1), nothing on the price path. ``roll_back`` then rebuilds the broker with
``PaperBroker.restore``: every trade the command did not touch keeps its
current record (excursions included), touched trades get their earlier record
back, and trades the command created disappear. It costs one ``restore``
(O(n log n) in the active trades) and runs only after a failed write.

Prices are not part of a savepoint: no quote reaches the broker between the
savepoint and the roll-back (the engine's state lock is held throughout).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from engine.errors import NotFound
from engine.values import TradeRecord

if TYPE_CHECKING:
    from engine.broker.broker import PaperBroker


@dataclass(frozen=True, slots=True)
class Savepoint:
    """The broker before a command: balance, ids, and the touched trades' records."""

    balance: Decimal
    initial_balance: Decimal
    next_id: int
    touched: dict[int, TradeRecord] = field(default_factory=dict)
    trailed: frozenset[int] = frozenset()  # touched trades whose stop a trailing stop has moved


def take(broker: PaperBroker, trade_ids: Iterable[int] = ()) -> Savepoint:
    """A savepoint of ``broker`` before a command on ``trade_ids`` (ids not active are skipped)."""
    touched: dict[int, TradeRecord] = {}
    for trade_id in trade_ids:
        try:
            touched[trade_id] = broker.trade(trade_id)
        except NotFound:
            continue  # the command will refuse it before changing anything
    trailed = frozenset(i for i in touched if broker._positions[i].trailed)
    return Savepoint(
        balance=broker._balance,
        initial_balance=broker._initial,
        next_id=broker.next_id,
        touched=touched,
        trailed=trailed,
    )


def roll_back(broker: PaperBroker, point: Savepoint) -> None:
    """Bring ``broker`` back to ``point``: undo the one command run since (see the module docstring)."""
    finished = {i for i in broker._finished if i < point.next_id and i not in point.touched}
    trailed = {i for i, pos in broker._positions.items() if pos.trailed and i not in point.touched}
    trailed |= point.trailed
    keep = {record.id: record for record in broker.active_trades() if record.id < point.next_id}
    keep.update(point.touched)
    broker.restore(point.balance, [keep[i] for i in sorted(keep)], point.next_id, initial_balance=point.initial_balance)
    broker._finished |= finished
    for trade_id, pos in broker._positions.items():  # restore() can only guess who trailed from the stop
        pos.trailed = trade_id in trailed
