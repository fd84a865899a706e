"""The window under pressure: long texts never push it past the screen or squash what a trader types into.

Found living in the merged product: a MetaTrader mirror's last error (or the read-only journal label)
made the status bar wider than the screen and the window grew past it; a refused order's reasons
squashed the ticket's fields at 1280x720 until they could not be read; the signals' Execute button
pushed the Model column and the dismiss button out of view at 1600x900.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from engine.service_journal import JournalState, JournalStatus
from engine.values import FeedStatus, Side, Signal, Timeframe
from tests.terminal.panels.test_ticket_typing import type_into
from tests.terminal.test_layout import inside, settle

LONG_ERROR = (
    "the expert advisor did not answer HEARTBEAT within 5 s (is it running on 127.0.0.1 ports "
    "32768/32769/32770 with algo trading allowed?)"
)
SIZES = [(1264, 672), (1280, 720), (1600, 900)]


def _mirror_down() -> FeedStatus:
    return FeedStatus(
        "mirror:zmq",
        enabled=True,
        healthy=False,
        last_error=LONG_ERROR,
        details={"connected": False, "account": "5012345", "mirrored_positions": 3},
    )


def _read_only() -> JournalStatus:
    return JournalStatus(JournalState.READ_ONLY, since=None, last_error=None)


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_long_status_texts_never_widen_the_window_past_the_screen(make_window, qloop, engine, prefs, width, height):
    window = make_window(engine, prefs)
    window.status.set_feeds([*engine.feeds_status(), _mirror_down()])
    window.journal_status.show_status(_read_only())
    window.status.say("signal #12 executed: trade #40 buy 0.37 EURUSD at 1.09047 — " + "a long message " * 6)
    # an unexpected error's indicator made the window 1624 px wide at 1264x672 (and an error left in the
    # process's log by an earlier test made this test fail only in the whole suite)
    window.status.errors.record("uncaught exception in something long enough to matter: " + LONG_ERROR)
    qloop.spin(0.05)
    assert window.status.error_indicator.isVisible()
    assert window.minimumSizeHint().width() <= width, window.minimumSizeHint().width()
    settle(qloop, window, width, height)
    assert window.size().toTuple() == (width, height)
    for label in (window.status.balance, window.status.equity, window.status.margin_level):
        assert inside(window, label), label.text()
    mirror = window.status.mirror
    assert mirror.isVisible() and inside(window, mirror)
    assert LONG_ERROR in mirror.toolTip()  # the whole text is one hover away
    assert inside(window, window.journal_status) and "read-only" in window.journal_status.toolTip()


def test_a_long_bridge_error_gives_way_before_the_feed_server_and_clock(make_window, qloop, engine, prefs):
    """Seen live at 1600x900 with --mirror zmq: the error took the bar and left "feed: sim ...", "server: ht..."."""
    window = make_window(engine, prefs)
    window.status.set_feeds([*engine.feeds_status(), _mirror_down()])
    settle(qloop, window, 1600, 900)
    qloop.spin(0.1)
    status = window.status
    for label in (status.feed, status.server, status.clock):
        assert label.shown_text() == label.text(), (label.shown_text(), label.text())
    assert status.mirror.shown_text().endswith("…")


def _refuse_both_sides(ticket) -> None:
    """Risk mode with a stop 2,900 pips away: both sides refused with the broker's long sentences."""
    ticket.volume_mode.setCurrentText("risk %")
    type_into(ticket.volume, "1")
    type_into(ticket.sl, "1.3750")


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_refused_orders_never_squash_the_ticket_fields(make_window, qloop, engine, prefs, width, height):
    window = make_window(engine, prefs)
    settle(qloop, window, width, height)
    ticket = window.ticket
    _refuse_both_sides(ticket)
    qloop.spin(0.05)
    assert not ticket.buy.isEnabled() and ticket.buy_reason.text()
    for field in (ticket.symbol, ticket.volume, ticket.sl, ticket.tp, ticket.buy):
        assert field.height() >= field.minimumSizeHint().height(), (type(field).__name__, field.height())


def _drifted_signal(engine) -> Signal:
    quote = engine.quote("EURUSD")
    now = datetime.now(timezone.utc)
    entry = round(quote.ask - 0.0020, 5)  # 20 pips below the ask: beyond the max drift
    return Signal(
        None,
        "EURUSD",
        Side.BUY,
        entry,
        round(entry - 0.0040, 5),
        round(entry + 0.0110, 5),
        0.61,
        "aggregate",
        Timeframe.H1,
        now,
        now + timedelta(minutes=30),
    )


