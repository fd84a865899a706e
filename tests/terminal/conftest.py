"""GUI test fixtures: a qasync loop per test and the REAL engine over an SQLite journal.

Async work is driven with ``loop.run_until_complete`` on a qasync
``QEventLoop`` set as the current loop, so Qt events and asyncio tasks run
together exactly as in the application.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

import pytest
import qasync

from engine.broker import BrokerConfig, PaperBroker
from engine.bus import EventBus
from engine.journal import SqlJournal
from engine.service import TradingEngine
from engine.signals.book import SignalBook
from engine.values import Bar, Quote, Side, Signal, Timeframe
from terminal.prefs import Preferences

SYMBOLS = ["EURUSD", "GBPUSD", "USDJPY"]
PRICES = {"EURUSD": (1.08500, 1.08508), "GBPUSD": (1.26500, 1.26512), "USDJPY": (151.200, 151.210)}


class Driver:
    """Runs coroutines and waits for conditions on the test's qasync loop."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop

    def run(self, coro, timeout: float = 10.0):
        return self.loop.run_until_complete(asyncio.wait_for(coro, timeout))

    def until(self, condition: Callable[[], bool], timeout: float = 5.0, what: str = "condition") -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}")
            self.run(asyncio.sleep(0.01))

    def spin(self, seconds: float = 0.05) -> None:
        self.run(asyncio.sleep(seconds))


@pytest.fixture(scope="session")
def gui_thread_gc(qapp: QApplication) -> Iterator[None]:
    """Collect cyclic garbage on the GUI thread only, as the application does (terminal.app)."""
    import gc

    from terminal.app import GuiThreadGarbageCollector

    collector = GuiThreadGarbageCollector()
    yield
    collector.stop()
    gc.collect()


class _TestEventLoop(qasync.QEventLoop):
    """qasync's loop, run piecewise by the tests without losing the running loop.

    ``QEventLoop.run_until_complete`` ends with one more ``processEvents`` pass
    *after* it has unset the running loop; a task step run there (a mirror
    worker's ``Queue.get()``, any ``asyncio.sleep``) fails with "bound to a
    different event loop" and the task dies. The application calls it once, at
    exit; the tests call it hundreds of times. Here callbacks left pending run
    in the next ``run_until_complete``, inside the running loop.
    """

    def run_until_complete(self, future):
        future = asyncio.ensure_future(future, loop=self)

        def stop(_: asyncio.Future) -> None:
            self.stop()

        future.add_done_callback(stop)
        try:
            self.run_forever()
        finally:
            future.remove_done_callback(stop)
        if not future.done():
            raise RuntimeError("Event loop stopped before Future completed.")
        return future.result()


@pytest.fixture
def qloop(qapp: QApplication, gui_thread_gc: None) -> Iterator[Driver]:
    loop = _TestEventLoop(qapp, already_running=False)
    asyncio.set_event_loop(loop)
    try:
        yield Driver(loop)
    finally:
        pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
        for task in pending:
            task.cancel()
        if pending:
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        loop.close()
        asyncio.set_event_loop(None)


def quote(symbol: str, bid: float | None = None, when: datetime | None = None, spread: float | None = None) -> Quote:
    base_bid, base_ask = PRICES[symbol]
    bid = base_bid if bid is None else bid
    ask = bid + (base_ask - base_bid if spread is None else spread)
    return Quote(symbol, round(bid, 5), round(ask, 5), when or datetime.now(timezone.utc), "test")


def history(symbol: str, timeframe: Timeframe = Timeframe.M5, count: int = 300) -> list[Bar]:
    """A deterministic zig-zag of closed bars ending before now."""
    step = timeframe.seconds
    end = timeframe.floor(datetime.now(timezone.utc)) - timedelta(seconds=step)
    base, _ = PRICES[symbol]
    pip = 0.01 if symbol.endswith("JPY") else 0.0001
    bars = []
    price = base
    for i in range(count):
        open_ = price
        close = open_ + ((i % 7) - 3) * pip
        high = max(open_, close) + 2 * pip
        low = min(open_, close) - 2 * pip
        bars.append(Bar(symbol, timeframe, end - timedelta(seconds=step * (count - 1 - i)), open_, high, low, close))
        price = close
    return bars


