"""The window on real screen sizes: it fits, the chart gets most of the width, proportions come back."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect

import pytest

from terminal.layout import fit_geometry, fit_size


def inside(window, widget) -> bool:
    """Whether ``widget`` is shown wholly inside the window's client area, clipped by no scroll area."""
    top_left = widget.mapTo(window, QPoint(0, 0))
    rect = QRect(top_left, widget.size())
    unclipped = widget.visibleRegion().boundingRect() == widget.rect()
    return widget.isVisible() and window.rect().contains(rect) and unclipped


def settle(qloop, window, width: int, height: int) -> None:
    window.resize(width, height)
    qloop.spin(0.05)
    window.layout_.apply()
    qloop.spin(0.05)


def test_fit_size_shrinks_to_the_available_screen_with_room_for_the_frame():
    assert fit_size(QRect(0, 0, 1920, 1040)).toTuple() == (1600, 900)
    assert fit_size(QRect(0, 0, 1280, 720)).toTuple() == (1264, 672)
    assert fit_geometry(QRect(0, 0, 1280, 720)).topLeft().toTuple() == (8, 24)


@pytest.mark.parametrize(("width", "height"), [(1264, 672), (1280, 720), (1600, 900), (1920, 1080)])
def test_everything_a_trader_needs_is_on_screen(make_window, qloop, engine, prefs, width, height):
    window = make_window(engine, prefs)
    assert window.minimumSizeHint().width() <= width and window.minimumSizeHint().height() <= height
    settle(qloop, window, width, height)
    assert window.size().toTuple() == (width, height)
    for widget in (
        window.ticket.buy,
        window.ticket.sell,
        window.status,
        window.status.balance,
        window.status.margin_level,
        window.status.feed,
        window.status.clock,
        window.market_watch.table,
        window.orders.positions,
    ):
        assert inside(window, widget), widget.objectName() or type(widget).__name__
    assert window.layout_.side_by_side() == (width >= 1500)  # below: Trade | Signals | Performance tabs
    window.docks["signals"].raise_()
    qloop.spin(0.05)
    assert inside(window, window.signals_panel.table)
    share = window.chart.width() / window.width()
    assert 0.74 <= share <= 0.86, share
    table = window.signals_panel.table
    rows_visible = (table.viewport().height()) // table.verticalHeader().defaultSectionSize()
    assert rows_visible >= 4


def test_shrinking_then_growing_restores_the_proportions(make_window, qloop, engine, prefs):
    window = make_window(engine, prefs)
    settle(qloop, window, 1600, 900)
    before = (
        window.chart.width() / 1600,
        window.docks["orders"].height() / 900,
        window.docks["signals"].width() / 1600,
    )
    settle(qloop, window, 1000, 640)
    settle(qloop, window, 1600, 900)
    after = (window.chart.width() / 1600, window.docks["orders"].height() / 900, window.docks["signals"].width() / 1600)
    assert after == pytest.approx(before, abs=0.02)


def test_trade_tables_use_their_width_and_history_shows_sl_and_tp(make_window, qloop, engine, prefs):
    from decimal import Decimal

    from engine.broker import OrderRequest
    from engine.values import Side

    q = engine.quote("EURUSD")
    trade = qloop.run(
        engine.place_order(
            OrderRequest(
                "EURUSD", Side.BUY, lots=Decimal("0.10"), sl=round(q.ask - 0.002, 5), tp=round(q.ask + 0.004, 5)
            )
        )
    )
    qloop.run(engine.close_trade(trade.id))
    window = make_window(engine, prefs)
    settle(qloop, window, 1600, 900)
    history = window.orders.history
    window.orders.tabs.setCurrentWidget(history)
    qloop.run(history.load())
    qloop.spin(0.05)
    table = history.table
    headers = [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())]
    assert table.item(0, headers.index("SL")).text() == f"{trade.sl:.5f}"
    assert table.item(0, headers.index("TP")).text() == f"{trade.tp:.5f}"
    widths = [table.columnWidth(c) for c in range(table.columnCount())]
    assert sum(widths) >= table.viewport().width() - 2  # the whole width is used …
    assert max(widths) < 3 * sorted(widths)[len(widths) // 2]  # … and no column hogs it (the 650-px Net)
