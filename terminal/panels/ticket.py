"""The new-order ticket: market, limit or stop; lots or risk %; SL/TP in price or pips.

Typing works as in any trading ticket: every field is a ``NumberField``
(``terminal.panels.fields``), so what the user types stays as typed. A field
is validated when it is committed (Enter, leaving it, BUY/SELL): an invalid
one gets a red border and its message; nothing is ever changed silently.
Values are converted only on an explicit change of unit (price ↔ pips,
lots ↔ risk %) and prefilled only from the live price (a pending order's
price starts at the bid). The ticket follows the chart's symbol
(``set_symbol``).

Before anything is sent the ticket shows, for a buy and a sell:

- entry: the ask for a market buy, the bid for a market sell, the typed
  price for a pending order;
- SL/TP given in pips become prices: sl = entry − side × pips × pip size,
  tp = entry + side × pips × pip size (side = +1 buy, −1 sell);
- lots: typed, or ``engine.lot_size(symbol, risk %, entry, sl)``;
- risk = lots × stop pips × pip value per lot (account currency), and its
  % of the balance; R:R = |tp − entry| / |entry − sl|;
- whether the engine would accept it: ``engine.check_order`` (the broker's
  own rules, never a copy). A refused side's button is disabled and the line
  under it says why (``SL 1.20000 must be below the bid 1.10640 for a buy``).
"""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Signal as QtSignal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from engine.errors import JournalError, NotFound, ValidationError
from engine.orders import OrderRequest, level_at_pips, pips_between, reward_risk
from engine.values import OrderType, Quote, Side
from terminal.panels import format as fmt
from terminal.panels.fields import FieldError, NumberField
from terminal.panels.floating import pip_value_per_lot
from terminal.panels.ticket_units import DEFAULT_LOTS, PIP_DECIMALS, Problem, UnitConversions
from terminal.tasks import TaskOwner, disabled_while, error_text

if TYPE_CHECKING:
    from engine.service import TradingEngine
    from terminal.bridge import EngineBridge

log = logging.getLogger(__name__)

UNITS = ("price", "pips")
VOLUME_MODES = ("lots", "risk %")


