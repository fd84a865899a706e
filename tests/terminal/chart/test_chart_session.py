"""A trader's session with the chart in the real window: keys after a click, hover, drag, indicators,
one-click, bar closes and a restart on the same settings — without one uncaught exception."""

from __future__ import annotations

import logging
import sys
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

import numpy as np
import pandas as pd

from engine.broker import OrderRequest
from engine.signals import indicators as ind
from engine.values import Side, Timeframe
from tests.terminal.conftest import quote


def menu_action(window, menu_title: str, text: str):
    menu = next(a.menu() for a in window.menuBar().actions() if a.text() == menu_title)
    for action in menu.actions():
        if action.text().startswith(text):
            return action
        if action.menu() is not None:
            found = next((a for a in action.menu().actions() if a.text().startswith(text)), None)
            if found is not None:
                return found
    raise AssertionError(f"no {text!r} in {menu_title}")


def mouse(widget, kind: QEvent.Type, pos: QPoint, buttons: Qt.MouseButton) -> None:
    """Send one mouse event with the buttons held (QTest.mouseMove carries none)."""
    local = QPointF(pos)
    event = QMouseEvent(
        kind,
        local,
        widget.mapToGlobal(local),
        Qt.MouseButton.LeftButton if kind != QEvent.Type.MouseMove else Qt.MouseButton.NoButton,
        buttons,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(widget, event)


def width(chart) -> float:
    left, right = chart.visible_range()
    return right - left


def test_chart_session_in_the_window(make_window, qloop, engine, prefs, store, qtbot, caplog):
    caplog.set_level(logging.ERROR)
    hooked: list[BaseException] = []
    previous_hook = sys.excepthook
    sys.excepthook = lambda kind, value, tb: hooked.append(value)
    try:
        window = make_window(engine, replace(prefs, confirm_drag=False))
        chart = window.chart
        qtbot.waitExposed(window)

        # Keys after a click on the plot.
        viewport = chart.plot_widget.viewport()
        centre = chart.plot_widget.mapFromScene(chart.plot.vb.sceneBoundingRect().center())
        QTest.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=centre)
        before = width(chart)
        QTest.keyClick(chart.plot_widget, Qt.Key.Key_Plus)
        assert width(chart) < before
        QTest.keyClick(chart.plot_widget, Qt.Key.Key_Minus)
        QTest.keyClick(chart.plot_widget, Qt.Key.Key_Equal)
        assert width(chart) < before

        # Hover: the crosshair and the legend follow; leaving hides the cross.
        QTest.mouseMove(viewport, centre)
        qtbot.waitUntil(lambda: chart.crosshair.index is not None)
        index = chart.crosshair.index
        assert f"C {chart.series.close[index]:.5f}" in chart.legend_text()
        QApplication.sendEvent(viewport, QEvent(QEvent.Type.Leave))
        assert chart.crosshair.index is None and not chart.crosshair.vline.isVisible()

        # A trade, and its SL dragged with the mouse: the label follows, the engine gets the new SL.
        q = engine.quote("EURUSD")
        trade = qloop.run(
            engine.place_order(
                OrderRequest(
                    "EURUSD", Side.BUY, lots=Decimal("0.10"), sl=round(q.ask - 0.0004, 5), tp=round(q.ask + 0.0008, 5)
                )
            )
        )
        qloop.until(lambda: chart.levels.line(trade.id, "sl") is not None, what="sl line")
        chart.scroll_to_end()
        line = chart.levels.line(trade.id, "sl")
        start = chart.plot_widget.mapFromScene(
            chart.plot.vb.mapViewToScene(QPointF(chart.plot.vb.viewRange()[0][0] + 0.6 * width(chart), trade.sl))
        )
        assert chart.plot.vb.sceneBoundingRect().contains(chart.plot_widget.mapToScene(start))
        mouse(viewport, QEvent.Type.MouseButtonPress, start, Qt.MouseButton.LeftButton)
        for dy in range(2, 42, 4):
            qtbot.wait(15)  # pyqtgraph drops mouse moves closer than its rate limit (10 ms)
            mouse(viewport, QEvent.Type.MouseMove, start + QPoint(0, -dy), Qt.MouseButton.LeftButton)
        dragged = float(line.value())
        assert dragged > trade.sl
        assert f"{dragged:.5f}" in chart.levels.label(trade.id, "sl").toPlainText()
        mouse(viewport, QEvent.Type.MouseButtonRelease, start + QPoint(0, -40), Qt.MouseButton.NoButton)
        qloop.until(lambda: engine.broker.trade(trade.id).sl != trade.sl, what="the dragged SL in the engine")
        assert abs(engine.broker.trade(trade.id).sl - dragged) < 0.00002

        # Indicators from the window's Chart menu; prices across several bar closes.
        menu_action(window, "&Chart", "EMA fast (20)").trigger()
        menu_action(window, "&Chart", "RSI (14)").trigger()
        assert "rsi" in chart.indicators.panes
        menu_action(window, "&View", "&One-click").trigger()
        assert chart.one_click.isVisible()
        now = engine.quote("EURUSD").time
        for k in range(40):
            qloop.run(
                engine.on_quote(
                    quote("EURUSD", 1.0850 + ((k * 7) % 13 - 6) * 1e-5, when=now + timedelta(seconds=20 * (k + 1)))
                )
            )
            window.bridge.flush_now()
        mine = [(int(chart.series.times[i]), float(chart.series.close[i])) for i in range(len(chart.series))]
        theirs = [
            (int(b.time.timestamp()), b.close)
            for b in qloop.run(engine.bars("EURUSD", chart.timeframe, limit=len(mine)))
        ]
        assert mine[-len(theirs) :] == theirs
        close = pd.Series(np.array(chart.series.close))
        np.testing.assert_allclose(chart.indicators.values("ema_fast").column("value"), ind.ema(close, 20), atol=1e-12)
        QTest.mouseClick(chart.one_click.buy, Qt.MouseButton.LeftButton)
        qloop.until(lambda: len(engine.active_trades()) == 2, what="the one-click buy")

        # Switch timeframe and back; restart on the same settings.
        chart.set_timeframe(Timeframe.H1)
        qloop.until(lambda: len(chart.series) > 0, what="H1 history")
        window.close()
        again = make_window(engine, prefs)
        specs = {s.key: s for s in again.chart.indicator_menu.specs}
        assert specs["ema_fast"].enabled and specs["rsi"].enabled
        assert "rsi" in again.chart.indicators.panes and again.chart.one_click.isVisible()
        assert again.chart.timeframe is Timeframe.H1
        qtbot.waitExposed(again)
        sizes = again.chart.panes.sizes()
        assert sizes[0] >= 0.5 * sum(sizes), sizes  # the price pane keeps most of the height
        again.chart.grab()
    finally:
        sys.excepthook = previous_hook
    assert hooked == []
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []
