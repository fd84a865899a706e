"""The main window: the chart in the centre, panels in docks, the status bar below.

The window reads engine state and reacts to engine events (through
``EngineBridge``); it changes state only through the engine's commands.
Dock layout and window geometry are saved in QSettings on close and restored
at the next start. Closing the window sets ``shutdown`` (an ``asyncio.Event``)
so the app entry stops the runtime, which flushes the journal: nothing is lost.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QByteArray, QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QIcon, QKeySequence
from PySide6.QtWidgets import QApplication, QDockWidget, QMainWindow, QMessageBox, QWidget

from sqlalchemy.engine import make_url

from engine.errors import NotFound, ValidationError
from engine.events import MirrorStateChanged, OrderRejected, TradeClosed, TradeOpened
from engine.values import Signal, Timeframe, TradeStatus
from terminal.about import AboutDialog, application_icon, open_folder
from terminal.bridge import EngineBridge
from terminal.chart.overlays import Marker
from terminal.chart.view import ChartView
from terminal.error_indicator import UserErrorDialog
from terminal.errorlog import ErrorLog, installed_log
from terminal.journal_status import JournalStatusLabel
from terminal.layout import BOTTOM_MIN, DEFAULT_SIZE, DockLayout, fit_geometry, scrollable
from terminal.mirror_control import MirrorControl
from terminal.notify import Notifier, for_signal, for_trade_event
from terminal.panels import format as fmt
from terminal.panels.dashboard import DashboardPanel
from terminal.panels.market_watch import MarketWatchPanel
from terminal.panels.orders import OrdersPanel
from terminal.panels.signals import SignalsPanel
from terminal.panels.ticket import TicketPanel
from terminal.prefs import Preferences, qsettings, save_preferences
from terminal.settings import user_data_dir
from terminal.settings_dialog import SettingsDialog
from terminal.statusbar import TerminalStatusBar
from terminal.tasks import TaskOwner, error_text
from terminal.theme import apply_theme, palette_for

if TYPE_CHECKING:
    from engine.service import TradingEngine

log = logging.getLogger(__name__)

HISTORY_LIMIT = 1500
FEEDS_POLL_MS = 5000
STATE_VERSION = 2  # 2: market watch on the right, signals beside the trade tables


def app_icon() -> QIcon:
    """The application icon (resources/icons, every size)."""
    return application_icon()


class MainWindow(QMainWindow):
    """Chart, signals, ticket, orders and dashboard over one ``TradingEngine``."""

    def __init__(
        self,
        engine: TradingEngine,
        prefs: Preferences,
        *,
        shutdown: asyncio.Event | None = None,
        server_address: str | None = None,
        tokens: Any = None,
        config_path: Path | None = None,
        store: QSettings | None = None,
        feed_priority: list[str] | None = None,
        errors: ErrorLog | None = None,
        configured_port: int | None = None,
    ) -> None:
        super().__init__()
        self.engine = engine
        self.errors = errors if errors is not None else (installed_log() or ErrorLog(self))
        self.configured_port = configured_port
        self.prefs = prefs
        self.shutdown = shutdown
        self.server_address = server_address
        self.tokens = tokens
        self.config_path = config_path
        self.feed_priority = feed_priority
        self.store = store or qsettings()
        self.palette_ = palette_for(prefs.theme)
        self.tasks = TaskOwner(lambda name, exc: self.say(f"{name} failed: {error_text(exc)}"))
        self.setWindowTitle("Paper Terminal")
        self.setWindowIcon(app_icon())
        self.setObjectName("main_window")
        self.setDockNestingEnabled(True)

        symbols = list(engine.symbols) or ["EURUSD"]
        self.chart = ChartView(symbols, self.palette_)
        self.chart.setMinimumSize(360, 200)
        self.chart.attach(store=self.store, place_order=engine.place_order, tasks=self.tasks, say=self.say)
        self.setCentralWidget(self.chart)
        self.signals_panel = SignalsPanel(engine, prefs, self.palette_)
        self.ticket = TicketPanel(engine, prefs.risk_percent)
        self.orders = OrdersPanel(engine, self.palette_)
        self.dashboard = DashboardPanel(engine, self.palette_)
        self.market_watch = MarketWatchPanel(engine, self.palette_)
        self.docks = {
            "watch": self._dock("Market watch", self.market_watch),
            "ticket": self._dock("New order", scrollable(self.ticket)),  # refusals never squash its fields
            "orders": self._dock("Trade", self.orders),
            "dashboard": self._dock("Performance", scrollable(self.dashboard)),
            "signals": self._dock("Signals", self.signals_panel),
        }
        self.docks["signals"].setMinimumHeight(BOTTOM_MIN)
        self.docks["watch"].setMinimumHeight(self.market_watch.rows_height(3) + 26)
        self.layout_ = DockLayout(
            self,
            watch=self.docks["watch"],
            ticket=self.docks["ticket"],
            trade=self.docks["orders"],
            dashboard=self.docks["dashboard"],
            signals=self.docks["signals"],
        )
        self.layout_.arrange()
        self.status = TerminalStatusBar(server_address, self.palette_, errors=self.errors, now=engine.clock.now)
        self.setStatusBar(self.status)
        self.user_errors = UserErrorDialog(self)
        self.errors.user_error.connect(self.user_errors.show)
        self.journal_status = JournalStatusLabel(engine, self.palette_)
        self.status.add_first_permanent(self.journal_status)
        self.notifier = Notifier(self, self.windowIcon())
        self.settings_dialog: SettingsDialog | None = None
        self.about_dialog: AboutDialog | None = None
        self.mirror_control = MirrorControl(config_path, self, tasks=self.tasks)
        self._build_menu()

        self.bridge = EngineBridge(engine.bus, self)
        self._connect()
        self._feeds_timer = QTimer(self)
        self._feeds_timer.setInterval(FEEDS_POLL_MS)
        self._feeds_timer.timeout.connect(lambda: self.status.set_feeds(self.engine.feeds_status()))
        self._feeds_timer.start()
        self.fit_to_screen()
        self.restore_layout()
        apply_theme(QApplication.instance(), self.palette_)

    def _dock(self, title: str, widget: QWidget) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock_{title.lower().replace(' ', '_')}")
        dock.setWidget(widget)
        dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetFloatable
            | QDockWidget.DockWidgetFeature.DockWidgetClosable
        )
        return dock

    def _build_menu(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        settings = QAction("&Settings…", self, shortcut=QKeySequence("Ctrl+,"))
        settings.triggered.connect(self.open_settings)
        export = QAction("&Export history to CSV…", self)
        export.triggered.connect(lambda: self.orders.history._ask_export())
        data_folder = QAction("Open &data folder", self)
        data_folder.triggered.connect(self.open_data_folder)
        quit_action = QAction("&Quit", self, shortcut=QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        for action in (settings, self.mirror_control.action, export, data_folder, quit_action):
            file_menu.addAction(action)
        view_menu = self.menuBar().addMenu("&View")
        for dock in self.docks.values():
            view_menu.addAction(dock.toggleViewAction())
        reset = QAction("&Reset layout", self)
        reset.triggered.connect(self.layout_.arrange)
        view_menu.addAction(reset)
        view_menu.addSeparator()
        for name in ("dark", "light"):
            action = QAction(f"{name.title()} theme", self)
            action.triggered.connect(lambda _=False, n=name: self.set_theme(n))
            view_menu.addAction(action)
        view_menu.addAction(self.chart.one_click_action)
        self.menuBar().addMenu(self.chart.menu)
        about = QAction("&About Paper Terminal", self)
        about.triggered.connect(self.open_about)
        self.menuBar().addMenu("&Help").addAction(about)

    def _connect(self) -> None:
        b, chart = self.bridge, self.chart
        b.quote_received.connect(chart.apply_quote)
        b.frame.connect(self._on_frame)
        b.bar_closed.connect(chart.apply_bar)
        b.trades_changed.connect(self._on_trades_changed)
        b.trade_event.connect(self._on_trade_event)
        b.account_changed.connect(self.status.set_account)
        b.account_reset.connect(lambda _: self._after_reset())
        b.signal_received.connect(self._on_signal)
        b.signal_updated.connect(self.signals_panel.upsert)
        b.feeds_changed.connect(self.status.set_feeds)
        b.order_rejected.connect(self._on_rejected)
        b.stop_out.connect(lambda e: self.notifier.notify(for_trade_event(e)))
        b.mirror_changed.connect(self._on_mirror_changed)
        b.history_progress.connect(self._on_history_progress)
        self.mirror_control.message.connect(self.say)
        self.mirror_control.changed.connect(lambda _: self.status.set_feeds(self.engine.feeds_status()))
        chart.symbol_changed.connect(lambda _: self.reload_chart())
        chart.symbol_changed.connect(self.ticket.set_symbol)
        b.bar_closed.connect(self.market_watch.on_bar)
        self.market_watch.chart_requested.connect(self.chart.set_symbol)
        self.market_watch.ticket_requested.connect(self.open_ticket)
        self.dashboard.trade_requested.connect(self.open_trade)
        chart.timeframe_changed.connect(lambda _: self.reload_chart())
        chart.level_dragged.connect(self.on_level_dragged)
        self.signals_panel.signal_selected.connect(self.show_signal)
        for panel in (self.signals_panel, self.ticket, self.orders, self.dashboard, self.market_watch):
            panel.message.connect(self.say)

    # --- start-up ------------------------------------------------------------------
    async def load(self) -> None:
        """Fill every panel from the engine (call once the engine has started)."""
        self.status.set_account(self.engine.account())
        mirror = getattr(self.engine, "mirror", None)  # set by terminal.wiring.attach_mirror
        self.mirror_control.attach(mirror)
        self.orders.mirror_enabled = mirror is not None
        self.status.set_feeds(self.engine.feeds_status())
        self.orders.refresh()
        if self.engine.signals is not None:
            await self.signals_panel.reload()
        await self.chart.load(self._bars)
        self.ticket.set_symbol(self.chart.symbol)
        self._redraw_trades()
        await asyncio.gather(self.orders.history.load(), self.dashboard.reload(), self.market_watch.reload())
        self._mark_history()

    def _mark_history(self) -> None:
        """Arrows at the opens and closes of the closed trades the history tab holds."""
        markers = []
        for t in self.orders.history.trades:
            if t.open_time and t.entry_price:
                markers.append(Marker(t.symbol, t.open_time, t.entry_price, t.side, "open"))
            if t.close_time and t.close_price:
                markers.append(Marker(t.symbol, t.close_time, t.close_price, t.side, "close"))
        self.chart.markers.add_many(markers, self.chart.series)

    async def _bars(self, symbol: str, timeframe: Timeframe) -> list:
        return await self.engine.bars(symbol, timeframe, limit=HISTORY_LIMIT)

    def reload_chart(self) -> None:
        self.tasks.spawn(self._reload_chart(), "chart-load")

    async def _reload_chart(self) -> None:
        await self.chart.load(self._bars)
        self._redraw_trades()

    # --- events ----------------------------------------------------------------------
    def _on_frame(self, quotes: dict) -> None:
        self.chart.repaint_now()
        self.orders.on_frame(quotes)
        self.market_watch.on_frame(quotes)
        if self.docks["ticket"].isVisible() and self.ticket.symbol.currentText() in quotes:
            self.ticket.refresh_preview()

    def _redraw_trades(self) -> None:
        active = self.engine.active_trades()
        self.chart.set_trades(active)
        self.chart.markers.add_many(
            [
                Marker(t.symbol, t.open_time, t.entry_price, t.side, "open")
                for t in active
                if t.status is TradeStatus.OPEN and t.open_time and t.entry_price
            ],
            self.chart.series,
        )

    def _on_trades_changed(self) -> None:
        self.orders.refresh()
        self._redraw_trades()
        self.ticket.refresh_preview()

    def _on_trade_event(self, event: object) -> None:
        self.notifier.notify(for_trade_event(event))
        if isinstance(event, TradeClosed):
            t = event.trade
            if t.close_time and t.close_price:
                self.chart.add_marker(Marker(t.symbol, t.close_time, t.close_price, t.side, "close"))
            self.dashboard.schedule_reload()
            self.orders.history.reload()
        elif isinstance(event, TradeOpened):
            self.say(
                f"#{event.trade.id} filled: {event.trade.side.value} {event.trade.lots} {event.trade.symbol} "
                f"at {fmt.price(event.trade.symbol, event.trade.entry_price)}"
            )

    def _on_history_progress(self, event: object) -> None:
        """Show the start-up backfill in the status bar; redraw the chart once the history is in."""
        self.status.set_history_progress(event)
        if event.done == event.total:
            self.reload_chart()

    def _on_mirror_changed(self, event: MirrorStateChanged) -> None:
        self.orders.on_mirror_changed(event)
        self.status.set_feeds(self.engine.feeds_status())

    def _on_signal(self, signal: Signal) -> None:
        self.signals_panel.upsert(signal)
        self.notifier.notify(for_signal(signal))
        self.chart.add_marker(Marker(signal.symbol, signal.created_at, signal.entry, signal.side, "signal"))

    def _on_rejected(self, event: OrderRejected) -> None:
        where = f" ({event.field})" if event.field else ""
        self.say(f"refused{where}: {event.message}")

    def _after_reset(self) -> None:
        self.dashboard.schedule_reload()
        self.orders.history.reload()

    def show_signal(self, signal: Signal) -> None:
        symbol_before = self.chart.symbol
        self.chart.show_signal(signal)
        if signal.symbol != symbol_before:
            self.tasks.spawn(self._show_after_load(signal), "chart-show-signal")

    async def _show_after_load(self, signal: Signal) -> None:
        await self.chart.load(self._bars)
        self._redraw_trades()
        self.chart.show_signal(signal)

    def open_ticket(self, symbol: str) -> None:
        """Show the new-order ticket for ``symbol`` (from the market watch)."""
        self.ticket.set_symbol(symbol)
        dock = self.docks["ticket"]
        dock.show()
        dock.raise_()
        self.ticket.volume.setFocus()

    def open_trade(self, trade_id: int) -> None:
        """Show trade ``trade_id`` (from the dashboard): its chart around its open, its history row."""
        self.tasks.spawn(self._open_trade(trade_id), f"open-trade-{trade_id}", user=True)

    async def _open_trade(self, trade_id: int) -> None:
        trade = await self.engine.get_trade(trade_id)
        if trade.symbol != self.chart.symbol:
            self.chart.set_symbol(trade.symbol)
            await self.chart.load(self._bars)
            self._redraw_trades()
        self._centre_on(trade)
        self.docks["orders"].show()
        self.docks["orders"].raise_()
        self.orders.show_trade(trade_id)
        self.say(f"trade #{trade.id}: {trade.side.value} {trade.lots} {trade.symbol}, net {fmt.money(trade.net)}")

    def _centre_on(self, trade: Any) -> None:
        when = trade.open_time or trade.created_at
        index = self.chart.series.index_at(when) if when else -1
        if index >= 0:
            self.chart.follow = False
            end = self.chart.series.index_at(trade.close_time) if trade.close_time else index
            half = max(60, (end - index) // 2 + 20)
            self.chart.set_x_range((index + end) / 2 - half, (index + end) / 2 + half)

    # --- dragged SL/TP ------------------------------------------------------------------
    def on_level_dragged(self, trade_id: int, field: str, price: float) -> None:
        """Confirm (per preferences) and send a dragged SL/TP/price through ``engine.modify_trade``."""
        text = f"Move {field.upper() if field != 'price' else 'the order price'} of #{trade_id} to {price}?"
        if not self.prefs.confirm_drag:
            self.tasks.spawn(self._modify(trade_id, field, price), f"drag-modify-{trade_id}", user=True)
            return
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Modify trade",
            text,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            self,
        )
        box.setObjectName("confirm_drag")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def answered(result: int) -> None:
            if result == QMessageBox.StandardButton.Yes:
                self.tasks.spawn(self._modify(trade_id, field, price), f"drag-modify-{trade_id}", user=True)
            else:
                self._redraw_trades()  # put the line back

        box.finished.connect(answered)
        box.open()

    async def _modify(self, trade_id: int, field: str, price: float) -> None:
        try:
            await self.engine.modify_trade(trade_id, **{field: price})
        except (ValidationError, NotFound) as exc:
            self.say(f"#{trade_id} not modified: {error_text(exc)}")
            self._redraw_trades()
            return
        self.say(f"#{trade_id} {field} moved to {price}")

    # --- settings and theme ---------------------------------------------------------------
    def open_settings(self) -> None:
        if self.settings_dialog is None:
            self.settings_dialog = SettingsDialog(
                self.engine,
                self.prefs,
                config_path=self.config_path,
                server_address=self.server_address,
                tokens=self.tokens,
                feed_priority=self.feed_priority,
                parent=self,
                configured_port=self.configured_port,
            )
            self.settings_dialog.prefs_changed.connect(self.set_prefs)
            self.settings_dialog.message.connect(self.say)
        self.settings_dialog.open()

    def open_about(self) -> None:
        if self.about_dialog is None:
            url = getattr(getattr(self.engine, "journal", None), "url", None)
            shown = make_url(url).render_as_string(hide_password=True) if url else None
            self.about_dialog = AboutDialog(shown, self.config_path, parent=self)
        self.about_dialog.open()

    def open_data_folder(self) -> None:
        folder = user_data_dir()
        if not open_folder(folder):
            self.say(f"No file manager answered; the data folder is {folder}")

    def set_prefs(self, prefs: Preferences) -> None:
        theme_changed = prefs.theme != self.prefs.theme
        self.prefs = prefs
        save_preferences(prefs, self.store)
        self.signals_panel.set_prefs(prefs)
        self.ticket.risk_default = prefs.risk_percent
        if theme_changed:
            self.set_theme(prefs.theme)

    def set_theme(self, name: str) -> None:
        self.palette_ = palette_for(name)
        if self.prefs.theme != name:
            self.prefs = replace(self.prefs, theme=name)
            save_preferences(self.prefs, self.store)
        apply_theme(QApplication.instance(), self.palette_)
        self.chart.apply_palette(self.palette_)
        self.dashboard.apply_palette(self.palette_)
        self.market_watch.set_palette(self.palette_)
        for panel in (self.signals_panel, self.orders, self.orders.history):
            panel.palette = self.palette_
        self.status.set_palette(self.palette_)
        self.orders.refresh()

    def set_server(self, url: str) -> None:
        """Show the embedded server's address (called once it listens)."""
        self.server_address = url
        self.status.server.setText(f"server: {url}")

    def say(self, message: str) -> None:
        log.info("%s", message)
        self.status.say(message)

    # --- layout and shutdown -----------------------------------------------------------------
    def fit_to_screen(self) -> None:
        """Size the window to fit the available geometry of its screen (1600×900 where there is room)."""
        screen = self.screen() or QApplication.primaryScreen()
        if screen is None:
            self.resize(DEFAULT_SIZE)
            return
        self.setGeometry(fit_geometry(screen.availableGeometry()))

    def restore_layout(self) -> None:
        geometry = self.store.value("window/geometry")
        state = self.store.value("window/state")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
            screen = self.screen() or QApplication.primaryScreen()
            if screen is not None and not screen.availableGeometry().contains(self.frameGeometry()):
                self.fit_to_screen()  # saved on a bigger screen: never start partly off-screen
        if isinstance(state, QByteArray) and self.restoreState(state, STATE_VERSION):
            QTimer.singleShot(0, self.layout_.capture)  # keep the user's proportions from now on
        symbol = self.store.value("chart/symbol")
        timeframe = self.store.value("chart/timeframe")
        if isinstance(timeframe, str) and timeframe in Timeframe.__members__:
            self.chart.set_timeframe(Timeframe(timeframe))
        if isinstance(symbol, str) and symbol in self.engine.symbols:
            self.chart.set_symbol(symbol)

    def save_layout(self) -> None:
        self.store.setValue("window/geometry", self.saveGeometry())
        self.store.setValue("window/state", self.saveState(STATE_VERSION))
        self.store.setValue("chart/symbol", self.chart.symbol)
        self.store.setValue("chart/timeframe", self.chart.timeframe.value)
        self.store.sync()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt name
        self.save_layout()
        self.bridge.close()
        for timer in self.findChildren(QTimer):  # clocks, debounces, polls: nothing fires after close
            timer.stop()
        self.notifier.close()
        if self.shutdown is not None:
            self.shutdown.set()
        event.accept()
