"""The trade's fields: ONE table, from which every view of a trade is generated.

``FIELDS`` lists each field once — its name, its kind (which says its unit and
its wire format), the label a table shows, its JSON type — and the views it
appears in:

- ``DESIGN``: DESIGN's trade, in DESIGN's order (the contract): the replay
  report's trades;
- ``WIRE``: the REST and WebSocket trade (``engine.api.serialize.trade_dict``,
  ``TradeOut`` in the OpenAPI document) and ``paper-terminal export`` (CSV and
  JSON): DESIGN's fields, then ``expires_at``, ``mirror_ticket``, ``mirror_state``;
- ``TABLE``: the columns of a table of trades (the window's History tab, the
  HTML report);
- ``SHEET``: the window's "Export CSV…" of its history: the wire fields and ``net``.

Wire formats by kind (``engine.wire``): prices on the symbol's digits, pips
(results) to 0.1, money to the cent, lots as a number, times ISO 8601 UTC with
milliseconds, enums by value. ``net`` = pnl − commission + swap is derived, not
stored. The journal stores every ``TradeRecord`` attribute
(``engine.journal.convert``); a field of ``FIELDS`` with ``stored`` true is one.
Add a field here (and to ``TradeRecord`` when it is stored) and every view has it.
"""

from __future__ import annotations

import csv
import enum
import io
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from engine.values import OrderType, Side, TradeRecord, TradeStatus
from engine.wire import cents, finite, price, when


class Kind(str, enum.Enum):
    """What a field holds, which fixes its unit and its wire format."""

    ID = "id"  # an integer id
    TEXT = "text"  # free text
    SIDE = "side"  # buy / sell
    ENUM = "enum"  # an enum's value (order type, status, close reason)
    LOTS = "lots"  # Decimal lots → number
    PRICE = "price"  # float on the symbol's digits
    PIPS = "pips"  # a result in pips, signed (+ gain), to 0.1
    DISTANCE = "distance"  # a distance in pips as given (trailing stop)
    MONEY = "money"  # Decimal in the account currency → number exact to the cent
    TIME = "time"  # UTC datetime → ISO 8601 with milliseconds


class View(str, enum.Enum):
    """Where a field appears (module docstring)."""

    DESIGN = "design"
    WIRE = "wire"
    TABLE = "table"
    SHEET = "sheet"


UNITS = {Kind.LOTS: "lots", Kind.PRICE: "price", Kind.PIPS: "pips", Kind.DISTANCE: "pips", Kind.MONEY: "currency"}
NUMERIC = frozenset({Kind.ID, Kind.LOTS, Kind.PRICE, Kind.PIPS, Kind.DISTANCE, Kind.MONEY})


def _enum_value(value: Any, symbol: str) -> Any:
    return None if value is None else value._value_


def _lots(value: Decimal, symbol: str) -> float:
    return float(value)


def _pips(value: float, symbol: str) -> float:
    return round(value, 1)


def _distance(value: float | None, symbol: str) -> float | None:
    return finite(value)


def _money(value: Decimal, symbol: str) -> float | None:
    return cents(value)


def _time(value: datetime | None, symbol: str) -> str | None:
    return when(value)


def _as_is(value: Any, symbol: str) -> Any:
    return value


def _net(trade: TradeRecord) -> Decimal:
    return trade.net


WIRE_FORMAT: dict[Kind, Callable[[Any, str], Any]] = {
    Kind.ID: _as_is,
    Kind.TEXT: _as_is,
    Kind.SIDE: _enum_value,
    Kind.ENUM: _enum_value,
    Kind.LOTS: _lots,
    Kind.PRICE: lambda value, symbol: price(symbol, value),
    Kind.PIPS: _pips,
    Kind.DISTANCE: _distance,
    Kind.MONEY: _money,
    Kind.TIME: _time,
}


@dataclass(frozen=True, slots=True)
class TradeField:
    """One field of a trade: ``name`` (the ``TradeRecord`` attribute and the JSON key), its ``kind``,
    the ``label`` a table shows, its ``json_type`` (the OpenAPI type), the ``views`` it appears in.

    ``get`` reads it from a ``TradeRecord`` (default: the attribute ``name``); ``stored`` says
    whether it is a ``TradeRecord`` attribute kept by the journal (false for derived fields).
    """

    name: str
    kind: Kind
    label: str
    json_type: Any
    views: frozenset[View]
    description: str = ""
    stored: bool = True
    get: Callable[[TradeRecord], Any] | None = field(default=None, compare=False)

    @property
    def unit(self) -> str:
        """``lots``, ``price``, ``pips``, ``currency`` (the account's) or ``""``."""
        return UNITS.get(self.kind, "")

    def value(self, trade: TradeRecord) -> Any:
        """The field's value in ``trade`` (a domain value: Decimal, datetime, enum...)."""
        return self.get(trade) if self.get is not None else getattr(trade, self.name)

    def wire(self, trade: TradeRecord) -> Any:
        """The field's JSON-native value in ``trade`` (module docstring)."""
        return WIRE_FORMAT[self.kind](self.value(trade), trade.symbol)


