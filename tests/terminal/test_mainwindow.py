"""The main window over the real engine: builds, reacts, drags, closes and shuts down."""

from __future__ import annotations

import asyncio
import time
from decimal import Decimal

from PySide6.QtWidgets import QMessageBox

from engine.broker import OrderRequest
from engine.values import Side, Timeframe
from terminal.mainwindow import MainWindow
from tests.terminal.conftest import make_signal, quote


def build(make_window, engine, prefs, shutdown=None) -> MainWindow:
    return make_window(engine, prefs, shutdown=shutdown, server_address="127.0.0.1:8765")


def open_buy(qloop, engine, sl_pips: float = 20, tp_pips: float = 40):
    q = engine.quote("EURUSD")
    return qloop.run(
        engine.place_order(
            OrderRequest(
                "EURUSD",
                Side.BUY,
                lots=Decimal("0.20"),
                sl=round(q.ask - sl_pips * 0.0001, 5),
                tp=round(q.ask + tp_pips * 0.0001, 5),
            )
        )
    )


def test_window_builds_and_shows_engine_state(make_window, qloop, engine, prefs, store):
    window = build(make_window, engine, prefs)
    assert window.chart.symbol == "EURUSD" and len(window.chart.series) >= 300
    assert window.status.balance.text() == "Balance <b>10,000.00 USD</b>"
    assert window.status.server.text() == "server: 127.0.0.1:8765"
    assert set(window.docks) == {"watch", "signals", "ticket", "orders", "dashboard"}


def test_window_new_trade_event_draws_levels_and_lists_position(make_window, qloop, engine, prefs, store):
    window = build(make_window, engine, prefs)
    trade = open_buy(qloop, engine)
    qloop.until(lambda: window.orders.positions.rowCount() == 1, what="position row")
    assert window.orders.positions.cell(trade.id, "SL").text() == f"{trade.sl:.5f}"
    assert window.chart.levels.line(trade.id, "sl").value() == trade.sl
    assert window.chart.levels.line(trade.id, "tp").value() == trade.tp
    assert any(n.title.startswith(f"Filled #{trade.id}") for n in window.notifier.sent)


def test_window_price_ticks_are_coalesced_into_frames(make_window, qloop, engine, prefs, store):
    window = build(make_window, engine, prefs)
    frames_before = window.bridge.frames_emitted
    received = []
    window.bridge.quote_received.connect(received.append)
    started = time.monotonic()
    for i in range(50):
        qloop.run(engine.on_quote(quote("EURUSD", 1.08500 + i * 0.00001)))
    qloop.spin(0.25)
    elapsed = time.monotonic() - started
    assert len(received) == 50
    frames = window.bridge.frames_emitted - frames_before
    assert 1 <= frames <= elapsed / 0.1 + 1 and frames < 50  # ≤ 10 repaints a second, not one per tick
    assert window.chart.series.close[-1] == 1.08549


def test_chart_drag_sl_confirmed_reaches_engine(make_window, qloop, engine, prefs, store):
    window = build(make_window, engine, prefs)
    trade = open_buy(qloop, engine)
    qloop.until(lambda: window.chart.levels.line(trade.id, "sl") is not None, what="sl line")
    line = window.chart.levels.line(trade.id, "sl")
    line.setValue(1.08391)
    line.sigPositionChangeFinished.emit(line)
    box = window.findChild(QMessageBox, "confirm_drag")
    assert box is not None and "1.08391" in box.text()
    box.button(QMessageBox.StandardButton.Yes).click()
    qloop.until(lambda: engine.broker.trade(trade.id).sl == 1.08391, what="sl moved in the engine")
    qloop.until(lambda: window.orders.positions.cell(trade.id, "SL").text() == "1.08391", what="table")


def test_chart_drag_sl_declined_leaves_engine_and_restores_line(make_window, qloop, engine, prefs, store):
    window = build(make_window, engine, prefs)
    trade = open_buy(qloop, engine)
    qloop.until(lambda: window.chart.levels.line(trade.id, "sl") is not None, what="sl line")
    line = window.chart.levels.line(trade.id, "sl")
    line.setValue(1.08100)
    line.sigPositionChangeFinished.emit(line)
    window.findChild(QMessageBox, "confirm_drag").button(QMessageBox.StandardButton.No).click()
    qloop.spin(0.05)
    assert engine.broker.trade(trade.id).sl == trade.sl
    assert window.chart.levels.line(trade.id, "sl").value() == trade.sl


def test_chart_drag_invalid_sl_is_refused_with_field_named(make_window, qloop, engine, prefs, store):
    from dataclasses import replace

    window = build(make_window, engine, replace(prefs, confirm_drag=False))
    trade = open_buy(qloop, engine)
    qloop.until(lambda: window.chart.levels.line(trade.id, "sl") is not None, what="sl line")
    line = window.chart.levels.line(trade.id, "sl")
    line.setValue(1.09500)  # above the price: invalid for a buy
    line.sigPositionChangeFinished.emit(line)
    qloop.until(lambda: "not modified" in window.status.currentMessage(), what="refusal message")
    assert "SL 1.09500 must be below the bid" in window.status.currentMessage()
    assert engine.broker.trade(trade.id).sl == trade.sl


