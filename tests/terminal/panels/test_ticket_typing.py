"""The order ticket typed into as a user does (QTest.keyClicks): what the field shows, what the engine gets."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

import pytest

from engine.values import Side, TradeStatus
from terminal.panels.ticket import TicketPanel


@pytest.fixture
def ticket(qtbot, engine):
    panel = TicketPanel(engine, risk_percent=1.0)
    qtbot.addWidget(panel)
    panel.show()
    return panel


def type_into(field, text: str, commit: bool = True) -> None:
    field.setFocus()
    field.selectAll()
    QTest.keyClick(field, Qt.Key.Key_Backspace)
    QTest.keyClicks(field, text)
    if commit:
        QTest.keyClick(field, Qt.Key.Key_Return)


def click(qtbot, button) -> None:
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_typed_sl_price_stays_as_typed_and_reaches_the_engine(ticket, qtbot, qloop, engine):
    type_into(ticket.sl, "1.1040")  # a spin box made this 1.00000 (issue 13)
    assert ticket.sl.text() == "1.1040"
    assert not ticket.sl.property("invalid")  # valid for a sell: only BUY is refused
    assert not ticket.buy.isEnabled() and ticket.sell.isEnabled()
    assert ticket.buy_reason.text() == "SL 1.10400 must be below the bid 1.08500 for a buy"
    assert "BUY: ✗ SL 1.10400 must be below the bid 1.08500 for a buy" in ticket.summary.text()
    click(qtbot, ticket.sell)
    qloop.until(lambda: len(engine.active_trades()) == 1, what="the sell")
    trade = engine.active_trades()[0]
    assert trade.side is Side.SELL and trade.sl == 1.104 and trade.lots == Decimal("0.10")
    assert ticket.sl.text() == "1.1040"


def test_typed_volume_keeps_its_digits(ticket, qtbot, qloop, engine):
    type_into(ticket.volume, "0.25")  # a spin box made this 0.20
    assert ticket.volume.text() == "0.25"
    assert ticket.preview(Side.BUY)["lots"] == Decimal("0.25")
    click(qtbot, ticket.buy)
    qloop.until(lambda: len(engine.active_trades()) == 1, what="the buy")
    assert engine.active_trades()[0].lots == Decimal("0.25")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("-1", "Volume -1 lots is outside 0.01–100 lots for EURUSD"),  # a spin box made this 1.00 lots
        ("0.015", "Volume 0.015 lots is not a multiple of the lot step 0.01 for EURUSD"),
        ("abc", "Volume: 'abc' is not a number"),
        ("0.123", "Volume 0.123 lots is not a multiple of the lot step 0.01 for EURUSD"),
    ],
)
def test_invalid_volume_is_shown_invalid_never_changed_never_sent(ticket, qtbot, qloop, engine, text, message):
    type_into(ticket.volume, text)
    assert ticket.volume.text() == text
    assert ticket.volume.property("invalid") is True and ticket.volume.toolTip() == message
    assert not ticket.buy.isEnabled() and not ticket.sell.isEnabled()
    assert ticket.buy_reason.text() == message
    ticket.send(Side.BUY)  # even if a click got through
    qloop.spin(0.05)
    assert engine.active_trades() == []
    assert ticket.error.text() == message
    type_into(ticket.volume, "0.30")  # fixing it clears the mark
    assert not ticket.volume.property("invalid") and ticket.buy.isEnabled()


def test_letters_in_a_stop_are_flagged_on_commit_not_while_typing(ticket):
    type_into(ticket.tp, "1.09x", commit=False)
    assert ticket.tp.text() == "1.09x" and not ticket.tp.property("invalid")
    assert not ticket.buy.isEnabled()  # the preview already says no
    QTest.keyClick(ticket.tp, Qt.Key.Key_Return)
    assert ticket.tp.property("invalid") is True
    assert ticket.tp.toolTip() == "Take profit: '1.09x' is not a number"
    assert ticket.tp.text() == "1.09x"


def test_wrong_side_stops_disable_the_side_and_say_why(ticket, engine):
    type_into(ticket.sl, "1.08000")  # below the bid: a buy's SL, wrong for a sell
    type_into(ticket.tp, "1.09000")
    assert ticket.buy.isEnabled() and not ticket.sell.isEnabled()
    assert ticket.sell_reason.text() == "SL 1.08000 must be above the ask 1.08508 for a sell"
    assert ticket.sell.toolTip() == "SELL is disabled: SL 1.08000 must be above the ask 1.08508 for a sell"
    p = ticket.preview(Side.BUY)
    assert p["sl"] == 1.08 and p["tp"] == 1.09 and p["rr"] == pytest.approx((1.09 - 1.08508) / (1.08508 - 1.08))


def test_negative_pips_are_refused_with_the_field_named(ticket):
    ticket.sl_unit.setCurrentText("pips")
    type_into(ticket.sl, "-20")
    assert ticket.sl.text() == "-20" and ticket.sl.property("invalid") is True
    assert "Stop loss: -20 pips — give a positive distance" in ticket.sl.toolTip()


def test_switching_price_and_pips_converts_the_value(ticket, engine):
    type_into(ticket.sl, "1.08300")  # a buy's SL: 20.8 pips below the ask 1.08508
    ticket.sl_unit.setCurrentText("pips")
    assert ticket.sl.text() == "20.8"
    ticket.sl_unit.setCurrentText("price")
    assert ticket.sl.text() == "1.08300"
    type_into(ticket.sl, "1.08700")  # above the ask: a sell's SL, 20 pips above the bid
    ticket.sl_unit.setCurrentText("pips")
    assert ticket.sl.text() == "20.0"
    assert ticket.preview(Side.SELL)["sl"] == 1.087


def test_pending_price_prefills_from_the_live_bid_and_is_sent_as_typed(ticket, qtbot, qloop, engine):
    ticket.order_type.setCurrentText("limit")
    assert ticket.price.text() == "1.08500"
    type_into(ticket.price, "1.0800")
    click(qtbot, ticket.buy)
    qloop.until(lambda: len(engine.active_trades()) == 1, what="the order")
    order = engine.active_trades()[0]
    assert order.status is TradeStatus.PENDING and order.requested_price == 1.08
    assert ticket.price.text() == "1.0800"


def test_risk_mode_converts_lots_and_sizes_with_the_engine(ticket, engine):
    ticket.sl_unit.setCurrentText("pips")
    type_into(ticket.sl, "25")
    type_into(ticket.volume, "0.40")  # 0.40 lots × 25 pips × 10 USD = 100 USD = 1 %
    ticket.volume_mode.setCurrentText("risk %")
    assert ticket.volume.text() == "1.00"
    bid = engine.quote("EURUSD").bid
    assert ticket.preview(Side.SELL)["lots"] == engine.lot_size("EURUSD", 1.0, bid, round(bid + 0.0025, 5))
    ticket.volume_mode.setCurrentText("lots")
    assert ticket.volume.text() == "0.40"


def test_symbol_change_reconfigures_digits_and_clears_prices(ticket, engine):
    type_into(ticket.sl, "1.08000")
    ticket.set_symbol("USDJPY")
    assert ticket.symbol.currentText() == "USDJPY" and ticket.sl.text() == ""
    type_into(ticket.sl, "150.5555")
    assert ticket.sl.property("invalid") is True and "more than 3 decimals" in ticket.sl.toolTip()


def test_an_order_the_journal_refuses_is_said_under_the_ticket(ticket, qtbot, qloop, engine):
    """A journal refusal (not only the status bar) shows on the ticket's own error line; nothing is opened."""
    from tests.engine.journal_faults import ReadOnlySwitch

    switch = ReadOnlySwitch(engine.journal)
    switch.set(True)
    try:
        type_into(ticket.volume, "0.10")
        click(qtbot, ticket.buy)
        qloop.until(lambda: ticket.error.text() != "", what="the ticket's error line")
    finally:
        switch.set(False)
    assert ticket.error.text().startswith("the journal cannot be written"), ticket.error.text()
    assert "not applied" in ticket.error.text()
    assert engine.active_trades() == []
