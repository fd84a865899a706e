"""A trader's first day in the window: the whole app on the simulator at full speed, then a restart.

The real entry (``terminal.app.main``) runs the window, engine, journal and
server on the simulator (15-second ticks, as fast as the machine goes) over
more than one simulated trading day (Monday 00:00 → Tuesday 01:00 UTC).
A scripted trader types an order into the ticket, drags its stop on the
chart, closes part of it from the positions table, executes a signal from
the signal panel, places a pending order, switches timeframes and themes.

It asserts: no uncaught exception (excepthook, asyncio handler, failed
window task) and no Qt warning; after every bar close of the shown series,
the chart's last candles equal the engine's bar store; after a restart on
the same journal every trade and the balance are as they were.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator, Sequence
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from PySide6.QtCore import QSettings, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMessageBox

from datafeeds.sim.feed import SimulatedFeed
from engine.events import BarClosed
from engine.values import Bar, FeedStatus, Quote, Side, Signal, Timeframe, TradeStatus
from terminal.app import main
from terminal.errorlog import QtMessageCounter, install_excepthook
from terminal.settings import Settings

SYMBOLS = "EURUSD,GBPUSD"
TICK_SECONDS = 15.0
DAY_HOURS = 25.0
# Messages of the offscreen platform itself, not of the application.
PLATFORM_NOISE = ("propagateSizeHints", "QSystemTrayIcon", "This plugin does not support")


class SilentFeed:
    """A PriceFeed that never quotes: the restarted window must show the journal exactly as it was."""

    name = "silent"

    def __init__(self) -> None:
        self._stopped = asyncio.Event()

    async def start(self, symbols: Sequence[str]) -> None:
        self._stopped.clear()

    async def stop(self) -> None:
        self._stopped.set()

    async def stream(self) -> AsyncIterator[Quote]:
        await self._stopped.wait()
        return
        yield  # pragma: no cover - an async generator that yields nothing

    async def history(self, symbol: str, timeframe: Timeframe, count: int) -> list[Bar]:
        return []

    def status(self) -> list[FeedStatus]:
        return [FeedStatus(self.name, True, True, in_use=True)]


def a_monday() -> datetime:
    today = datetime.now(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
    return today - timedelta(days=today.weekday() + 14)


def finished(coro) -> object:
    """The result of a coroutine that never suspends (``engine.bars`` reads memory)."""
    try:
        coro.send(None)
    except StopIteration as stop:
        return stop.value
    raise AssertionError("the coroutine suspended")


def candles(series, count: int) -> list[tuple]:
    n = len(series)
    return [
        (int(series.times[i]), series.open[i], series.high[i], series.low[i], series.close[i])
        for i in range(max(n - count, 0), n)
    ]


def stored(bars: list[Bar]) -> list[tuple]:
    return [(int(b.time.timestamp()), b.open, b.high, b.low, b.close) for b in bars]


class Trader:
    """What a trader does during the day, keyed by simulated hours since the start."""

    def __init__(self, window, start: datetime) -> None:
        self.window = window
        self.engine = window.engine
        self.start = start
        self.done: set[str] = set()
        self.trade_id: int | None = None
        self.log: list[str] = []

    def hours(self) -> float:
        quote = self.engine.quote("EURUSD")
        return 0.0 if quote is None else (quote.time - self.start).total_seconds() / 3600

    def due(self, name: str, at: float) -> bool:
        if name in self.done or self.hours() < at:
            return False
        self.done.add(name)
        return True

    def active(self, trade_id: int | None) -> bool:
        return trade_id is not None and any(t.id == trade_id for t in self.engine.active_trades())

    async def wait_for(self, condition, what: str, timeout: float = 15.0) -> bool:
        deadline = asyncio.get_running_loop().time() + timeout
        while not condition():
            if asyncio.get_running_loop().time() > deadline:
                self.log.append(f"gave up waiting for {what}")
                return False
            await asyncio.sleep(0.01)
        return True

    @staticmethod
    def listed(table, trade_id: int) -> bool:
        try:
            table.row_of(trade_id)
        except KeyError:
            return False
        return True

    def type_into(self, field, text: str) -> None:
        field.setFocus()
        field.selectAll()
        QTest.keyClick(field, Qt.Key.Key_Backspace)
        QTest.keyClicks(field, text)
        QTest.keyClick(field, Qt.Key.Key_Return)

    async def run(self) -> None:
        w = self.window
        timeframes = [Timeframe.M1, Timeframe.M15, Timeframe.H1, Timeframe.M5, Timeframe.M30]
        while self.hours() < DAY_HOURS:
            await asyncio.sleep(0.01)
            if self.due("open", 1):
                ticket = w.ticket
                ticket.sl_unit.setCurrentText("pips")
                ticket.tp_unit.setCurrentText("pips")
                self.type_into(ticket.volume, "0.30")
                self.type_into(ticket.sl, "30")
                self.type_into(ticket.tp, "60")
                before = {t.id for t in self.engine.active_trades()}
                QTest.mouseClick(ticket.buy, Qt.MouseButton.LeftButton)
                await self.wait_for(lambda: {t.id for t in self.engine.active_trades()} - before, "the buy")
                new = {t.id for t in self.engine.active_trades()} - before
                self.trade_id = min(new) if new else None
                self.log.append(f"opened #{self.trade_id}")
            if self.due("drag", 2) and self.active(self.trade_id):
                trade = self.engine.broker.trade(self.trade_id)
                line = w.chart.levels.line(trade.id, "sl")
                if line is not None:
                    target = round(trade.entry_price - 0.0020, 5)
                    line.setValue(target)
                    line.sigPositionChangeFinished.emit(line)
                    box = w.findChild(QMessageBox, "confirm_drag")
                    if box is not None:
                        box.button(QMessageBox.StandardButton.Yes).click()
                    await self.wait_for(
                        lambda: not self.active(self.trade_id) or self.engine.broker.trade(self.trade_id).sl == target,
                        "the dragged SL",
                    )
                    self.log.append("dragged SL")
            if self.due("partial", 3) and self.active(self.trade_id):
                table = w.orders.positions
                if not await self.wait_for(lambda: self.listed(table, self.trade_id), "the position's row"):
                    continue
                cell = table.cellWidget(table.row_of(self.trade_id), table.col[""])
                partial = cell.findChild(type(w.ticket.buy), "partial")
                action = next(a for a in partial.menu().actions() if a.text().startswith("Close 25%"))
                action.trigger()
                await self.wait_for(
                    lambda: (
                        not self.active(self.trade_id) or self.engine.broker.trade(self.trade_id).lots < Decimal("0.30")
                    ),
                    "partial",
                )
                self.log.append("partial close")
            if self.due("signal", 4):
                await self.execute_signal()
            if self.due("pending", 6):
                ticket = w.ticket
                ticket.order_type.setCurrentText("limit")
                bid = self.engine.quote("EURUSD").bid
                self.type_into(ticket.price, f"{bid + 0.0025:.5f}")
                self.type_into(ticket.sl, "20")
                self.type_into(ticket.tp, "40")
                if ticket.sell.isEnabled():
                    QTest.mouseClick(ticket.sell, Qt.MouseButton.LeftButton)
                    await self.wait_for(
                        lambda: any(t.status is TradeStatus.PENDING for t in self.engine.active_trades()),
                        "the sell limit",
                    )
                    self.log.append("sell limit placed")
                ticket.order_type.setCurrentText("market")
            for k, hour in enumerate((5, 8, 11, 14, 17)):
                if self.due(f"timeframe-{k}", hour):
                    tf = timeframes[k]
                    button = next(b for b in w.chart.timeframe_buttons.buttons() if b.text() == tf.value)
                    QTest.mouseClick(button, Qt.MouseButton.LeftButton)
                    self.log.append(f"timeframe {tf.value}")
            if self.due("light", 9):
                w.set_theme("light")
            if self.due("dark", 15):
                w.set_theme("dark")
            if self.due("symbol", 19):
                w.market_watch.chart_requested.emit("GBPUSD")
                self.log.append("GBPUSD chart")
            if self.due("symbol-back", 21):
                w.chart.set_symbol("EURUSD")

    async def execute_signal(self) -> None:
        quote = self.engine.quote("EURUSD")
        entry = quote.ask
        signal = await self.engine.signals.submit(
            Signal(
                None,
                "EURUSD",
                Side.BUY,
                entry,
                round(entry - 0.0030, 5),
                round(entry + 0.0060, 5),
                0.7,
                "soak-model",
                Timeframe.M5,
                quote.time,
                quote.time + timedelta(hours=2),
            )
        )
        panel = self.window.signals_panel
        if not await self.wait_for(lambda: signal.id in panel._signals, "the signal row"):
            return
        button = panel.execute_button(signal.id)
        if button.isEnabled():
            QTest.mouseClick(button, Qt.MouseButton.LeftButton)
            await self.wait_for(
                lambda: any(t.signal_id == signal.id for t in self.engine.active_trades()), "the signal's trade"
            )
            self.log.append(f"executed signal #{signal.id}")


async def snapshot(engine) -> tuple[list, Decimal]:
    items, _ = await engine.list_trades(limit=1000)
    keep = (
        "id",
        "symbol",
        "side",
        "status",
        "lots",
        "entry_price",
        "requested_price",
        "sl",
        "tp",
        "close_price",
        "close_reason",
        "pnl",
        "commission",
        "signal_id",
        "parent_id",
    )
    return sorted(tuple(getattr(t, k) for k in keep) for t in items), engine.account().balance


def test_a_trading_day_in_the_window_then_a_restart(qloop, tmp_path, monkeypatch):
    QSettings.setPath(QSettings.Format.NativeFormat, QSettings.Scope.UserScope, str(tmp_path / "qt"))
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "qt"))
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    errors = install_excepthook()
    qt_messages = QtMessageCounter().install()
    start = a_monday()
    db = tmp_path / "paper.db"
    settings = Settings.load(
        {
            "db": db,
            "feed": "sim",
            "seed": 3,
            "port": 0,
            "symbols": SYMBOLS,
            "speed": "max",
            "sim_start": start.isoformat(),
        }
    )
    feed = SimulatedFeed(speed="max", seed=3, sim_start=start, tick_seconds=TICK_SECONDS, history_days=3)
    try:
        ready = qloop.loop.create_future()
        task = qloop.loop.create_task(main(settings, ready, feed=feed))
        window = qloop.run(asyncio.shield(ready), timeout=60)
        engine = window.engine
        checked, mismatches = [], []

        def on_bar(event: BarClosed) -> None:
            chart = window.chart
            if event.bar.symbol != chart.symbol or event.bar.timeframe is not chart.timeframe:
                return
            if window.tasks.running("chart-"):
                return  # the history of a new symbol/timeframe is being loaded: checked from the next close
            want = stored(finished(engine.bars(chart.symbol, chart.timeframe, 3)))
            got = candles(chart.series, 3)
            checked.append(event.bar.time)
            if got != want:
                mismatches.append((chart.symbol, chart.timeframe.value, event.bar.time, got, want))

        unsubscribe = engine.bus.subscribe(BarClosed, on_bar)  # after the window's: the chart has it already
        trader = Trader(window, start)
        qloop.run(trader.run(), timeout=240)
        unsubscribe()
        qloop.run(feed.stop())
        qloop.spin(0.2)
        before = qloop.run(snapshot(engine))
        window.close()
        assert qloop.run(task, timeout=60) == 0

        assert {"open", "drag", "partial", "signal", "pending", "light", "dark"} <= trader.done, trader.log
        assert len(checked) > 100, "too few bar closes were checked"
        assert mismatches == []
        assert sum(1 for t in before[0] if t[3] is TradeStatus.CLOSED) >= 1

        ready = qloop.loop.create_future()
        task = qloop.loop.create_task(main(settings, ready, feed=SilentFeed()))
        window = qloop.run(asyncio.shield(ready), timeout=60)
        after = qloop.run(snapshot(window.engine))
        assert after == before
        assert window.status.balance.text().endswith(f"{before[1]:,.2f} USD</b>")
        window.close()
        assert qloop.run(task, timeout=60) == 0
    finally:
        qt_messages.uninstall()
    assert [e.summary for e in errors.entries.values()] == []
    assert [m for m in qt_messages.warnings if not any(n in m for n in PLATFORM_NOISE)] == []
