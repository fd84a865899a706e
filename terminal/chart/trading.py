"""One-click trading on the chart: SELL and BUY at the live price, as in MetaTrader.

The strip shows SELL (at the bid), the lot size field and the spread in
pips between them, and BUY (at the ask). A click sends a market order for the
typed lots through the engine's ``place_order`` — the same command the ticket
uses, so the broker's rules decide. A refusal is written under the buttons and
reported through ``message`` (the status bar): never a dialog, however often
the trader clicks. The lot field is configured when the symbol changes, never
while the trader types (pitfalls.md).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal, InvalidOperation
from typing import cast

from PySide6.QtCore import Qt
from PySide6.QtCore import Signal as QtSignal
from PySide6.QtWidgets import QDoubleSpinBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from engine.errors import NotFound, ValidationError
from engine.instruments import SPECS
from engine.orders import OrderRequest
from engine.orders import spread_pips as engine_spread_pips
from engine.values import OrderType, Quote, Side, TradeRecord
from terminal.tasks import TaskOwner, disabled_while, error_text

PlaceOrder = Callable[[OrderRequest], Awaitable[TradeRecord]]
DEFAULT_LOTS = 0.10  # as the ticket's default volume


def spread_pips(symbol: str, bid: float, ask: float) -> float:
    """(ask − bid) / pip size of ``symbol`` (pips; 0.0001 for an unknown symbol): ``engine.orders``'."""
    return engine_spread_pips(symbol, bid, ask)


class OneClickBar(QWidget):
    """SELL · lots · spread · BUY for the chart's symbol (see the module docstring)."""

    message = QtSignal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("one_click")
        self.symbol = ""
        self._digits = 5
        self._place: PlaceOrder | None = None
        self._tasks: TaskOwner | None = None
        self._configured = False
        self.sell = QPushButton("SELL")
        self.sell.setObjectName("one_click_sell")
        self.sell.setProperty("role", "sell")
        self.buy = QPushButton("BUY")
        self.buy.setObjectName("one_click_buy")
        self.buy.setProperty("role", "buy")
        for button in (self.sell, self.buy):
            button.setMinimumWidth(112)
            button.setEnabled(False)
        self.sell.clicked.connect(lambda: self.send(Side.SELL))
        self.buy.clicked.connect(lambda: self.send(Side.BUY))
        self.lots = QDoubleSpinBox()
        self.lots.setObjectName("one_click_lots")
        self.lots.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.lots.setKeyboardTracking(False)
        self.lots.setMinimumWidth(84)  # (NoButtons under the theme's style sheet leaves a 1-px edit field)
        self.lots.setToolTip("Lots of the next one-click order")
        self.spread = QLabel("")
        self.spread.setObjectName("one_click_spread")
        self.spread.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.spread.setToolTip("Spread in pips")
        middle = QVBoxLayout()
        middle.setSpacing(1)
        middle.addWidget(self.lots)
        middle.addWidget(self.spread)
        self.error = QLabel("")
        self.error.setObjectName("one_click_error")
        self.error.setProperty("role", "error")
        row = QHBoxLayout(self)
        row.setContentsMargins(6, 2, 6, 4)
        row.setSpacing(4)
        row.addWidget(self.sell)
        row.addLayout(middle)
        row.addWidget(self.buy)
        row.addSpacing(10)
        row.addWidget(self.error, 1)

    def attach(self, place: PlaceOrder, tasks: TaskOwner) -> None:
        """Send orders through ``place`` (the engine's ``place_order``), as tasks owned by ``tasks``."""
        self._place, self._tasks = place, tasks
        self._enable()

    def _enable(self) -> None:
        ready = self._place is not None and bool(self.symbol)
        for button in (self.sell, self.buy):
            button.setEnabled(ready)
            button.setToolTip("" if ready else "One-click trading needs the engine")

    def set_symbol(self, symbol: str) -> None:
        """Configure the lot field for ``symbol`` (its minimum, step and maximum)."""
        if symbol == self.symbol:
            return
        self.symbol = symbol
        spec = SPECS.get(symbol)
        step = spec.lot_step if spec else Decimal("0.01")
        self._digits = spec.digits if spec else 5
        self.lots.setDecimals(max(-cast(int, step.as_tuple().exponent), 0))  # a finite lot step
        self.lots.setRange(float(spec.lot_min if spec else step), float(spec.lot_max if spec else 100))
        self.lots.setSingleStep(float(step))
        if self.lots.value() < self.lots.minimum() or not self._configured:
            self.lots.setValue(max(DEFAULT_LOTS, self.lots.minimum()))
        self._configured = True
        self.sell.setText("SELL")
        self.buy.setText("BUY")
        self.spread.setText("")
        self.error.setText("")
        self._enable()

    def set_quote(self, quote: Quote) -> None:
        """Show the live bid, ask and spread of the chart's symbol."""
        if quote.symbol != self.symbol:
            return
        self.sell.setText(f"SELL\n{quote.bid:.{self._digits}f}")
        self.buy.setText(f"BUY\n{quote.ask:.{self._digits}f}")
        self.spread.setText(f"{spread_pips(quote.symbol, quote.bid, quote.ask):.1f}")

    def typed_lots(self) -> Decimal:
        """The lots as typed (exact decimal); raise ValidationError naming ``lots`` when unreadable."""
        self.lots.interpretText()
        text = self.lots.cleanText().strip().replace(",", ".")
        try:
            lots = Decimal(text)
        except InvalidOperation:
            raise ValidationError(f"'{text}' is not a number of lots", field="lots") from None
        if not lots.is_finite() or lots <= 0:
            raise ValidationError(f"{text} must be a positive number of lots", field="lots")
        return lots

    def send(self, side: Side) -> None:
        if self._place is None or self._tasks is None:
            return
        self._tasks.spawn(self._send(side), f"one-click-{side.value}")

    async def _send(self, side: Side) -> None:
        place = self._place
        if place is None:  # send() spawns this only once attached
            return
        self.error.setText("")
        try:
            request = OrderRequest(
                symbol=self.symbol, side=side, order_type=OrderType.MARKET, lots=self.typed_lots(), comment="one-click"
            )
            with disabled_while(self.sell, self.buy):
                trade = await place(request)
        except (ValidationError, NotFound) as exc:
            self.error.setText(error_text(exc))
            self.message.emit(f"one-click {side.value} refused: {error_text(exc)}")
            return
        price = trade.entry_price if trade.entry_price is not None else trade.requested_price
        self.message.emit(
            f"#{trade.id} opened: {trade.side.value} {trade.lots} {trade.symbol} @ {price:.{self._digits}f}"
        )
