"""Everything the broker keeps per symbol: last price, levels, exposure, extremes.

Exposure aggregates give the floating P&L and margin of all the symbol's open
trades in O(1) (prices in quote currency, C = contract size):

    floating = C × (Σbuy lots × bid − Σbuy lots×entry + Σsell lots×entry − Σsell lots × ask)
    margin   = C × (Σbuy lots + Σsell lots) × mid / leverage

both converted to the account currency with ``factor`` (see conversion.py).
"""

from __future__ import annotations

from datetime import datetime

from engine.broker.conversion import RatePath
from engine.broker.excursions import Excursions
from engine.broker.position import Position
from engine.broker.triggers import Levels
from engine.instruments import InstrumentSpec
from engine.values import Quote


class SymbolBook:
    """Per-symbol state of the broker (see the module doc)."""

    __slots__ = (
        "spec",
        "symbol",
        "bid",
        "ask",
        "time",
        "stale",
        "quote",
        "positions",
        "levels",
        "excursions",
        "n_open",
        "buy_lots",
        "buy_lots_entry",
        "sell_lots",
        "sell_lots_entry",
        "path",
        "dependants",
        "gross",
        "margin",
    )

    def __init__(self, spec: InstrumentSpec) -> None:
        self.spec = spec
        self.symbol = spec.symbol
        self.bid: float | None = None
        self.ask: float | None = None
        self.time: datetime | None = None
        self.stale = False
        self.quote: Quote | None = None
        self.positions: dict[int, Position] = {}
        self.levels = Levels(self.positions)
        self.excursions = Excursions()
        self.n_open = 0
        self.buy_lots = 0.0
        self.buy_lots_entry = 0.0
        self.sell_lots = 0.0
        self.sell_lots_entry = 0.0
        self.path: RatePath | None = None  # quote currency -> account currency
        self.dependants: list[SymbolBook] = []  # books whose valuation uses this price
        self.gross = 0.0  # floating P&L, account currency
        self.margin = 0.0  # used margin, account currency

    def last_quote(self, source: str = "broker") -> Quote | None:
        """Return the last quote, materialising it when it came in as floats."""
        if self.quote is None and self.bid is not None and self.ask is not None and self.time is not None:
            self.quote = Quote(self.symbol, self.bid, self.ask, self.time, source, self.stale)
        return self.quote

    def add_exposure(self, pos: Position, lots: float) -> None:
        """Add ``lots`` of open ``pos`` to the aggregates."""
        assert pos.entry is not None  # an open position has its entry price
        if pos.sign > 0:
            self.buy_lots += lots
            self.buy_lots_entry += lots * pos.entry
        else:
            self.sell_lots += lots
            self.sell_lots_entry += lots * pos.entry

    def remove_exposure(self, pos: Position, lots: float) -> None:
        """Remove ``lots`` of open ``pos`` from the aggregates (exact zero when none is left)."""
        self.add_exposure(pos, -lots)
        if self.n_open == 0:
            self.buy_lots = self.buy_lots_entry = self.sell_lots = self.sell_lots_entry = 0.0
            self.excursions.reset()

    def recount(self) -> None:
        """Recompute the aggregates from the positions (removes float drift)."""
        self.buy_lots = self.buy_lots_entry = self.sell_lots = self.sell_lots_entry = 0.0
        for pos in self.positions.values():
            if pos.entry is not None and pos.status.value == "open":
                self.add_exposure(pos, pos.lots_f)
