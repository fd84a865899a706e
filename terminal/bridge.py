"""Engine events → Qt signals, with tick repaints coalesced to about ten a second.

The bridge subscribes to the engine's ``EventBus`` (on the asyncio loop, which
qasync runs inside the Qt loop, so handlers run on the GUI thread). Trade,
signal and account events are re-emitted at once; prices are re-emitted one
by one through ``quote_received`` (cheap: a chart only updates its arrays)
and a ``frame`` signal carrying the latest quote per symbol fires at most
every ``FRAME_MS`` milliseconds, which is when widgets repaint.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer
from PySide6.QtCore import Signal as QtSignal

from engine.bus import EventBus
from engine.events import (
    AccountReset,
    AccountUpdated,
    BarClosed,
    FeedStatusChanged,
    HistoryBackfillProgressed,
    MirrorStateChanged,
    OrderCancelled,
    OrderPlaced,
    OrderRejected,
    PriceUpdated,
    SignalReceived,
    SignalUpdated,
    StopOutTriggered,
    TradeClosed,
    TradeModified,
    TradeOpened,
)
from engine.values import Quote

log = logging.getLogger(__name__)

FRAME_MS = 100


class EngineBridge(QObject):
    """Re-emit engine events as Qt signals; coalesce price repaints into frames."""

    quote_received = QtSignal(object)  # Quote, every tick
    frame = QtSignal(object)  # dict[str, Quote], ≤ 1000/FRAME_MS per second
    bar_closed = QtSignal(object)  # Bar
    trade_event = QtSignal(object)  # TradeOpened | OrderPlaced | TradeModified | TradeClosed | OrderCancelled
    trades_changed = QtSignal()  # any change of the set of active trades
    order_rejected = QtSignal(object)  # OrderRejected
    account_changed = QtSignal(object)  # AccountSnapshot
    account_reset = QtSignal(object)  # AccountSnapshot
    signal_received = QtSignal(object)  # Signal
    signal_updated = QtSignal(object)  # Signal
    feeds_changed = QtSignal(object)  # tuple[FeedStatus, ...]
    stop_out = QtSignal(object)  # StopOutTriggered
    mirror_changed = QtSignal(object)  # MirrorStateChanged
    history_progress = QtSignal(object)  # HistoryBackfillProgressed

    def __init__(self, bus: EventBus, parent: QObject | None = None, frame_ms: int = FRAME_MS) -> None:
        super().__init__(parent)
        self.quotes: dict[str, Quote] = {}
        self._pending_frame = False
        self._timer = QTimer(self)
        self._timer.setInterval(frame_ms)
        self._timer.timeout.connect(self._flush)
        self._timer.start()
        self.frames_emitted = 0
        # each event type and the handler that turns it into a Qt signal (typed per pair by bus.subscribe)
        self._unsubscribe: list[Callable[[], None]] = [
            bus.subscribe(PriceUpdated, self._on_price),
            bus.subscribe(BarClosed, lambda e: self.bar_closed.emit(e.bar)),
            bus.subscribe(TradeOpened, self._on_trade),
            bus.subscribe(OrderPlaced, self._on_trade),
            bus.subscribe(TradeModified, self._on_trade),
            bus.subscribe(TradeClosed, self._on_trade),
            bus.subscribe(OrderCancelled, self._on_trade),
            bus.subscribe(OrderRejected, self.order_rejected.emit),
            bus.subscribe(AccountUpdated, lambda e: self.account_changed.emit(e.account)),
            bus.subscribe(AccountReset, self._on_reset),
            bus.subscribe(SignalReceived, lambda e: self.signal_received.emit(e.signal)),
            bus.subscribe(SignalUpdated, lambda e: self.signal_updated.emit(e.signal)),
            bus.subscribe(FeedStatusChanged, lambda e: self.feeds_changed.emit(e.statuses)),
            bus.subscribe(StopOutTriggered, self._on_stop_out),
            bus.subscribe(MirrorStateChanged, self.mirror_changed.emit),
            bus.subscribe(HistoryBackfillProgressed, self.history_progress.emit),
        ]

    def close(self) -> None:
        """Stop listening to the bus and stop the frame timer."""
        self._timer.stop()
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe.clear()

    def _on_price(self, event: PriceUpdated) -> None:
        self.quotes[event.quote.symbol] = event.quote
        self._pending_frame = True
        self.quote_received.emit(event.quote)

    def _on_trade(self, event: object) -> None:
        self.trade_event.emit(event)
        self.trades_changed.emit()

    def _on_reset(self, event: AccountReset) -> None:
        self.account_reset.emit(event.account)
        self.account_changed.emit(event.account)
        self.trades_changed.emit()

    def _on_stop_out(self, event: StopOutTriggered) -> None:
        self.stop_out.emit(event)
        self.trades_changed.emit()

    def _flush(self) -> None:
        if not self._pending_frame:
            return
        self._pending_frame = False
        self.frames_emitted += 1
        self.frame.emit(dict(self.quotes))

    def flush_now(self) -> None:
        """Emit the pending frame immediately (tests, screenshots)."""
        self._flush()
