"""The window's wiring: parts follow the engine bridge themselves; the theme travels one way.

``MainWindow`` composes the parts and routes no engine event: each part is
handed the ``EngineBridge`` once (``follow``) and keeps itself up to date, so
a part works the same without the window. The palette is set in one place
(``Theme``, from the preferences) and reaches every part's ``apply_palette``.
"""

from __future__ import annotations

import ast
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

from PySide6.QtCore import Signal as QtSignal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QWidget

import pytest

from engine.broker import OrderRequest
from engine.errors import OrderRejectedError
from engine.values import Side, TradeStatus
from terminal.bridge import EngineBridge
from terminal.notify import Notifier
from terminal.panels.dashboard import DashboardPanel
from terminal.panels.market_watch import MarketWatchPanel
from terminal.panels.orders import OrdersPanel
from terminal.panels.signals import SignalsPanel
from terminal.panels.ticket import TicketPanel
from terminal.statusbar import TerminalStatusBar
from terminal.theme import DARK, LIGHT
from tests.terminal.conftest import make_signal, quote

MAINWINDOW = Path(__file__).resolve().parents[2] / "terminal" / "mainwindow.py"
BRIDGE_SIGNALS = {name for name, value in vars(EngineBridge).items() if isinstance(value, QtSignal)}


def test_parts_follow_the_engine_bridge_without_a_window(qtbot, qloop, engine, prefs):
    bridge = EngineBridge(engine.bus, frame_ms=20)
    orders, watch = OrdersPanel(engine), MarketWatchPanel(engine)
    ticket, signals = TicketPanel(engine), SignalsPanel(engine, prefs)
    dashboard, status = DashboardPanel(engine), TerminalStatusBar(None)
    for widget in (watch, ticket, signals, dashboard, status):
        qtbot.addWidget(widget)  # (OrdersPanel.close is its trade command: it is kept to the end like the rest)
    notifier = Notifier(QWidget(), QIcon())
    for part in (orders, watch, ticket, signals, dashboard, notifier):
        part.follow(bridge)
    status.follow(bridge, engine.feeds_status)

    trade = qloop.run(engine.place_order(OrderRequest("EURUSD", Side.BUY, lots=Decimal("0.10"))))
    qloop.until(lambda: orders.positions.rowCount() == 1, what="the position listed")
    assert status.currentMessage().startswith(f"#{trade.id} filled: buy 0.10 EURUSD")
    assert notifier.sent[-1].title.startswith(f"Filled #{trade.id}")
    assert status.balance.text().startswith("Balance")  # the account update reached it

    qloop.run(engine.on_quote(quote("EURUSD", 1.09123)))

    def painted() -> bool:
        try:
            return watch.cell("EURUSD", "Bid").text() == "1.09123"
        except LookupError:  # cell() raises until the row has its items
            return False

    qloop.until(painted, what="the market watch repainted")

    stored = qloop.run(engine.signals.submit(make_signal()))
    qloop.until(lambda: signals.table.rowCount() == 1, what="the signal listed")
    assert signals.signal_at(0).id == stored.id

    qloop.run(engine.close_trade(trade.id))
    qloop.until(lambda: [t.id for t in orders.history.trades] == [trade.id], what="the history reloaded")
    qloop.until(lambda: dashboard.values["total_trades"].text() == "1", what="the dashboard reloaded", timeout=10)
    assert orders.positions.rowCount() == 0

    with pytest.raises(OrderRejectedError):
        qloop.run(engine.place_order(OrderRequest("EURUSD", Side.BUY, lots=Decimal("0.001"))))
    qloop.until(lambda: status.currentMessage().startswith("refused (lots)"), what="the refusal shown")
    bridge.close()


def _mainwindow_tree() -> ast.Module:
    return ast.parse(MAINWINDOW.read_text(encoding="utf-8"))


def test_mainwindow_routes_no_engine_event_and_reaches_into_no_part():
    tree = _mainwindow_tree()
    routed = sorted({n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute) and n.attr in BRIDGE_SIGNALS})
    assert routed == [], "the window connects engine events itself; let the part follow the bridge"
    private = sorted(
        ast.unparse(n)
        for n in ast.walk(tree)
        if isinstance(n, ast.Attribute)
        and n.attr.startswith("_")
        and not n.attr.startswith("__")
        and not (isinstance(n.value, ast.Name) and n.value.id == "self")
    )
    assert private == [], "the window calls parts' private members"
    probes = [
        ast.unparse(n)
        for n in ast.walk(tree)
        if isinstance(n, ast.Call)
        and isinstance(n.func, ast.Name)
        and n.func.id == "getattr"
        and ast.unparse(n.args[0]) == "self.engine"
    ]
    assert probes == [], "the engine's attributes are declared: read them"
    assert len(MAINWINDOW.read_text(encoding="utf-8").splitlines()) < 400


def _palettes(window) -> dict[str, str]:
    return {
        "signals": window.signals_panel.palette_.name,
        "orders": window.orders.palette_.name,
        "history": window.orders.history.palette_.name,
        "market watch": window.market_watch.palette_.name,
        "dashboard": window.dashboard.palette_.name,
        "status bar": window.status.palette_.name,
        "journal label": window.journal_status.palette_.name,
    }


def test_theme_travels_one_way_to_every_part(make_window, qloop, engine, prefs, store):
    window = make_window(engine, replace(prefs, theme="dark"))
    signal = qloop.run(engine.signals.submit(make_signal()))
    qloop.until(lambda: window.signals_panel.table.rowCount() == 1, what="signal row")
    side = window.signals_panel.table.item(window.signals_panel.row_of(signal.id), 2)
    assert side.foreground().color().name() == DARK.profit
    switched = []
    window.theme.changed.connect(switched.append)

    window.set_prefs(replace(window.prefs, theme="light"))  # the settings dialog's path

    assert switched == [LIGHT] and set(_palettes(window).values()) == {"light"}
    side = window.signals_panel.table.item(window.signals_panel.row_of(signal.id), 2)
    assert side.foreground().color().name() == LIGHT.profit  # rows already drawn are recoloured
    assert window.chart.plot_widget.backgroundBrush().color().name() == LIGHT.background

    window.set_theme("dark")  # the View menu's path: the same one
    assert switched == [LIGHT, DARK] and set(_palettes(window).values()) == {"dark"}
    assert window.prefs.theme == "dark" and store.value("prefs/theme") == "dark"
    window.set_theme("dark")
    assert len(switched) == 2  # no change, nothing sent


def test_window_shows_the_mirror_column_only_with_a_mirror_attached(make_window, qloop, engine, prefs):
    window = make_window(engine, prefs)
    trade = qloop.run(engine.place_order(OrderRequest("EURUSD", Side.BUY, lots=Decimal("0.10"))))
    qloop.until(lambda: window.orders.positions.rowCount() == 1, what="the position listed")
    mirror_column = window.orders.positions.col["Mirror"]
    assert window.orders.positions.isColumnHidden(mirror_column)
    engine.attach_mirror(type("Mirror", (), {"paused": False, "pause": lambda s: None, "resume": lambda s: None})())
    try:
        qloop.run(window.load())
        assert not window.orders.positions.isColumnHidden(mirror_column)
        assert window.mirror_control.action.isEnabled()
    finally:
        engine.attach_mirror(None)
    assert engine.broker.trade(trade.id).status is TradeStatus.OPEN
