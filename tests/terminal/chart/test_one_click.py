"""One-click trading on the chart: off by default, typed lots reach the engine, refusals never open dialogs."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox

from engine.values import Side, Timeframe
from terminal.chart.view import ONE_CLICK_KEY, ChartView
from terminal.tasks import TaskOwner


def chart(qtbot, qloop, engine, store, symbols=("EURUSD", "USDCHF")) -> tuple[ChartView, list[str]]:
    view = ChartView(list(symbols), timeframe=Timeframe.M5)
    qtbot.addWidget(view)
    view.resize(1200, 700)
    said: list[str] = []
    view.attach(store=store, place_order=engine.place_order, tasks=TaskOwner(), say=said.append)
    view.show()
    qloop.run(view.load(lambda s, tf: engine.bars(s, tf, limit=300)))
    return view, said


def type_lots(view: ChartView, text: str) -> None:
    field = view.one_click.lots
    field.setFocus()
    field.selectAll()
    QTest.keyClicks(field, text)


def test_one_click_is_off_by_default_and_its_toggle_is_remembered(qtbot, qloop, engine, store):
    view, _ = chart(qtbot, qloop, engine, store)
    assert not view.one_click.isVisible() and not view.one_click_action.isChecked()
    view.one_click_action.trigger()
    assert view.one_click.isVisible() and store.value(ONE_CLICK_KEY) in (True, "true")
    again, _ = chart(qtbot, qloop, engine, store)
    assert again.one_click.isVisible() and again.one_click_action.isChecked()


def test_one_click_shows_bid_ask_spread_and_buys_the_typed_lots(qtbot, qloop, engine, store):
    view, said = chart(qtbot, qloop, engine, store)
    view.show_one_click(True)
    q = engine.quote("EURUSD")
    view.apply_quote(q)
    view.repaint_now()
    assert view.one_click.sell.text() == f"SELL\n{q.bid:.5f}" and view.one_click.buy.text() == f"BUY\n{q.ask:.5f}"
    assert view.one_click.spread.text() == f"{(q.ask - q.bid) / 0.0001:.1f}"
    type_lots(view, "0.25")
    QTest.mouseClick(view.one_click.buy, Qt.MouseButton.LeftButton)
    qloop.until(lambda: len(engine.active_trades()) == 1, what="the one-click trade")
    trade = engine.active_trades()[0]
    assert trade.side is Side.BUY and trade.lots == Decimal("0.25") and trade.symbol == "EURUSD"
    assert trade.entry_price == q.ask and trade.comment == "one-click"
    qloop.until(lambda: any(f"#{trade.id} opened" in m for m in said), what="status message")
    QTest.mouseClick(view.one_click.sell, Qt.MouseButton.LeftButton)
    qloop.until(lambda: len(engine.active_trades()) == 2, what="the sell")


def test_one_click_refusals_show_inline_and_never_stack_dialogs(qtbot, qloop, engine, store):
    view, said = chart(qtbot, qloop, engine, store)
    view.show_one_click(True)
    view.set_symbol("USDCHF")  # the engine has no price for it: every click is refused
    for _ in range(5):
        QTest.mouseClick(view.one_click.sell, Qt.MouseButton.LeftButton)
        qloop.spin(0.05)
    qloop.until(lambda: "no price yet for usdchf" in view.one_click.error.text().lower(), what="inline refusal")
    assert "symbol" in view.one_click.error.text()
    assert sum("refused" in m for m in said) == 5
    dialogs = [w for w in QApplication.topLevelWidgets() if isinstance(w, (QDialog, QMessageBox)) and w.isVisible()]
    assert dialogs == [] and engine.active_trades() == []
    assert view.one_click.sell.isEnabled()  # re-enabled after each refusal


def test_one_click_lot_field_keeps_what_is_typed(qtbot, qloop, engine, store):
    view, _ = chart(qtbot, qloop, engine, store)
    view.show_one_click(True)
    type_lots(view, "1.37")
    assert view.one_click.lots.text() == "1.37" and view.one_click.typed_lots() == Decimal("1.37")
    view.apply_quote(engine.quote("EURUSD"))
    view.repaint_now()  # a price arriving must not rewrite the field
    assert view.one_click.lots.text() == "1.37"
