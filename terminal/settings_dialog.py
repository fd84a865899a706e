"""The settings dialog: account, risk, feeds, server, appearance.

- Account: the current account, and a reset to a new balance, currency and
  leverage (``engine.reset_account``; the old journal is archived).
- Risk: % of balance per one-click trade and confirmation of dragged SL/TP
  (window preferences, kept in QSettings); the engine's ``max_open_trades``,
  the one limit of open trades + pending orders for every order source: a
  change applies at once (``engine.set_max_open_trades``) and is saved to the
  config file.
- Feeds: provider priority for ``--feed auto`` (written to the config file,
  used at the next start) and API keys, stored in the OS keyring — never in
  plain text. Without a keyring backend the tab says so and names the
  environment variable to use instead.
- Server: address, port (config file, next start) and the two tokens, shown
  and copyable.
- Appearance: dark or light theme, applied at once.

Keyring and file work runs on worker threads. The dialog is opened with
``open()`` (never ``exec()`` inside a coroutine).
"""

from __future__ import annotations

import asyncio
import logging
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtCore import Signal as QtSignal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from datafeeds import keys as key_store
from terminal.config_file import update_config
from terminal.panels import format as fmt
from terminal.prefs import Preferences
from terminal.settings_keys import settings_tables
from terminal.tasks import TaskOwner, disabled_while, error_text

if TYPE_CHECKING:
    from engine.service import TradingEngine

log = logging.getLogger(__name__)

PROVIDERS = ("yahoo", "twelvedata", "finnhub", "alphavantage")