@pytest.mark.parametrize(("width", "height"), [(1600, 900), (1920, 1080)])
def test_signal_columns_fit_the_panel_with_an_execute_button(make_window, qloop, engine, prefs, width, height):
    window = make_window(engine, prefs)
    qloop.run(engine.signals.submit(_drifted_signal(engine)))
    panel = window.signals_panel
    qloop.until(lambda: panel.table.rowCount() == 1, what="the signal row")
    settle(qloop, window, width, height)
    qloop.spin(0.1)
    table = panel.table
    assert table.horizontalScrollBar().maximum() == 0, "the signal table scrolls sideways"
    model = [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())].index("Model")
    shown = table.fontMetrics().horizontalAdvance("aggregate") + 12
    assert table.columnWidth(model) >= shown, (table.columnWidth(model), shown)


@pytest.mark.parametrize(("width", "height"), [(1264, 672), (1280, 720)])
def test_below_1500_px_signals_and_positions_share_the_full_width_as_tabs(
    make_window, qloop, engine, prefs, width, height
):
    from decimal import Decimal

    from engine.broker import OrderRequest

    qloop.run(engine.place_order(OrderRequest("EURUSD", Side.BUY, lots=Decimal("0.10"))))
    window = make_window(engine, prefs)
    qloop.run(engine.signals.submit(_drifted_signal(engine)))
    panel = window.signals_panel
    qloop.until(lambda: panel.table.rowCount() == 1, what="the signal row")
    settle(qloop, window, width, height)
    assert not window.layout_.side_by_side()
    assert window.docks["signals"].windowTitle() == "Signals (1)"  # its tab says a signal is there
    assert panel.header.text() == "1 signal · risk 1% per trade"
    window.orders.refresh()
    qloop.spin(0.1)
    positions = window.orders.positions
    assert positions.horizontalScrollBar().maximum() == 0, "the positions scroll sideways"
    close = positions.cellWidget(0, positions.columnCount() - 1)
    assert inside(window, close), "the Close button is out of sight"
    window.docks["signals"].raise_()
    qloop.spin(0.1)
    assert panel.table.horizontalScrollBar().maximum() == 0, "the signal table scrolls sideways"
    assert inside(window, panel.table.cellWidget(0, panel.table.columnCount() - 1)), "no Execute in sight"
    settle(qloop, window, 1600, 900)  # a wider window: side by side again, and back
    assert window.layout_.side_by_side()
    settle(qloop, window, width, height)
    assert not window.layout_.side_by_side()


def test_tables_refit_whenever_the_bottom_row_changes_and_never_scroll_sideways(make_window, qloop, engine, prefs):
    from decimal import Decimal

    from engine.broker import OrderRequest

    for _ in range(8):  # more rows than fit: the vertical scroll bar narrows the viewport too
        qloop.run(engine.place_order(OrderRequest("EURUSD", Side.BUY, lots=Decimal("0.10"))))
    window = make_window(engine, prefs)
    positions = window.orders.positions
    for width, height in [(1600, 900), (1280, 720), (1920, 1080), (1600, 900)]:
        window.resize(width, height)  # as a window manager does: one resize, then the loop runs
        qloop.spin(0.05)
        window.layout_.apply()
        qloop.spin(0.3)
        assert positions.horizontalScrollBar().maximum() == 0, f"positions scroll sideways at {width}"
        assert sum(positions.columnWidth(c) for c in range(positions.columnCount())) <= positions.viewport().width()


def test_a_layout_saved_wide_and_opened_narrow_gets_the_tabs_but_a_users_own_tabs_stay(
    make_window, qloop, engine, prefs
):
    wide = make_window(engine, prefs)
    settle(qloop, wide, 1600, 900)
    assert wide.layout_.side_by_side()
    wide.save_layout()
    narrow = make_window(engine, prefs)  # the same settings store: restores the side-by-side layout
    narrow.restore_layout()
    settle(qloop, narrow, 1280, 720)
    assert not narrow.layout_.side_by_side()
    settle(qloop, narrow, 1600, 900)
    assert narrow.layout_.side_by_side()
    narrow.tabifyDockWidget(narrow.docks["orders"], narrow.docks["signals"])  # the user's own choice
    settle(qloop, narrow, 1920, 1080)
    assert not narrow.layout_.side_by_side()