class TicketPanel(UnitConversions, QWidget):
    """Compose an order, see its risk, R:R and the engine's verdict, send it through ``engine.place_order``."""

    message = QtSignal(str)

    def __init__(self, engine: TradingEngine, risk_percent: float = 1.0, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.engine = engine
        self.risk_default = risk_percent
        self.side_hint = Side.BUY  # which side a pips → price conversion is for (see ``_convert_level``)
        self.tasks = TaskOwner(lambda name, exc: self.message.emit(f"{name}: {error_text(exc)}"))
        self.symbol = QComboBox()
        self.symbol.addItems(list(engine.symbols))
        self.order_type = QComboBox()
        self.order_type.addItems([t.value for t in OrderType])
        self.price = NumberField("Price")
        self.volume_mode = QComboBox()
        self.volume_mode.addItems(VOLUME_MODES)
        self.volume = NumberField("Volume", placeholder="lots")  # the lot step is the engine's rule
        self.volume.setText(DEFAULT_LOTS)
        self.sl = NumberField("Stop loss")
        self.sl_unit = QComboBox()
        self.sl_unit.addItems(UNITS)
        self.tp = NumberField("Take profit")
        self.tp_unit = QComboBox()
        self.tp_unit.addItems(UNITS)
        self.fields = {"price": self.price, "lots": self.volume, "sl": self.sl, "tp": self.tp}
        self.summary = QLabel("")
        self.summary.setObjectName("ticket_preview")
        self.summary.setWordWrap(True)
        self.error = QLabel("")
        self.error.setObjectName("ticket_error")
        self.error.setWordWrap(True)
        self.error.setProperty("role", "error")
        self.buy = QPushButton("BUY")
        self.buy.setProperty("role", "buy")
        self.sell = QPushButton("SELL")
        self.sell.setProperty("role", "sell")
        self.buy_reason, self.sell_reason = QLabel(""), QLabel("")
        for reason in (self.buy_reason, self.sell_reason):
            reason.setWordWrap(True)
            reason.setProperty("role", "error")
        self.buy.clicked.connect(lambda: self.send(Side.BUY))
        self.sell.clicked.connect(lambda: self.send(Side.SELL))
        self._build_layout()
        self.symbol.currentTextChanged.connect(self._on_symbol)
        self.order_type.currentTextChanged.connect(self._on_order_type)
        self.volume_mode.currentTextChanged.connect(self._on_volume_mode)
        self.sl_unit.currentTextChanged.connect(lambda unit: self._on_unit("sl", unit))
        self.tp_unit.currentTextChanged.connect(lambda unit: self._on_unit("tp", unit))
        for field in self.fields.values():
            field.textEdited.connect(self._on_typed)
            field.editingFinished.connect(lambda f=field: self._commit(f))
            field.returnPressed.connect(lambda f=field: self._commit(f))
        self._configure()

    def _build_layout(self) -> None:
        form = QFormLayout()
        form.setVerticalSpacing(4)
        form.addRow("Symbol", self.symbol)
        form.addRow("Type", self.order_type)
        form.addRow("Price", self.price)
        form.addRow("Volume", self._pair(self.volume, self.volume_mode))
        form.addRow("Stop loss", self._pair(self.sl, self.sl_unit))
        form.addRow("Take profit", self._pair(self.tp, self.tp_unit))
        buttons = QGridLayout()
        buttons.setVerticalSpacing(2)
        buttons.addWidget(self.sell, 0, 0)
        buttons.addWidget(self.buy, 0, 1)
        buttons.addWidget(self.sell_reason, 1, 0)
        buttons.addWidget(self.buy_reason, 1, 1)
        buttons.setColumnStretch(0, 1)
        buttons.setColumnStretch(1, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.setSpacing(4)
        layout.addLayout(form)
        layout.addLayout(buttons)  # right under the fields: on a 720-px screen the preview may wrap out of sight
        layout.addWidget(self.summary)
        layout.addWidget(self.error)
        layout.addStretch(1)

    @staticmethod
    def _pair(left: QWidget, right: QWidget) -> QWidget:
        box = QWidget()
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(left, 3)
        row.addWidget(right, 2)
        return box

    # --- configuration: only on a change of symbol, type or unit, never while typing ------
    def digits(self) -> int:
        return fmt.digits(self.symbol.currentText())

    def _configure(self) -> None:
        digits = self.digits()
        self.price.decimals = digits
        for field, unit in ((self.sl, self.sl_unit), (self.tp, self.tp_unit)):
            field.decimals = PIP_DECIMALS if unit.currentText() == "pips" else digits
            field.setPlaceholderText("pips" if unit.currentText() == "pips" else "price")
        risk_mode = self.volume_mode.currentText() == "risk %"
        self.volume.setPlaceholderText("% of balance" if risk_mode else "lots")
        pending = self.order_type.currentText() != OrderType.MARKET.value
        self.price.setEnabled(pending)
        self.price.setPlaceholderText("limit/stop price" if pending else "at market")
        self.refresh_preview()

    def set_symbol(self, symbol: str) -> None:
        """Show ``symbol`` (the chart's); unknown symbols are ignored."""
        if symbol != self.symbol.currentText() and self.symbol.findText(symbol) >= 0:
            self.symbol.setCurrentText(symbol)

    def _on_symbol(self, _symbol: str) -> None:
        # Prices of another symbol mean nothing here: clear them (pips and lots still apply).
        for field, unit in ((self.sl, self.sl_unit), (self.tp, self.tp_unit)):
            if unit.currentText() == "price":
                field.clear()
        self.price.clear()
        self._prefill_price()
        self._configure()

    def _on_order_type(self, _type: str) -> None:
        self._prefill_price()
        self._configure()

    def _prefill_price(self) -> None:
        """A pending order's price starts at the live bid when the field is empty."""
        if self.order_type.currentText() == OrderType.MARKET.value or self.price.text().strip():
            return
        quote = self.engine.quote(self.symbol.currentText())
        if quote is not None:
            self.price.show_value(quote.bid, self.digits())

    # --- the order as typed ------------------------------------------------------------
    def _on_typed(self, *_: object) -> None:
        self.error.setText("")
        self.refresh_preview()

    def _commit(self, field: NumberField) -> None:
        field.committed = True  # type: ignore[attr-defined]
        self.refresh_preview()

    def entry(self, side: Side) -> float | None:
        """Entry price of the order for ``side`` (market: ask/bid now; pending: the typed price)."""
        if self.order_type.currentText() != OrderType.MARKET.value:
            try:
                return self.price.parse()
            except FieldError:
                return None
        quote = self.engine.quote(self.symbol.currentText())
        if quote is None:
            return None
        return quote.ask if side is Side.BUY else quote.bid

    def level(self, which: str, side: Side, entry: float | None) -> float | None:
        """SL or TP as a price (converted from pips when the unit is pips); None when not set.

        Raises ``FieldError`` for text that is not a number, ``Problem`` for non-positive pips.
        """
        field, unit = (self.sl, self.sl_unit) if which == "sl" else (self.tp, self.tp_unit)
        value = field.parse()
        if value is None:
            return None
        if unit.currentText() == "price":
            return value
        if value <= 0:
            raise Problem(which, f"{field.name}: {field.text().strip()} pips — give a positive distance")
        if entry is None:
            return None
        return level_at_pips(self.symbol.currentText(), side, entry, value, "sl" if which == "sl" else "tp")

    def _entry_or_problem(self, side: Side) -> float:
        pending = self.order_type.currentText() != OrderType.MARKET.value
        try:
            entry = self.entry(side) if not pending else self.price.parse()
        except FieldError as exc:
            raise Problem("price", str(exc)) from None
        if entry is None:
            raise Problem(
                "price",
                "Price: a pending order needs a price" if pending else f"No price yet for {self.symbol.currentText()}",
            )
        return entry

    def _lots(self, symbol: str, entry: float, sl: float | None) -> Decimal:
        try:
            value = self.volume.parse()
        except FieldError as exc:
            raise Problem("lots", str(exc)) from None
        if value is None:
            raise Problem(
                "lots",
                "Volume: give the lots"
                if self.volume_mode.currentText() == "lots"
                else "Volume: give the risk in % of the balance",
            )
        if self.volume_mode.currentText() == "lots":
            return Decimal(self.volume.text().strip().replace(",", "."))
        if sl is None:
            raise Problem("sl", "Stop loss: sizing by risk % needs a stop loss")
        try:
            return self.engine.lot_size(symbol, value, entry, sl)
        except (ValidationError, NotFound) as exc:
            raise Problem(getattr(exc, "field", None), error_text(exc)) from None

    def order(self, side: Side) -> tuple[OrderRequest, dict[str, Any]]:
        """The request for ``side`` and its preview; raise ``Problem`` (with the field) when it cannot go."""
        symbol = self.symbol.currentText()
        entry = self._entry_or_problem(side)
        levels: dict[str, float | None] = {}
        for which in ("sl", "tp"):
            try:
                levels[which] = self.level(which, side, entry)
            except FieldError as exc:
                raise Problem(which, str(exc)) from None
        lots = self._lots(symbol, entry, levels["sl"])
        order_type = OrderType(self.order_type.currentText())
        request = OrderRequest(
            symbol=symbol,
            side=side,
            order_type=order_type,
            lots=lots,
            price=entry if order_type is not OrderType.MARKET else None,
            sl=levels["sl"],
            tp=levels["tp"],
            comment="ticket",
        )
        try:
            self.engine.check_order(request)  # the broker's rules: one definition
        except (ValidationError, NotFound) as exc:
            raise Problem(getattr(exc, "field", None), error_text(exc)) from None
        return request, {"entry": entry, "sl": levels["sl"], "tp": levels["tp"], "lots": lots}

    def _risk_money(self, symbol: str, entry: float, sl: float, lots: Decimal) -> Decimal | None:
        account = self.engine.account()
        quotes = {s: q for s in self.engine.symbols if (q := self.engine.quote(s)) is not None}
        per_lot = pip_value_per_lot(symbol, quotes, account.currency)
        if per_lot is None:
            return None
        stop_pips = pips_between(symbol, entry, sl)
        return Decimal(repr(round(stop_pips * per_lot * float(lots), 2)))

    def preview(self, side: Side) -> dict[str, Any]:
        """What the order would be: entry, sl, tp, lots, risk money and %, R:R; or ``error`` and ``field``."""
        out: dict[str, Any] = {
            "entry": None,
            "sl": None,
            "tp": None,
            "lots": None,
            "risk": None,
            "risk_pct": None,
            "rr": None,
        }
        try:
            _, p = self.order(side)
        except Problem as problem:
            out.update(error=problem.message, field=problem.field)
            return out
        out.update(p)
        entry, sl, tp = p["entry"], p["sl"], p["tp"]
        if sl is not None:
            risk = self._risk_money(self.symbol.currentText(), entry, sl, p["lots"])
            balance = self.engine.account().balance
            if risk is not None:
                out["risk"] = risk
                out["risk_pct"] = float(risk / balance * 100) if balance else None
            out["rr"] = reward_risk(entry, sl, tp)
        return out

    def follow(self, bridge: EngineBridge) -> None:
        """Refresh the preview on trade changes, and on prices of its symbol while shown (the window calls it once)."""
        bridge.trades_changed.connect(self.refresh_preview)
        bridge.frame.connect(self._on_frame)

    def _on_frame(self, quotes: dict[str, Quote]) -> None:
        if self.isVisible() and self.symbol.currentText() in quotes:
            self.refresh_preview()

    def refresh_preview(self) -> None:
        """Show each side's order or its problem; enable the buttons the engine would accept."""
        symbol = self.symbol.currentText()
        currency = self.engine.account().currency
        lines, problems = [], {}
        for side, button, reason in ((Side.BUY, self.buy, self.buy_reason), (Side.SELL, self.sell, self.sell_reason)):
            p = self.preview(side)
            name = side.value.upper()
            if "error" in p:
                problems[side] = (p["field"], p["error"])
                lines.append(f"{name}: ✗ {p['error']}")
                button.setEnabled(False)
                button.setToolTip(f"{name} is disabled: {p['error']}")
                reason.setText(p["error"])
                continue
            button.setEnabled(True)
            button.setToolTip(f"Send the {side.value} order")
            reason.setText("")
            risk = (
                f"risk {fmt.money(p['risk'], currency)} ({p['risk_pct']:.2f}%)"
                if p["risk"] is not None and p["risk_pct"] is not None
                else "no stop: risk unbounded"
            )
            rr = f"R:R {p['rr']:.2f}" if p["rr"] is not None else "R:R —"
            lines.append(
                f"{name} {p['lots']} @ {fmt.price(symbol, p['entry'])} · "
                f"SL {fmt.price(symbol, p['sl']) or '—'} · TP {fmt.price(symbol, p['tp']) or '—'} · "
                f"{risk} · {rr}"
            )
        self.summary.setText("\n".join(lines))
        self._mark_fields(problems)

    def _mark_fields(self, problems: dict[Side, tuple[str | None, str]]) -> None:
        """Red border on a committed field both sides refuse (a one-sided problem is shown at its button)."""
        shared: dict[str, str] = {}
        if len(problems) == 2:
            (f1, m1), (f2, _) = problems[Side.BUY], problems[Side.SELL]
            if f1 is not None and f1 == f2:
                shared[f1] = m1
        for key, field in self.fields.items():
            message = shared.get(key)
            if message is not None and not (getattr(field, "committed", False) or field.problem):
                message = None  # validated on commit: not while the first characters are typed
            field.set_problem(message)

    # --- sending ---------------------------------------------------------------------
    def request(self, side: Side) -> OrderRequest:
        """The ``OrderRequest`` for ``side``; raise ValidationError naming the field when it cannot go."""
        try:
            request, _ = self.order(side)
        except Problem as problem:
            raise ValidationError(problem.message, field=problem.field) from None
        return request

    def send(self, side: Side) -> None:
        self.tasks.spawn(self._send(side), f"ticket-{side.value}", user=True)

    async def _send(self, side: Side) -> None:
        self.error.setText("")
        for field in self.fields.values():
            field.committed = True  # type: ignore[attr-defined]
        try:
            request, _ = self.order(side)
            with disabled_while(self.buy, self.sell):
                trade = await self.engine.place_order(request)
        except (Problem, ValidationError, NotFound, JournalError) as exc:  # refusals: said here, under the ticket
            text = exc.message if isinstance(exc, Problem) else error_text(exc)
            self.refresh_preview()
            named = self.fields.get(getattr(exc, "field", None) or "")
            if named is not None:
                named.set_problem(text)
            self.error.setText(text)
            self.message.emit(f"order refused: {text}")
            return
        verb = "opened" if trade.entry_price is not None and trade.status.value == "open" else "placed"
        self.message.emit(
            f"#{trade.id} {verb}: {trade.side.value} {trade.lots} {trade.symbol} "
            f"@ {fmt.price(trade.symbol, trade.entry_price or trade.requested_price)}"
        )
        self.refresh_preview()