_D, _W, _T, _S = View.DESIGN, View.WIRE, View.TABLE, View.SHEET
_ALL = frozenset({_D, _W, _T, _S})
_CONTRACT = frozenset({_D, _W, _S})
_EXTRA = frozenset({_W, _S})

FIELDS: tuple[TradeField, ...] = (
    TradeField("id", Kind.ID, "#", int, _ALL),
    TradeField("symbol", Kind.TEXT, "Symbol", str, _ALL),
    TradeField("side", Kind.SIDE, "Side", Side, _ALL),
    TradeField("order_type", Kind.ENUM, "Type", OrderType, _CONTRACT),
    TradeField("status", Kind.ENUM, "Status", TradeStatus, _CONTRACT),
    TradeField("lots", Kind.LOTS, "Lots", float, _ALL),
    TradeField("requested_price", Kind.PRICE, "Requested", float | None, _CONTRACT),
    TradeField("entry_price", Kind.PRICE, "Entry", float | None, _ALL),
    TradeField("sl", Kind.PRICE, "SL", float | None, _ALL),
    TradeField("tp", Kind.PRICE, "TP", float | None, _ALL),
    TradeField("trailing_pips", Kind.DISTANCE, "Trailing", float | None, _CONTRACT),
    TradeField("open_time", Kind.TIME, "Opened", str | None, _ALL),
    TradeField("close_time", Kind.TIME, "Closed", str | None, _ALL),
    TradeField("close_price", Kind.PRICE, "Close", float | None, _ALL),
    TradeField("close_reason", Kind.ENUM, "Reason", str | None, _ALL),
    TradeField("pips", Kind.PIPS, "Pips", float, _ALL),
    TradeField("pnl", Kind.MONEY, "P&L", float, _CONTRACT),
    TradeField("commission", Kind.MONEY, "Commission", float, _ALL),
    TradeField("swap", Kind.MONEY, "Swap", float, _ALL),
    TradeField("net", Kind.MONEY, "Net", float, frozenset({_T, _S}), "pnl − commission + swap", stored=False, get=_net),
    TradeField("mfe_pips", Kind.PIPS, "MFE", float, _ALL),
    TradeField("mae_pips", Kind.PIPS, "MAE", float, _ALL),
    TradeField("signal_id", Kind.ID, "Signal", int | None, _CONTRACT),
    TradeField("parent_id", Kind.ID, "Parent", int | None, _CONTRACT),
    TradeField("comment", Kind.TEXT, "Comment", str, _CONTRACT),
    TradeField("created_at", Kind.TIME, "Created", str | None, frozenset()),
    TradeField("expires_at", Kind.TIME, "Expires", str | None, _EXTRA),
    TradeField(
        "mirror_ticket",
        Kind.TEXT,
        "MT ticket",
        str | None,
        _EXTRA,
        "MetaTrader ticket of the mirrored position or order",
    ),
    TradeField(
        "mirror_state",
        Kind.TEXT,
        "MT state",
        str | None,
        _EXTRA,
        "mirror state: open, pending, closed, cancelled, refused, modify_refused, "
        "close_failed (closed on paper, still open in MetaTrader: retried), closed_externally, "
        "not_mirrored, error; null when not mirrored",
    ),
)
"""Every field, in DESIGN's order (the derived ``net`` after ``swap``, as a table shows it)."""


def fields(view: View) -> tuple[TradeField, ...]:
    """The fields of ``view``, in order (read from ``FIELDS`` at each call)."""
    return tuple(f for f in FIELDS if view in f.views)


def names(view: View) -> tuple[str, ...]:
    """The field names of ``view``, in order."""
    return tuple(f.name for f in FIELDS if view in f.views)


def field_named(name: str) -> TradeField:
    """The field called ``name``; ``KeyError`` when there is none."""
    for f in FIELDS:
        if f.name == name:
            return f
    raise KeyError(name)


def to_json(trade: TradeRecord, view: View = View.WIRE) -> dict[str, Any]:
    """``trade`` as a JSON-native dict of ``view``'s fields (the REST trade for ``WIRE``)."""
    symbol = trade.symbol
    return {f.name: WIRE_FORMAT[f.kind](f.value(trade), symbol) for f in FIELDS if view in f.views}


def to_row(trade: TradeRecord, view: View = View.WIRE) -> list[str]:
    """One CSV row of ``trade``: the JSON value of each field of ``view`` as text, "" for null."""
    return ["" if value is None else str(value) for value in to_json(trade, view).values()]


def csv_text(trades: Iterable[TradeRecord], view: View = View.WIRE) -> str:
    """``trades`` as CSV: a header of ``view``'s field names, then one row each (``\\n`` line ends)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(names(view))
    writer.writerows(to_row(trade, view) for trade in trades)
    return buffer.getvalue()


def json_text(trades: Sequence[TradeRecord], view: View = View.WIRE) -> str:
    """``trades`` as a JSON array of ``to_json`` objects, indented by two, with a final newline."""
    return json.dumps([to_json(trade, view) for trade in trades], indent=2) + "\n"


def stored_names() -> tuple[str, ...]:
    """The ``TradeRecord`` attributes the journal keeps, in ``TradeRecord``'s order."""
    return tuple(f.name for f in FIELDS if f.stored)