def make_signal(
    symbol: str = "EURUSD",
    side: Side = Side.BUY,
    source: str = "test-model",
    pattern: dict | None = None,
    minutes: int = 30,
) -> Signal:
    bid, ask = PRICES[symbol]
    pip = 0.01 if symbol.endswith("JPY") else 0.0001
    entry = ask if side is Side.BUY else bid
    sl = entry - side.sign * 20 * pip
    tp = entry + side.sign * 40 * pip
    now = datetime.now(timezone.utc)
    return Signal(
        None,
        symbol,
        side,
        round(entry, 5),
        round(sl, 5),
        round(tp, 5),
        0.72,
        source,
        Timeframe.M5,
        now,
        now + timedelta(minutes=minutes),
        pattern=pattern,
    )


@pytest.fixture
def engine(request: pytest.FixtureRequest, qloop: Driver, tmp_path) -> Iterator[TradingEngine]:
    """A started real TradingEngine (PaperBroker + SqlJournal in tmp_path) with a SignalBook and prices.

    Its prices are quoted now; parametrized indirectly with ``{"quotes_at": timedelta}`` they are quoted
    that far from now, as the engine of a fast simulation (its market clock) would have them.
    """
    offset = getattr(request, "param", {}).get("quotes_at", timedelta(0))
    journal = SqlJournal(f"sqlite:///{tmp_path / 'journal.db'}")
    broker = PaperBroker(BrokerConfig(balance=Decimal("10000")), next_id=1)
    eng = TradingEngine(EventBus(), broker, journal, symbols=SYMBOLS, account_interval=0.0)
    qloop.run(eng.start())
    book = SignalBook(eng)
    eng.attach_signals(book)
    qloop.run(book.start())
    eng.seed_bars(history("EURUSD") + history("GBPUSD") + history("USDJPY"))
    for symbol in SYMBOLS:
        qloop.run(eng.on_quote(quote(symbol, when=datetime.now(timezone.utc) + offset)))
    yield eng
    qloop.run(eng.signals.stop())
    qloop.run(eng.stop())


@pytest.fixture
def make_window(qtbot, qloop: Driver, store):
    """Build main windows; at teardown close them and let Qt delete them while the loop still runs."""
    from terminal.mainwindow import MainWindow

    windows: list[MainWindow] = []

    def build(engine: TradingEngine, prefs: Preferences, load: bool = True, **kwargs) -> MainWindow:
        kwargs.setdefault("store", store)
        window = MainWindow(engine, prefs, **kwargs)
        windows.append(window)
        window.show()
        if load:
            qloop.run(window.load())
        return window

    yield build
    for window in windows:
        window.close()
        qloop.run(window.tasks.cancel_all())
    qloop.spin(0.02)
    _CLOSED_WINDOWS.extend(windows)  # never deleted mid-session: see the note above


# Qt objects of finished tests are kept (closed, timers stopped) until the end of the
# session, so no test frees another test's widgets. (Automatic garbage collection may
# run on any thread, e.g. the journal's database thread, and a QObject destroyed off
# the GUI thread crashed Qt later in QTimerInfoList::activateTimers; ``gui_thread_gc``
# collects on the GUI thread only, as the application does.)
_CLOSED_WINDOWS: list = []


@pytest.fixture(autouse=True)
def _retain_qt_objects(request):
    """After each test: stop the timers of every top-level widget and keep it alive."""
    yield
    app = QApplication.instance()
    if app is None:
        return
    from PySide6.QtCore import QTimer

    for widget in app.topLevelWidgets():
        for timer in widget.findChildren(QTimer):
            timer.stop()
        _CLOSED_WINDOWS.append(widget)


@pytest.fixture
def store(tmp_path) -> QSettings:
    """An isolated QSettings file (window layout and preferences)."""
    return QSettings(str(tmp_path / "window.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def prefs() -> Preferences:
    return Preferences(risk_percent=1.0, theme="dark", confirm_drag=True)
