"""Desktop notifications (system tray) on new signal, fill, SL/TP hit and stop-out.

When the platform has no system tray (offscreen, some Linux desktops) the
notification still goes to the log and to ``sent`` (what the window shows
in its status bar); nothing is lost.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QSystemTrayIcon, QWidget

from engine.events import StopOutTriggered, TradeClosed, TradeOpened
from engine.values import CloseReason, Signal
from terminal.panels import format as fmt

if TYPE_CHECKING:
    from terminal.bridge import EngineBridge

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Notification:
    title: str
    text: str
    critical: bool = False


def for_signal(signal: Signal) -> Notification:
    return Notification(
        f"New signal: {signal.side.value.upper()} {signal.symbol}",
        f"{signal.source} · confidence {signal.confidence:.0%} · entry "
        f"{fmt.price(signal.symbol, signal.entry)} SL {fmt.price(signal.symbol, signal.sl)} "
        f"TP {fmt.price(signal.symbol, signal.tp)} · R:R {signal.rr:.2f}",
    )


def for_trade_event(event: object) -> Notification | None:
    """A notification for a fill, an SL/TP hit or a stop-out; None for other events."""
    if isinstance(event, TradeOpened):
        t = event.trade
        return Notification(
            f"Filled #{t.id}: {t.side.value.upper()} {t.lots} {t.symbol}", f"at {fmt.price(t.symbol, t.entry_price)}"
        )
    if isinstance(event, TradeClosed):
        t = event.trade
        if t.close_reason in (CloseReason.SL, CloseReason.TP, CloseReason.TRAILING):
            what = {"sl": "Stop loss", "tp": "Take profit", "trailing": "Trailing stop"}[t.close_reason.value]
            return Notification(
                f"{what} hit #{t.id} {t.symbol}",
                f"closed at {fmt.price(t.symbol, t.close_price)}: {fmt.pips(t.pips)} pips, {fmt.money(t.net)}",
                critical=t.close_reason is CloseReason.SL,
            )
        return None
    if isinstance(event, StopOutTriggered):
        return Notification(
            "Stop-out", f"margin level {event.margin_level:.0f}%: {len(event.closed)} trades closed", critical=True
        )
    return None


class Notifier:
    """Show notifications in the system tray when there is one; keep the last ones."""

    def __init__(self, parent: QWidget, icon: QIcon, enabled: bool = True) -> None:
        self.enabled = enabled
        self.sent: list[Notification] = []
        self.tray: QSystemTrayIcon | None = None
        if QSystemTrayIcon.isSystemTrayAvailable():
            self.tray = QSystemTrayIcon(icon, parent)
            self.tray.setToolTip("Paper Terminal")
            self.tray.show()

    def follow(self, bridge: EngineBridge) -> None:
        """Notify of new signals, fills, SL/TP hits and stop-outs as the engine announces them."""
        bridge.trade_event.connect(lambda event: self.notify(for_trade_event(event)))
        bridge.stop_out.connect(lambda event: self.notify(for_trade_event(event)))
        bridge.signal_received.connect(lambda signal: self.notify(for_signal(signal)))

    def notify(self, note: Notification | None) -> None:
        if note is None or not self.enabled:
            return
        self.sent.append(note)
        del self.sent[:-100]
        log.info("notify: %s — %s", note.title, note.text)
        if self.tray is not None:
            icon = QSystemTrayIcon.MessageIcon.Warning if note.critical else QSystemTrayIcon.MessageIcon.Information
            self.tray.showMessage(note.title, note.text, icon, 6000)

    def close(self) -> None:
        if self.tray is not None:
            self.tray.hide()