class SettingsDialog(QDialog):
    """Tabs of settings; emits ``prefs_changed`` when the window preferences change."""

    prefs_changed = QtSignal(object)  # Preferences
    message = QtSignal(str)

    def __init__(
        self,
        engine: TradingEngine,
        prefs: Preferences,
        *,
        config_path: Path | None,
        server_address: str | None,
        tokens: Any = None,
        feed_priority: list[str] | None = None,
        parent: QWidget | None = None,
        configured_port: int | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings — Paper Terminal")
        self.setMinimumWidth(520)
        self.engine = engine
        self.prefs = prefs
        self.config_path = config_path
        self.tasks = TaskOwner(lambda name, exc: self._note(f"{name}: {error_text(exc)}"))
        self.tabs = QTabWidget()
        self.tabs.addTab(self._account_tab(), "Account")
        self.tabs.addTab(self._risk_tab(), "Risk")
        self.tabs.addTab(self._feeds_tab(feed_priority or list(PROVIDERS)), "Feeds")
        self.tabs.addTab(self._server_tab(server_address, tokens, configured_port), "Server")
        self.tabs.addTab(self._appearance_tab(), "Appearance")
        self.status = QLabel("")
        self.status.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Close)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        layout.addWidget(self.status)
        layout.addWidget(buttons)

    def _note(self, text: str) -> None:
        self.status.setText(text)
        self.message.emit(text)

    # --- tabs ------------------------------------------------------------------------
    def _account_tab(self) -> QWidget:
        account = self.engine.account()
        tab = QWidget()
        form = QFormLayout(tab)
        self.account_label = QLabel(
            f"{fmt.money(account.balance, account.currency)} · 1:{account.leverage} "
            f"(started with {fmt.money(account.initial_balance, account.currency)})"
        )
        form.addRow("Current account", self.account_label)
        self.new_balance = QLineEdit(str(account.initial_balance))
        self.new_currency = QComboBox()
        self.new_currency.addItems(["USD", "EUR", "GBP", "JPY", "CHF", "AUD", "CAD", "NZD"])
        self.new_currency.setCurrentText(account.currency)
        self.new_leverage = QSpinBox()
        self.new_leverage.setRange(1, 10000)
        self.new_leverage.setValue(account.leverage)
        self.reset_button = QPushButton("Reset account…")
        self.reset_button.clicked.connect(self._ask_reset)
        form.addRow("New balance", self.new_balance)
        form.addRow("Currency", self.new_currency)
        form.addRow("Leverage 1:", self.new_leverage)
        form.addRow("", self.reset_button)
        note = QLabel(
            "A reset closes nothing silently: the current journal is archived and a fresh "
            "account starts with no trades."
        )
        note.setWordWrap(True)
        note.setProperty("role", "muted")
        form.addRow(note)
        return tab

    def _risk_tab(self) -> QWidget:
        tab = QWidget()
        form = QFormLayout(tab)
        self.risk_percent = QDoubleSpinBox()
        self.risk_percent.setRange(0.01, 10.0)
        self.risk_percent.setDecimals(2)
        self.risk_percent.setSuffix(" % of balance")
        self.risk_percent.setValue(self.prefs.risk_percent)
        self.max_open = QSpinBox()  # a view of the engine's setting, not a window preference
        self.max_open.setRange(0, 1000)
        self.max_open.setSpecialValueText("no limit")
        self.max_open.setValue(self.engine.max_open_trades or 0)
        self.max_open.setToolTip(
            "max_open_trades: new orders are refused while this many trades are open or pending, "
            "from the window, REST, signal execution and auto-execution alike (0: no limit)"
        )
        self.confirm_drag = QCheckBox("Ask before sending an SL/TP dragged on the chart")
        self.confirm_drag.setChecked(self.prefs.confirm_drag)
        form.addRow("Risk per trade", self.risk_percent)
        form.addRow("Max open trades", self.max_open)
        form.addRow("", self.confirm_drag)
        return tab

    def _feeds_tab(self, priority: list[str]) -> QWidget:
        tab = QWidget()
        layout = QVBoxLayout(tab)
        layout.addWidget(QLabel("Priority for --feed auto (drag to reorder; used at the next start):"))
        self.priority = QListWidget()
        self.priority.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.priority.addItems(priority)
        self.priority.setMaximumHeight(110)
        layout.addWidget(self.priority)
        form = QFormLayout()
        self.key_edits: dict[str, QLineEdit] = {}
        for provider, env in key_store.ENV_NAMES.items():
            edit = QLineEdit()
            edit.setEchoMode(QLineEdit.EchoMode.Password)
            edit.setPlaceholderText(f"unchanged (or set {env})")
            self.key_edits[provider] = edit
            form.addRow(f"{provider} API key", edit)
        layout.addLayout(form)
        self.keyring_note = QLabel("")
        self.keyring_note.setWordWrap(True)
        layout.addWidget(self.keyring_note)
        statuses = self.engine.feeds_status()
        if statuses:
            lines = [
                f"{s.name}: {'in use, ' if s.in_use else ''}{'healthy' if s.healthy else 'down'}"
                + (f", {s.calls_left_today} calls left today" if s.calls_left_today is not None else "")
                for s in statuses
            ]
            health = QLabel("\n".join(lines))
            health.setProperty("role", "muted")
            layout.addWidget(health)
        layout.addStretch(1)
        self.tasks.spawn(self._check_keyring(), "settings-keyring-check")
        return tab

    async def _check_keyring(self) -> None:
        available = await asyncio.get_running_loop().run_in_executor(None, key_store.keyring_available)
        self.keyring_available = available
        if not available:
            names = ", ".join(key_store.ENV_NAMES.values())
            self.keyring_note.setText(
                f"⚠ No OS keyring on this machine: keys cannot be stored here. "
                f"Set them as environment variables instead ({names})."
            )
            for edit in self.key_edits.values():
                edit.setEnabled(False)
        else:
            self.keyring_note.setText("Keys are stored in the OS keyring, never in a file.")

    def _server_tab(self, address: str | None, tokens: Any, configured_port: int | None) -> QWidget:
        tab = QWidget()
        form = QFormLayout(tab)
        form.addRow("Address", QLabel(address or "not running"))
        self.port = QSpinBox()
        self.port.setRange(0, 65535)
        self.port.setSpecialValueText("0 (any free port)")
        # The configured port, never the one the server happens to listen on: with --port 0 that is a
        # temporary pick, and saving it would pin the next start to it.
        if configured_port is None:
            tail = (address or "").rsplit(":", 1)[-1]
            configured_port = int(tail) if tail.isdigit() else 8765
        self.configured_port = configured_port
        self.port.setValue(configured_port)
        form.addRow("Port (next start)", self.port)
        for name, attr in (("Trading token", "trading"), ("Viewer token", "viewer")):
            value = getattr(tokens, attr, None) if tokens is not None else None
            edit = QLineEdit(value or "")
            edit.setReadOnly(True)
            edit.setPlaceholderText("no server")
            show = QPushButton("Show")
            show.setCheckable(True)
            show.toggled.connect(
                lambda on, e=edit: e.setEchoMode(QLineEdit.EchoMode.Normal if on else QLineEdit.EchoMode.Password)
            )
            edit.setEchoMode(QLineEdit.EchoMode.Password)
            copy = QPushButton("Copy")
            copy.setEnabled(bool(value))
            copy.clicked.connect(lambda _=False, v=value or "", n=name: self._copy(v, n))
            row = QHBoxLayout()
            row.addWidget(edit, 1)
            row.addWidget(show)
            row.addWidget(copy)
            form.addRow(name, row)
        return tab

    def _copy(self, value: str, name: str) -> None:
        QApplication.clipboard().setText(value)
        self._note(f"{name} copied to the clipboard")

    def _appearance_tab(self) -> QWidget:
        tab = QWidget()
        form = QFormLayout(tab)
        self.theme = QComboBox()
        self.theme.addItems(["dark", "light"])
        self.theme.setCurrentText(self.prefs.theme)
        form.addRow("Theme", self.theme)
        return tab

    # --- actions ------------------------------------------------------------------------
    def chosen_prefs(self) -> Preferences:
        return Preferences(
            risk_percent=self.risk_percent.value(),
            theme=self.theme.currentText(),
            confirm_drag=self.confirm_drag.isChecked(),
        ).validated()

    def save(self) -> None:
        self.tasks.spawn(self.apply(), "settings-save")

    async def apply(self) -> None:
        """Apply preferences at once; store keys and config-file settings off the GUI thread."""
        prefs = self.chosen_prefs()
        if prefs != self.prefs:
            self.prefs = prefs
            self.prefs_changed.emit(prefs)
        loop = asyncio.get_running_loop()
        notes = ["Preferences applied."]
        limit = self.max_open.value() or None
        limit_changed = limit != self.engine.max_open_trades
        if limit_changed:
            self.engine.set_max_open_trades(limit)
            notes.append(f"Max open trades: {limit or 'no limit'}, for every order from now on.")
        with disabled_while(self.save_button):
            for provider, edit in self.key_edits.items():
                if not edit.isEnabled() or not edit.text().strip():
                    continue
                try:
                    await loop.run_in_executor(None, key_store.store_key, provider, edit.text())
                except key_store.KeyStoreUnavailable as exc:
                    notes.append(str(exc))
                    continue
                edit.clear()
                notes.append(f"{provider} key stored in the keyring.")
            if self.config_path is not None:
                order = [self.priority.item(i).text() for i in range(self.priority.count())]
                changes: dict[str, Any] = {"feed_priority": ",".join(order)}
                if self.port.value() != self.configured_port:  # only a port the user chose
                    changes["port"] = self.port.value()
                if limit_changed:
                    changes["max_open_trades"] = limit or 0
                await loop.run_in_executor(None, update_config, self.config_path, changes, settings_tables())
                self.configured_port = self.port.value()
                saved = ", ".join(name.replace("_", " ") for name in changes)
                notes.append(f"Saved to {self.config_path}: {saved} (feeds and port apply at the next start).")
        self._note(" ".join(notes))

    def _ask_reset(self) -> None:
        try:
            balance = Decimal(self.new_balance.text().strip().replace(",", ""))
            if not balance > 0:
                raise InvalidOperation
        except InvalidOperation:
            self._note("balance: give a positive amount such as 10000")
            return
        currency, leverage = self.new_currency.currentText(), self.new_leverage.value()
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            "Reset the account?",
            f"Archive the current journal and start a new account with {fmt.money(balance, currency)} at 1:{leverage}?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            self,
        )
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.finished.connect(
            lambda result: (
                self.tasks.spawn(self.reset(balance, currency, leverage), "account-reset")
                if result == QMessageBox.StandardButton.Yes
                else None
            )
        )
        box.open()

    async def reset(self, balance: Decimal, currency: str, leverage: int) -> None:
        with disabled_while(self.reset_button):
            account = await self.engine.reset_account(balance=balance, currency=currency, leverage=leverage)
        self.account_label.setText(f"{fmt.money(account.balance, account.currency)} · 1:{account.leverage}")
        self._note(f"New account: {fmt.money(account.balance, account.currency)} at 1:{account.leverage}.")
