"""Conversions of the order ticket on an explicit change of unit: price ↔ pips, lots ↔ risk %.

These run only when the user switches a unit (never from the typing
signals). A pips → price conversion needs a side: the ticket's
``side_hint``, which a price → pips conversion sets to the side the price is
valid for (an SL below the bid is a buy's, above the ask a sell's).
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from engine.errors import NotFound, ValidationError
from engine.instruments import SPECS
from engine.orders import level_at_pips, pips_between
from engine.values import OrderType, Side
from terminal.panels.fields import FieldError

if TYPE_CHECKING:
    from PySide6.QtWidgets import QComboBox

    from engine.service import TradingEngine
    from terminal.panels.fields import NumberField

DEFAULT_LOTS = "0.10"
PIP_DECIMALS = 1


class Problem(Exception):
    """Why an order cannot be sent as typed: ``field`` (sl, tp, price, lots, symbol) and the sentence."""

    def __init__(self, field: str | None, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class UnitConversions:
    """The ticket's unit switches (mixed into ``TicketPanel``, whose fields and engine they use)."""

    if TYPE_CHECKING:  # what these conversions use of TicketPanel, declared once (ticket.py creates it)
        engine: TradingEngine
        risk_default: float  # the risk % a switch to "risk %" starts from
        side_hint: Side  # the side a pips → price conversion is for
        symbol: QComboBox
        order_type: QComboBox
        volume: NumberField
        sl: NumberField
        tp: NumberField

        def digits(self) -> int: ...
        def entry(self, side: Side) -> float | None: ...
        def level(self, which: str, side: Side, entry: float | None) -> float | None: ...
        def _risk_money(self, symbol: str, entry: float, sl: float, lots: Decimal) -> Decimal | None: ...
        def _configure(self) -> None: ...

    def _on_volume_mode(self, mode: str) -> None:
        """Convert the volume between lots and risk % (at the buy side's entry and SL) when both are known."""
        converted: str | None = None
        try:
            value = self.volume.parse()
            entry = self.entry(Side.BUY)
            sl = self.level("sl", Side.BUY, entry)
            if value is not None and value > 0 and entry is not None and sl is not None:
                if mode == "risk %":
                    risk = self._risk_money(self.symbol.currentText(), entry, sl, Decimal(str(value)))
                    balance = self.engine.account().balance
                    if risk is not None and balance:
                        converted = f"{float(risk / balance * 100):.2f}"
                else:
                    converted = str(self.engine.lot_size(self.symbol.currentText(), value, entry, sl))
        except (FieldError, Problem, ValidationError, NotFound):
            converted = None
        self.volume.setText(converted or (f"{self.risk_default:g}" if mode == "risk %" else DEFAULT_LOTS))
        self.volume.set_problem(None)
        self._configure()

    def _on_unit(self, which: str, unit: str) -> None:
        """Convert the SL or TP between price and pips (a buy's unless the price says it is a sell's)."""
        field = self.sl if which == "sl" else self.tp
        try:
            value = field.parse()
        except FieldError:
            value = None
        field.clear()
        if value is not None and value > 0:
            converted = self._convert_level(which, unit, value)
            if converted is not None:
                field.show_value(converted, PIP_DECIMALS if unit == "pips" else self.digits())
        field.set_problem(None)
        self._configure()

    def _convert_level(self, which: str, unit: str, value: float) -> float | None:
        symbol = self.symbol.currentText()
        spec, quote = SPECS.get(symbol), self.engine.quote(symbol)
        if spec is None or (quote is None and self.order_type.currentText() == OrderType.MARKET.value):
            return None
        if unit == "pips":  # price → pips: the side is the one this price is valid for
            below = value < (quote.bid if quote else self.entry(Side.SELL) or value)
            self.side_hint = Side.BUY if (below == (which == "sl")) else Side.SELL
            entry = self.entry(self.side_hint)
            return None if entry is None else round(pips_between(symbol, entry, value), PIP_DECIMALS)
        entry = self.entry(self.side_hint)
        if entry is None:
            return None
        return level_at_pips(symbol, self.side_hint, entry, value, "sl" if which == "sl" else "tp")
