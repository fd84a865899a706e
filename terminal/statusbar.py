"""The status bar: feed health, calls left, server, UTC clock and the account figures.

Right side, always visible: balance, equity, free margin and margin level
(equity / margin × 100; ``—`` with no open position). Left side: the feed
in use and its health, the calls left today of every provider that counts
them, the MetaTrader bridge when a mirror is configured (connected or not,
account, paused, mirrored positions, last error), the server's address and
a UTC clock (refreshed each second), then the last message. Messages go to
their own label, so they never hide the feed, server and clock labels (Qt's
``showMessage`` hides every non-permanent widget while it shows). Right of
the messages, the error indicator (``terminal.error_indicator``) appears
once an unexpected error has been recorded.

``follow`` keeps it up to date from the engine's events: the account, the
feeds (also polled every ``FEEDS_POLL_MS``, and after a mirror change), the
history backfill, and a line for each fill and each refused order.

However long their texts (a bridge's last error), the left labels never make
the window wider than the screen: they are ``ElidedLabel``s, which give way
down to a few characters and "…" and keep the whole text in their tooltip.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLabel, QProgressBar, QSizePolicy, QStatusBar, QWidget

from engine.events import HistoryBackfillProgressed, OrderRejected, TradeOpened
from engine.values import AccountSnapshot, FeedStatus
from terminal.elided import ElidedLabel
from terminal.error_indicator import ErrorIndicator
from terminal.errorlog import ErrorLog
from terminal.panels import format as fmt
from terminal.theme import DARK, Palette

if TYPE_CHECKING:
    from terminal.bridge import EngineBridge

log = logging.getLogger(__name__)

MESSAGE_MS = 8000
FEEDS_POLL_MS = 5000
MIRROR_PREFIX = "mirror:"


def is_mirror(status: FeedStatus) -> bool:
    """A MetaTrader mirror's status (``bridges.sync.MirrorService.status``), not a price feed's."""
    return status.name.startswith(MIRROR_PREFIX)


def mirror_text(status: FeedStatus) -> tuple[str, str, bool]:
    """(label, tooltip, healthy) of a mirror: ``mirror mt5: connected · 5012345 · 2 positions``."""
    d = status.details
    venue = status.name[len(MIRROR_PREFIX) :]
    connected = bool(d.get("connected", status.healthy))
    parts = ["connected" if connected else "disconnected"]
    if d.get("account"):
        parts.append(str(d["account"]))
    if d.get("paused"):
        parts.append("paused")
    parts.append(f"{d.get('mirrored_positions', 0)} mirrored")
    if status.last_error:
        parts.append(f"last error: {status.last_error}")
    tooltip = [f"{key}: {value}" for key, value in d.items() if key != "tickets"]
    return f"mirror {venue}: " + " · ".join(parts), "\n".join(tooltip), connected


def feed_text(statuses: Sequence[FeedStatus]) -> tuple[str, str, bool]:
    """(feed label, quota label, healthy) for the status bar; mirror statuses are left out."""
    statuses = [s for s in statuses if not is_mirror(s)]
    if not statuses:
        return "feed: none", "", False
    in_use = next((s for s in statuses if s.in_use), None) or statuses[0]
    state = "ok" if in_use.healthy else f"down: {in_use.last_error or 'no answer'}"
    quotas = [f"{s.name} {s.calls_left_today} left" for s in statuses if s.calls_left_today is not None]
    return f"feed: {in_use.name} ({state})", " · ".join(quotas), in_use.healthy


MIRROR_CHARS = 60  # the mirror label asks for no more (its whole text is in the tooltip)


class TerminalStatusBar(QStatusBar):
    """Feed, quotas, server, clock; balance, equity, free margin, margin level."""

    def __init__(
        self,
        server_address: str | None,
        palette: Palette = DARK,
        parent: QWidget | None = None,
        errors: ErrorLog | None = None,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        super().__init__(parent)
        self._now = now if now is not None else (lambda: datetime.now(timezone.utc))  # the engine's market clock
        self.palette_ = palette
        self.errors = errors if errors is not None else ErrorLog(self)
        self.feed = ElidedLabel("feed: —")
        self.quota = ElidedLabel("")
        self.quota.setVisible(False)
        self.mirror = ElidedLabel("", max_chars=MIRROR_CHARS)  # a bridge's error: never at the feed's and clock's cost
        self.mirror.setObjectName("mirror_status")
        self.mirror.setVisible(False)
        self.history = QProgressBar()
        self.history.setObjectName("history_progress")
        self.history.setMaximumWidth(220)
        self.history.setVisible(False)
        self.server = ElidedLabel(f"server: {server_address}" if server_address else "server: off")
        self.clock = ElidedLabel("")
        self.balance = QLabel("")
        self.equity = QLabel("")
        self.free_margin = QLabel("")
        self.margin_level = QLabel("")
        self.message = QLabel("")
        self.message.setObjectName("status_message")
        self.message.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.error_indicator = ErrorIndicator(self.errors)
        self.error_indicator.set_colour(palette.loss)
        normal = (self.feed, self.quota, self.mirror, self.history, self.server, self.clock)
        for part in normal:
            self.addWidget(part)
        self.addWidget(self.message, 1)
        self._normal_count = len(normal) + 1
        self.addPermanentWidget(self.error_indicator)
        for label in (self.balance, self.equity, self.free_margin, self.margin_level):
            self.addPermanentWidget(label)
        self._timer = QTimer(self)
        self._timer.setInterval(1000)
        self._timer.timeout.connect(self.tick)
        self._timer.start()
        self._message_timer = QTimer(self)
        self._message_timer.setSingleShot(True)
        self._message_timer.timeout.connect(lambda: self.message.setText(""))
        self._account: AccountSnapshot | None = None
        self._statuses: Sequence[FeedStatus] = ()
        self._feeds: Callable[[], Sequence[FeedStatus]] | None = None
        self._feeds_timer = QTimer(self)
        self._feeds_timer.setInterval(FEEDS_POLL_MS)
        self._feeds_timer.timeout.connect(self.refresh_feeds)
        self.tick()

    def follow(self, bridge: EngineBridge, feeds: Callable[[], Sequence[FeedStatus]]) -> None:
        """Keep every label up to date from the engine's events; ``feeds`` is ``engine.feeds_status``."""
        self._feeds = feeds
        bridge.account_changed.connect(self.set_account)
        bridge.feeds_changed.connect(self.set_feeds)
        bridge.mirror_changed.connect(lambda _event: self.refresh_feeds())
        bridge.history_progress.connect(self.set_history_progress)
        bridge.order_rejected.connect(self._on_rejected)
        bridge.trade_event.connect(self._on_trade_event)
        self._feeds_timer.start()

    def refresh_feeds(self) -> None:
        """Show the feeds' (and the mirror's) status now."""
        if self._feeds is not None:
            self.set_feeds(self._feeds())

    def _on_rejected(self, event: OrderRejected) -> None:
        where = f" ({event.field})" if event.field else ""
        self.say(f"refused{where}: {event.message}")

    def _on_trade_event(self, event: object) -> None:
        if isinstance(event, TradeOpened):
            t = event.trade
            self.say(f"#{t.id} filled: {t.side.value} {t.lots} {t.symbol} at {fmt.price(t.symbol, t.entry_price)}")

    def add_first_permanent(self, widget: QWidget) -> None:
        """Put ``widget`` first among the permanent widgets (never hidden by a passing message).

        ``QStatusBar.insertPermanentWidget`` counts the normal widgets too: index 0
        is out of range (Qt warns and appends).
        """
        self.insertPermanentWidget(self._normal_count, widget)

    def tick(self) -> None:
        self.clock.setText(self._now().strftime("%a %d %b %H:%M:%S UTC"))

    def set_account(self, account: AccountSnapshot) -> None:
        self._account = account
        c = account.currency
        self.balance.setText(f"Balance <b>{fmt.money(account.balance, c)}</b>")
        colour = (
            self.palette_.profit
            if account.equity > account.balance
            else self.palette_.loss
            if account.equity < account.balance
            else self.palette_.text
        )
        self.equity.setText(f"Equity <b style='color:{colour}'>{fmt.money(account.equity, c)}</b>")
        self.free_margin.setText(f"Free margin <b>{fmt.money(account.free_margin, c)}</b>")
        level = "—" if account.margin_level is None else f"{account.margin_level:,.0f}%"
        self.margin_level.setText(f"Margin level <b>{level}</b>")

    def set_feeds(self, statuses: Sequence[FeedStatus]) -> None:
        self._statuses = statuses
        text, quota, healthy = feed_text(statuses)
        self.feed.setText(text)
        self.feed.setStyleSheet("" if healthy else f"color: {self.palette_.loss};")
        self.quota.setText(quota)
        self.quota.setVisible(bool(quota))
        mirror = next((s for s in statuses if is_mirror(s)), None)
        self.mirror.setVisible(mirror is not None)
        if mirror is None:
            self.mirror.setText("")
            return
        text, tooltip, connected = mirror_text(mirror)
        self.mirror.setText(text)
        self.mirror.set_details(tooltip)
        self.mirror.setStyleSheet("" if connected and not mirror.last_error else f"color: {self.palette_.loss};")

    def set_history_progress(self, event: HistoryBackfillProgressed) -> None:
        """Show the start-up history backfill (``done`` of ``total`` series); hide it when done."""
        self.history.setRange(0, event.total)
        self.history.setValue(event.done)
        self.history.setFormat(f"history %v/%m · {event.symbol} {event.timeframe}")
        failed = f"\n{event.symbol} {event.timeframe}: {event.error}" if event.error else ""
        self.history.setToolTip(f"loading chart history from the feed{failed}")
        self.history.setVisible(event.done < event.total)

    def say(self, message: str) -> None:
        """Log ``message`` and show it for ``MESSAGE_MS`` beside the other labels (its tooltip keeps it whole)."""
        log.info("%s", message)
        self.message.setText(message)
        self.message.setToolTip(message)
        self._message_timer.start(MESSAGE_MS)

    def currentMessage(self) -> str:  # noqa: N802 - Qt's name, answered from our own label
        return self.message.text()

    def apply_palette(self, palette: Palette) -> None:
        """Recolour the labels in ``palette`` (the window's theme)."""
        self.palette_ = palette
        self.error_indicator.set_colour(palette.loss)
        if self._account is not None:
            self.set_account(self._account)
        self.set_feeds(self._statuses)
