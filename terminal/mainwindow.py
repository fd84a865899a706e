"""The main window: the chart in the centre, panels in docks, the status bar below.

The window composes: it builds the panels, docks and menus, and hands each
part the engine bridge (``EngineBridge``), which re-emits engine events as Qt
signals; every part subscribes to what it shows itself (``follow``), so the
window routes no engine event. The theme travels one way: ``Theme`` (set from
the preferences) hands its palette to every part's ``apply_palette``. Parts
change state only through the engine's commands. Dock layout and window
geometry are saved in QSettings on close and restored at the next start.
Closing the window sets ``shutdown`` (an ``asyncio.Event``) so the app entry
stops the runtime, which flushes the journal: nothing is lost.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QByteArray, QSettings, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QIcon, QKeySequence
from PySide6.QtWidgets import QApplication, QDockWidget, QMainWindow, QWidget

from sqlalchemy.engine import make_url

from engine.values import Signal, Timeframe
from terminal.about import AboutDialog, application_icon, open_folder
from terminal.bridge import EngineBridge
from terminal.chart.live import LiveChart
from terminal.chart.view import ChartView
from terminal.error_indicator import UserErrorDialog
from terminal.errorlog import ErrorLog, installed_log
from terminal.journal_status import JournalStatusLabel
from terminal.layout import BOTTOM_MIN, DEFAULT_SIZE, DockLayout, fit_geometry, scrollable
from terminal.mirror_control import MirrorControl
from terminal.notify import Notifier
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
from terminal.theme import Theme

if TYPE_CHECKING:
    from engine.service import TradingEngine

log = logging.getLogger(__name__)

STATE_VERSION = 3  # 2: market watch on the right, signals beside the trade tables; 3: as tabs below 1500 px


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
        self.theme = Theme(prefs.theme, self)
        palette = self.theme.palette
        self.tasks = TaskOwner(lambda name, exc: self.say(f"{name} failed: {error_text(exc)}"))
        self.setWindowTitle("Paper Terminal")
        self.setWindowIcon(app_icon())
        self.setObjectName("main_window")
        self.setDockNestingEnabled(True)

        self.chart = ChartView(list(engine.symbols) or ["EURUSD"], palette)
        self.chart.setMinimumSize(360, 200)
        self.chart.attach(store=self.store, place_order=engine.place_order, tasks=self.tasks, say=self.say)
        self.setCentralWidget(self.chart)
        self.live_chart = LiveChart(
            self.chart, engine, tasks=self.tasks, confirm_drag=lambda: self.prefs.confirm_drag, parent=self
        )
        self.signals_panel = SignalsPanel(engine, prefs, palette)
        self.ticket = TicketPanel(engine, prefs.risk_percent)
        self.orders = OrdersPanel(engine, palette)
        self.dashboard = DashboardPanel(engine, palette)
        self.market_watch = MarketWatchPanel(engine, palette)
        self.docks = {
            "watch": self._dock("Market watch", self.market_watch),
            "ticket": self._dock("New order", scrollable(self.ticket)),  # refusals never squash its fields
            "orders": self._dock("Trade", self.orders),
            "dashboard": self._dock("Performance", scrollable(self.dashboard)),
            "signals": self._dock("Signals", self.signals_panel),
        }
        self.docks["signals"].setMinimumHeight(BOTTOM_MIN)
        self.signals_panel.count_changed.connect(
            lambda n: self.docks["signals"].setWindowTitle(f"Signals ({n})" if n else "Signals")
        )
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
        self.status = TerminalStatusBar(server_address, palette, errors=self.errors, now=engine.clock.now)
        self.setStatusBar(self.status)
        self.user_errors = UserErrorDialog(self)
        self.errors.user_error.connect(self.user_errors.show)
        self.journal_status = JournalStatusLabel(engine, palette)
        self.status.add_first_permanent(self.journal_status)
        self.notifier = Notifier(self, self.windowIcon())
        self.settings_dialog: SettingsDialog | None = None
        self.about_dialog: AboutDialog | None = None
        self.mirror_control = MirrorControl(config_path, self, tasks=self.tasks)
        self._build_menu()

        self.bridge = EngineBridge(engine.bus, self)
        for part in (self.live_chart, self.signals_panel, self.ticket, self.orders, self.dashboard):
            part.follow(self.bridge)
        self.market_watch.follow(self.bridge)
        self.notifier.follow(self.bridge)
        self.status.follow(self.bridge, engine.feeds_status)
        self.theme.follow(
            self.chart.apply_palette,
            self.signals_panel.apply_palette,
            self.orders.apply_palette,
            self.dashboard.apply_palette,
            self.market_watch.apply_palette,
            self.status.apply_palette,
            self.journal_status.apply_palette,
        )
        self._connect()
        self.fit_to_screen()
        self.restore_layout()
        self.theme.apply()

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
        export.triggered.connect(self.orders.history.ask_export)
        data_folder = QAction("Open &data folder", self)
        data_folder.triggered.connect(self.open_data_folder)
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Quit))
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
        from terminal.about import guide_action  # Help → Paper Terminal guide: the built docs/, offline

        self.menuBar().addMenu("&Help").addActions([guide_action(self, self.say), about])

    def _connect(self) -> None:
        """Connect the parts to each other (engine events reach each part through its own ``follow``)."""
        self.mirror_control.message.connect(self.say)
        self.mirror_control.changed.connect(lambda _paused: self.status.refresh_feeds())
        self.chart.symbol_changed.connect(self.ticket.set_symbol)
        self.market_watch.chart_requested.connect(self.chart.set_symbol)
        self.market_watch.ticket_requested.connect(self.open_ticket)
        self.dashboard.trade_requested.connect(self.open_trade)
        self.signals_panel.signal_selected.connect(self.show_signal)
        for part in (self.signals_panel, self.ticket, self.orders, self.dashboard, self.market_watch, self.live_chart):
            part.message.connect(self.say)

    # --- start-up ------------------------------------------------------------------
    async def load(self) -> None:
        """Fill every part from the engine (call once the engine has started and its plug-ins are attached)."""
        self.status.set_account(self.engine.account())
        self.mirror_control.attach(self.engine.mirror)
        self.status.refresh_feeds()
        self.orders.refresh()
        if self.engine.signals is not None:
            await self.signals_panel.reload()
        await self.live_chart.load()
        self.ticket.set_symbol(self.chart.symbol)
        await asyncio.gather(self.orders.history.load(), self.dashboard.reload(), self.market_watch.reload())
        self.live_chart.mark(self.orders.history.trades)

    # --- between parts ------------------------------------------------------------------
    def show_signal(self, signal: Signal) -> None:
        """Show ``signal`` on the chart (from the signals panel)."""
        self.live_chart.show_signal(signal)

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
        await self.live_chart.show_trade(trade)
        self.docks["orders"].show()
        self.docks["orders"].raise_()
        self.orders.show_trade(trade_id)
        self.say(f"trade #{trade.id}: {trade.side.value} {trade.lots} {trade.symbol}, net {fmt.money(trade.net)}")

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
            url = getattr(self.engine.journal, "url", None)  # SqlJournal's; another Journal may have none
            shown = make_url(url).render_as_string(hide_password=True) if url else None
            self.about_dialog = AboutDialog(shown, self.config_path, parent=self)
        self.about_dialog.open()

    def open_data_folder(self) -> None:
        folder = user_data_dir()
        if not open_folder(folder):
            self.say(f"No file manager answered; the data folder is {folder}")

    def set_prefs(self, prefs: Preferences) -> None:
        """Use and save ``prefs`` (the settings dialog, the View menu's themes)."""
        self.prefs = prefs
        save_preferences(prefs, self.store)
        self.signals_panel.set_prefs(prefs)
        self.ticket.risk_default = prefs.risk_percent
        self.theme.set(prefs.theme)

    def set_theme(self, name: str) -> None:
        """Switch to the theme ``name`` and remember it in the preferences."""
        self.set_prefs(replace(self.prefs, theme=name))

    def set_server(self, url: str) -> None:
        """Show the embedded server's address (called once it listens)."""
        self.server_address = url
        self.status.server.setText(f"server: {url}")

    def say(self, message: str) -> None:
        """Log ``message`` and show it in the status bar."""
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
            self.layout_.adopt()  # tabs or side by side follow the window's width from here (terminal.layout)
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
