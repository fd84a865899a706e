"""Market watch: the stale mark, the day's change across a day's close, and the context menu."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timezone

from PySide6.QtCore import QPoint

import pytest

from engine.values import Bar, Timeframe
from terminal.panels.market_watch import STALE_MARK, MarketWatchPanel
from terminal.theme import DARK
from tests.terminal.conftest import quote


@pytest.fixture
def watch(qtbot, qloop, engine) -> MarketWatchPanel:
    panel = MarketWatchPanel(engine, DARK)
    qtbot.addWidget(panel)
    panel.resize(360, 200)
    panel.show()
    qloop.run(panel.reload())
    return panel


def test_a_stale_price_is_marked_muted_and_explained_until_a_fresh_one_comes(watch):
    stale = dataclasses.replace(quote("EURUSD", 1.08500), stale=True)
    watch.on_frame({"EURUSD": stale})
    symbol = watch.cell("EURUSD", "Symbol")
    assert symbol.text() == STALE_MARK + "EURUSD"
    assert "stale" in symbol.toolTip() and "triggers nothing" in symbol.toolTip()
    assert watch.cell("EURUSD", "Bid").foreground().color().name() == DARK.muted.lower()
    watch.on_frame({"EURUSD": quote("EURUSD", 1.08510)})
    assert symbol.text() == "EURUSD" and "stale" not in symbol.toolTip()
    assert watch.cell("EURUSD", "Bid").foreground().color().name() == DARK.bid.lower()


def test_day_change_is_measured_from_the_forming_day_and_moves_to_the_next_day_on_its_close(watch, qloop, engine):
    watch.day_open["EURUSD"] = 1.08000
    watch.on_frame({"EURUSD": quote("EURUSD", 1.08540)})
    day = watch.cell("EURUSD", "Day")
    assert day.text() == "+0.50%" and "+54.0 pips" in day.toolTip()
    assert day.foreground().color().name() == DARK.profit.lower()
    watch.on_frame({"EURUSD": quote("EURUSD", 1.07460)})
    assert day.text() == "-0.50%" and day.foreground().color().name() == DARK.loss.lower()
    # the day closes: the open is read again from the engine's forming D1 bar
    forming = qloop.run(engine.bars("EURUSD", Timeframe.D1, 1))[-1]
    closed = Bar("EURUSD", Timeframe.D1, datetime(2026, 1, 5, tzinfo=timezone.utc), 1.08, 1.09, 1.07, 1.08)
    watch.on_bar(closed)
    qloop.until(lambda: watch.day_open["EURUSD"] != 1.08000, what="the new day's open")
    assert watch.day_open["EURUSD"] == forming.open
    watch.on_bar(dataclasses.replace(closed, timeframe=Timeframe.H1))  # only a day's close moves it
    watch.day_open["EURUSD"] = 1.0
    qloop.spin(0.1)
    assert watch.day_open["EURUSD"] == 1.0


def test_context_menu_opens_a_ticket_or_the_chart_for_the_row_under_the_pointer(watch, qtbot):
    row = watch.row_of("GBPUSD")
    y = watch.table.rowViewportPosition(row) + 3
    watch._menu(QPoint(5, y))
    actions = watch.context_menu.actions()
    assert [a.text() for a in actions] == ["New order for GBPUSD…", "Open GBPUSD on the chart"]
    with qtbot.waitSignal(watch.ticket_requested) as ticket:
        actions[0].trigger()
    with qtbot.waitSignal(watch.chart_requested) as chart:
        actions[1].trigger()
    assert ticket.args == ["GBPUSD"] and chart.args == ["GBPUSD"]
    watch.context_menu.close()
    watch.context_menu = None
    watch._menu(QPoint(5, watch.table.viewport().height() - 1))  # below the last row: no menu
    assert watch.context_menu is None
