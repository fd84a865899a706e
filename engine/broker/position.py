"""The broker's mutable state of one active trade or pending order.

A ``Position`` lives only inside ``PaperBroker``; the outside world sees
frozen ``TradeRecord`` snapshots made by ``record()``.
"""

from __future__ import annotations

from dataclasses import fields
from datetime import datetime
from decimal import Decimal
from typing import Any

from engine.instruments import InstrumentSpec
from engine.values import CloseReason, OrderType, Side, TradeRecord, TradeStatus

ZERO = Decimal("0.00")

# TradeRecord's fields in the order ``Position.record`` lists their values.
_FIELDS = (
    "id",
    "symbol",
    "side",
    "order_type",
    "status",
    "lots",
    "requested_price",
    "entry_price",
    "sl",
    "tp",
    "trailing_pips",
    "open_time",
    "close_time",
    "close_price",
    "close_reason",
    "pips",
    "pnl",
    "commission",
    "swap",
    "mfe_pips",
    "mae_pips",
    "signal_id",
    "parent_id",
    "comment",
    "created_at",
    "expires_at",
    "mirror_ticket",
    "mirror_state",
)
# The slot setters of those fields, or None when TradeRecord no longer matches them exactly
# (a field added, or a __post_init__): then records go through the normal constructor.
_SETTERS = (
    tuple(TradeRecord.__dict__[name].__set__ for name in _FIELDS)
    if tuple(f.name for f in fields(TradeRecord)) == _FIELDS and "__post_init__" not in TradeRecord.__dict__
    else None
)


def make_record(values: tuple[Any, ...]) -> TradeRecord:
    """The ``TradeRecord`` of ``values`` (in ``_FIELDS`` order).

    Equal to ``TradeRecord(*values)``, about twice as fast: it fills the slots
    directly instead of going through the frozen dataclass ``__init__`` (one
    ``object.__setattr__`` call per field). The broker builds two records per
    trade, so this is on the replay's hot path.
    """
    if _SETTERS is None:
        return TradeRecord(**dict(zip(_FIELDS, values, strict=True)))
    record = object.__new__(TradeRecord)
    for setter, value in zip(_SETTERS, values, strict=True):
        setter(record, value)
    return record


class Position:
    """One open trade or pending order (prices are floats on the symbol's digits)."""

    __slots__ = (
        "id",
        "spec",
        "side",
        "sign",
        "order_type",
        "status",
        "lots",
        "lots_f",
        "requested_price",
        "entry",
        "sl",
        "tp",
        "trailing_pips",
        "trail_dist",
        "trail_key",
        "trailed",
        "open_time",
        "created_at",
        "expires_at",
        "commission",
        "swap",
        "signal_id",
        "parent_id",
        "comment",
        "segment",
        "mfe0",
        "mae0",
        "mirror_ticket",
        "mirror_state",
    )

    def __init__(
        self,
        *,
        id: int,
        spec: InstrumentSpec,
        side: Side,
        order_type: OrderType,
        status: TradeStatus,
        lots: Decimal,
        requested_price: float | None,
        sl: float | None,
        tp: float | None,
        trailing_pips: float | None,
        created_at: datetime | None,
        expires_at: datetime | None,
        signal_id: int | None,
        parent_id: int | None,
        comment: str,
    ) -> None:
        self.id = id
        self.spec = spec
        self.side = side
        self.sign = side.sign
        self.order_type = order_type
        self.status = status
        self.lots = lots
        self.lots_f = float(lots)
        self.requested_price = requested_price
        self.entry: float | None = None
        self.sl = sl
        self.tp = tp
        self.trailing_pips: float | None = None
        self.trail_dist = 0.0
        self.trail_key: float | None = None
        self.trailed = False
        self.set_trailing(trailing_pips)
        self.open_time: datetime | None = None
        self.created_at = created_at
        self.expires_at = expires_at
        self.commission = ZERO
        self.swap = ZERO
        self.signal_id = signal_id
        self.parent_id = parent_id
        self.comment = comment
        self.segment = 0
        self.mfe0 = 0.0
        self.mae0 = 0.0
        self.mirror_ticket: str | None = None
        self.mirror_state: str | None = None

    def set_trailing(self, pips: float | None) -> None:
        """Set the trailing distance in pips (None switches trailing off)."""
        self.trailing_pips = pips
        self.trail_dist = 0.0 if pips is None else pips * self.spec.pip_size

    def next_trail_level(self) -> float | None:
        """Return the price beyond which the trailing stop moves (bid for a buy, ask for a sell).

        Rule: the stop follows the best price at ``trailing_pips`` behind it,
        moves only in the trade's favour, and starts only once the trade is
        more than ``trailing_pips`` in profit (so the first trailed stop is
        beyond the entry), as MetaTrader's trailing stop does.
        """
        if self.trailing_pips is None or self.entry is None:
            return None
        if self.sign > 0:
            anchor = self.entry if self.sl is None else max(self.sl, self.entry)
            return anchor + self.trail_dist
        anchor = self.entry if self.sl is None else min(self.sl, self.entry)
        return anchor - self.trail_dist

    def record(
        self,
        *,
        status: TradeStatus | None = None,
        lots: Decimal | None = None,
        id: int | None = None,
        parent_id: int | None = None,
        close_time: datetime | None = None,
        close_price: float | None = None,
        close_reason: CloseReason | None = None,
        pips: float = 0.0,
        pnl: Decimal = ZERO,
        commission: Decimal | None = None,
        swap: Decimal | None = None,
        mfe: float = 0.0,
        mae: float = 0.0,
    ) -> TradeRecord:
        """Return a frozen snapshot; keyword arguments override the live values."""
        return make_record(
            (
                self.id if id is None else id,
                self.spec.symbol,
                self.side,
                self.order_type,
                self.status if status is None else status,
                self.lots if lots is None else lots,
                self.requested_price,
                self.entry,
                self.sl,
                self.tp,
                self.trailing_pips,
                self.open_time,
                close_time,
                close_price,
                close_reason,
                pips,
                pnl,
                self.commission if commission is None else commission,
                self.swap if swap is None else swap,
                mfe,
                mae,
                self.signal_id,
                self.parent_id if parent_id is None else parent_id,
                self.comment,
                self.created_at,
                self.expires_at,
                self.mirror_ticket,
                self.mirror_state,
            )
        )