def test_signal_click_shows_it_on_chart_with_pattern(make_window, qloop, engine, prefs, store):
    window = build(make_window, engine, prefs)
    bars = qloop.run(engine.bars("GBPUSD", Timeframe.M5, 100))
    from engine.values import PatternPoint

    points = [
        PatternPoint(label, bars[i].time, bars[i].close) for label, i in zip("XABCD", (10, 30, 50, 70, 90), strict=True)
    ]
    signal = qloop.run(
        engine.signals.submit(make_signal("GBPUSD", Side.SELL, pattern={"name": "bat", "points": points}))
    )
    qloop.until(lambda: window.signals_panel.table.rowCount() == 1, what="signal row")
    window.signals_panel.table.cellClicked.emit(0, 1)
    qloop.until(
        lambda: window.chart.symbol == "GBPUSD" and window.chart.pattern.labels == list("XABCD"),
        what="pattern on the GBPUSD chart",
    )
    assert window.chart.signal_levels.line(signal.id, "sl").value() == signal.sl


def test_window_close_sets_shutdown_and_restores_layout(make_window, qloop, engine, prefs, store):
    shutdown = asyncio.Event()
    window = build(make_window, engine, prefs, shutdown)
    window.chart.set_symbol("USDJPY")
    window.chart.set_timeframe(Timeframe.H1)
    window.docks["ticket"].hide()
    window.close()
    assert shutdown.is_set()
    assert store.value("chart/symbol") == "USDJPY" and store.value("chart/timeframe") == "H1"
    again = make_window(engine, prefs, load=False)
    assert again.chart.symbol == "USDJPY" and again.chart.timeframe is Timeframe.H1
    assert again.docks["ticket"].isHidden()


def test_window_theme_switch_changes_palette_and_persists(make_window, qloop, engine, prefs, store):
    window = build(make_window, engine, prefs)
    window.set_theme("light")
    assert window.theme.palette.name == "light" and store.value("prefs/theme") == "light"
    assert window.chart.plot_widget.backgroundBrush().color().name() == "#ffffff"


def test_theme_switch_recolours_what_is_already_drawn(make_window, qloop, engine, prefs, store):
    from terminal.theme import DARK, LIGHT

    window = build(make_window, engine, prefs)
    window.set_theme("dark")
    trade = open_buy(qloop, engine)
    qloop.until(lambda: window.chart.levels.line(trade.id, "sl") is not None, what="sl line")
    qloop.run(engine.on_quote(quote("EURUSD", 1.08520)))
    qloop.until(lambda: window.chart.prices.bid.isVisible(), what="bid line")
    chart = window.chart
    assert chart.levels.line(trade.id, "sl").pen.color().name() == DARK.loss

    window.set_theme("light")

    assert chart.levels.line(trade.id, "sl").pen.color().name() == LIGHT.loss
    assert chart.levels.line(trade.id, "tp").pen.color().name() == LIGHT.profit
    assert chart.levels.line(trade.id, "price").pen.color().name() == LIGHT.entry
    assert chart.levels.label(trade.id, "sl").color.name() == LIGHT.loss
    assert chart.levels.line(trade.id, "sl").value() == trade.sl  # redrawn, not moved
    assert chart.prices.bid.pen.color().name() == LIGHT.bid
    assert chart.price_axis.tag_colour("ask") == LIGHT.ask
    assert chart.crosshair.hline.pen.color().name() == LIGHT.crosshair
    assert chart.crosshair.label.fill.color().name() == LIGHT.panel
    assert chart.pattern._curve.opts["pen"].color().name() == LIGHT.pattern
    brushes = {spot.brush().color().name() for spot in chart.markers._scatter.points()}
    assert brushes and brushes <= {LIGHT.profit, LIGHT.loss, LIGHT.text}  # the open's arrow, recoloured


def test_levels_of_different_trades_label_at_different_places(make_window, qloop, engine, prefs, store):
    window = build(make_window, engine, prefs)
    first = open_buy(qloop, engine)
    second = open_buy(qloop, engine)  # same SL and TP distance: the lines coincide
    qloop.until(lambda: window.chart.levels.line(second.id, "sl") is not None, what="second sl line")
    chart = window.chart
    chart.grab()
    shown = chart.level_label_rects()  # labels of lines off the visible prices are hidden
    assert {key[1] for key, _ in shown} == {first.id, second.id}
    assert not [(a, b) for i, (a, ra) in enumerate(shown) for b, rb in shown[i + 1 :] if ra.intersects(rb)]
    for trade in (first, second):  # one trade's labels stay in one column
        assert len({rect.left() for key, rect in shown if key[1] == trade.id}) == 1
