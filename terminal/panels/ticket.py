"""The new-order ticket: market, limit or stop; lots or risk %; SL/TP in price or pips.

Before anything is sent the ticket shows what the order means:

- entry: the ask for a market buy, the bid for a market sell, the typed
  price for a pending order;
- SL/TP given in pips become prices: sl = entry − side × pips × pip size,
  tp = entry + side × pips × pip size (side = +1 buy, −1 sell);
- lots: typed, or ``engine.lot_size(symbol, risk %, entry, sl)``;
- risk = lots × stop pips × pip value per lot (account currency), and its
  % of the balance; R:R = |tp − entry| / |entry − sl|.
"""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal as QtSignal
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from engine.broker.requests import OrderRequest
from engine.errors import NotFound, ValidationError
from engine.instruments import SPECS
from engine.values import OrderType, Side
from terminal.panels import format as fmt
from terminal.panels.floating import pip_value_per_lot
from terminal.tasks import TaskOwner, disabled_while, error_text

if TYPE_CHECKING:
    from engine.service import TradingEngine

log = logging.getLogger(__name__)

UNITS = ("price", "pips")


class TicketPanel(QWidget):
    """Compose an order, see its risk and R:R, send it through ``engine.place_order``."""

    message = QtSignal(str)

    def __init__(self, engine: TradingEngine, risk_percent: float = 1.0, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.engine = engine
        self.tasks = TaskOwner(lambda name, exc: self.message.emit(f"{name}: {error_text(exc)}"))
        self.symbol = QComboBox()
        self.symbol.addItems(list(engine.symbols))
        self.order_type = QComboBox()
        self.order_type.addItems([t.value for t in OrderType])
        self.price = self._spin(5)
        self.volume_mode = QComboBox()
        self.volume_mode.addItems(["lots", "risk %"])
        self.volume = self._spin(2, 0.01, 100.0)
        self.volume.setValue(0.10)
        self.risk_default = risk_percent
        self.sl = self._spin(5)
        self.sl_unit = QComboBox()
        self.sl_unit.addItems(UNITS)
        self.tp = self._spin(5)
        self.tp_unit = QComboBox()
        self.tp_unit.addItems(UNITS)
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        self.error = QLabel("")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #ef5350;")
        self.buy = QPushButton("BUY")
        self.buy.setProperty("role", "buy")
        self.sell = QPushButton("SELL")
        self.sell.setProperty("role", "sell")
        self.buy.clicked.connect(lambda: self.send(Side.BUY))
        self.sell.clicked.connect(lambda: self.send(Side.SELL))
        form = QFormLayout()
        form.addRow("Symbol", self.symbol)
        form.addRow("Type", self.order_type)
        form.addRow("Price", self.price)
        form.addRow("Volume", self._pair(self.volume, self.volume_mode))
        form.addRow("Stop loss", self._pair(self.sl, self.sl_unit))
        form.addRow("Take profit", self._pair(self.tp, self.tp_unit))
        buttons = QHBoxLayout()
        buttons.addWidget(self.sell)
        buttons.addWidget(self.buy)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(form)
        layout.addWidget(self.summary)
        layout.addWidget(self.error)
        layout.addLayout(buttons)
        layout.addStretch(1)
        self.volume_mode.currentTextChanged.connect(
            lambda mode: self.volume.setValue(self.risk_default if mode == "risk %" else 0.10))
        for widget in (self.symbol, self.order_type, self.volume_mode, self.sl_unit, self.tp_unit):
            widget.currentTextChanged.connect(self._on_change)
        for spin in (self.price, self.volume, self.sl, self.tp):
            spin.valueChanged.connect(self._on_change)
        self._on_change()

    @staticmethod
    def _spin(decimals: int, low: float = 0.0, high: float = 1e7) -> QDoubleSpinBox:
        spin = QDoubleSpinBox()
        spin.setDecimals(decimals)
        spin.setRange(low, high)
        spin.setSpecialValueText("—")  # 0 shows as "—": not set
        return spin

    @staticmethod
    def _pair(left: QWidget, right: QWidget) -> QWidget:
        box = QWidget()
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(left, 2)
        row.addWidget(right, 1)
        return box

    # --- the order as typed ------------------------------------------------------
    def _on_change(self, *_: object) -> None:
        symbol = self.symbol.currentText()
        spec = SPECS.get(symbol)
        digits = spec.digits if spec else 5
        for spin, unit in ((self.sl, self.sl_unit), (self.tp, self.tp_unit)):
            spin.setDecimals(1 if unit.currentText() == "pips" else digits)
        self.price.setDecimals(digits)
        self.price.setEnabled(self.order_type.currentText() != OrderType.MARKET.value)
        risk_mode = self.volume_mode.currentText() == "risk %"
        self.volume.setDecimals(2)
        self.volume.setSuffix(" %" if risk_mode else " lots")
        self.refresh_preview()

    def entry(self, side: Side) -> float | None:
        """Entry price of the order for ``side`` (market: ask/bid now; pending: the typed price)."""
        if self.order_type.currentText() != OrderType.MARKET.value:
            return self.price.value() or None
        quote = self.engine.quote(self.symbol.currentText())
        if quote is None:
            return None
        return quote.ask if side is Side.BUY else quote.bid

    def level(self, which: str, side: Side, entry: float | None) -> float | None:
        """SL or TP as a price (converted from pips when the unit is pips); None when not set."""
        spin, unit = (self.sl, self.sl_unit) if which == "sl" else (self.tp, self.tp_unit)
        value = spin.value()
        if not value:
            return None
        if unit.currentText() == "price":
            return value
        if entry is None:
            return None
        spec = SPECS[self.symbol.currentText()]
        direction = -1 if which == "sl" else 1
        return spec.round_price(entry + direction * side.sign * value * spec.pip_size)

    def preview(self, side: Side) -> dict[str, object]:
        """What the order would be: entry, sl, tp, lots, risk money and %, R:R (or ``error``)."""
        symbol = self.symbol.currentText()
        entry = self.entry(side)
        sl = self.level("sl", side, entry)
        tp = self.level("tp", side, entry)
        out: dict[str, object] = {"entry": entry, "sl": sl, "tp": tp, "lots": None, "risk": None,
                                  "risk_pct": None, "rr": None}
        if entry is None:
            out["error"] = "price: no price yet" if self.order_type.currentText() == "market" \
                else "price: a pending order needs a price"
            return out
        if self.volume_mode.currentText() == "risk %":
            if sl is None:
                out["error"] = "sl: sizing by risk % needs a stop loss"
                return out
            try:
                out["lots"] = self.engine.lot_size(symbol, self.volume.value(), entry, sl)
            except (ValidationError, NotFound) as exc:
                out["error"] = error_text(exc)
                return out
        else:
            out["lots"] = Decimal(f"{self.volume.value():.2f}")
        account = self.engine.account()
        if sl is not None:
            quotes = {s: q for s in self.engine.symbols if (q := self.engine.quote(s)) is not None}
            per_lot = pip_value_per_lot(symbol, quotes, account.currency)
            stop_pips = abs(entry - sl) / SPECS[symbol].pip_size
            if per_lot is not None:
                risk = Decimal(repr(round(stop_pips * per_lot * float(out["lots"]), 2)))
                out["risk"] = risk
                out["risk_pct"] = float(risk / account.balance * 100) if account.balance else None
            if tp is not None and entry != sl:
                out["rr"] = abs(tp - entry) / abs(entry - sl)
        return out

    def refresh_preview(self) -> None:
        """Show lots, risk and R:R of a buy and a sell as typed."""
        lines = []
        currency = self.engine.account().currency
        for side in (Side.BUY, Side.SELL):
            p = self.preview(side)
            if "error" in p:
                lines.append(f"{side.value.upper()}: {p['error']}")
                continue
            symbol = self.symbol.currentText()
            risk = f"risk {fmt.money(p['risk'], currency)} ({p['risk_pct']:.2f}%)" \
                if p["risk"] is not None and p["risk_pct"] is not None else "no stop: risk unbounded"
            rr = f"R:R {p['rr']:.2f}" if p["rr"] is not None else "R:R —"
            lines.append(f"{side.value.upper()} {p['lots']} @ {fmt.price(symbol, p['entry'])} · "
                         f"SL {fmt.price(symbol, p['sl']) or '—'} · TP {fmt.price(symbol, p['tp']) or '—'} · "
                         f"{risk} · {rr}")
        self.summary.setText("\n".join(lines))

    # --- sending ---------------------------------------------------------------------
    def request(self, side: Side) -> OrderRequest:
        """The ``OrderRequest`` for ``side``; raise ValidationError naming the field when incomplete."""
        p = self.preview(side)
        if "error" in p:
            message = str(p["error"])
            field = message.split(":", 1)[0] if ":" in message else None
            raise ValidationError(message.split(": ", 1)[-1], field=field)
        order_type = OrderType(self.order_type.currentText())
        return OrderRequest(symbol=self.symbol.currentText(), side=side, order_type=order_type,
                            lots=p["lots"], price=p["entry"] if order_type is not OrderType.MARKET else None,
                            sl=p["sl"], tp=p["tp"], comment="ticket")

    def send(self, side: Side) -> None:
        self.tasks.spawn(self._send(side), f"ticket-{side.value}")

    async def _send(self, side: Side) -> None:
        self.error.setText("")
        try:
            request = self.request(side)
            with disabled_while(self.buy, self.sell):
                trade = await self.engine.place_order(request)
        except (ValidationError, NotFound) as exc:
            self.error.setText(error_text(exc))
            self.message.emit(f"order refused: {error_text(exc)}")
            return
        verb = "opened" if trade.entry_price is not None and trade.status.value == "open" else "placed"
        self.message.emit(f"#{trade.id} {verb}: {trade.side.value} {trade.lots} {trade.symbol} "
                          f"@ {fmt.price(trade.symbol, trade.entry_price or trade.requested_price)}")
