"""Save PNG screenshots of the main window (dark and light, 1280×720, 1600×900, 1920×1080).

Usage: ``python scripts/screenshots.py [FOLDER] [--quick]`` (default folder
``docs/images``). Runs offscreen on the real engine (paper broker
and an SQLite journal in a temporary folder): two and a half days of a seeded
random market are played through ``engine.on_quote`` while a few trades open
and close, then open trades, a pending order and three signals (one with an
X-A-B-C-D pattern) are left on the chart, with the market watch, the ticket
and the signal feed beside it. Files: ``main-dark.png``/``main-light.png``
(1600×900), ``main-THEME-WxH.png`` for the other sizes and
``dashboard-dark.png``. Nothing touches the user's files.
"""

from __future__ import annotations

import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")
os.environ.setdefault("QT_API", "pyside6")

import argparse
import asyncio
import tempfile
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

import numpy as np
import qasync

START_PRICES = {"EURUSD": 1.08500, "GBPUSD": 1.26500, "USDJPY": 151.200}
SIZES = ((1600, 900), (1280, 720), (1920, 1080))  # the first is README's main-dark.png / main-light.png
SYMBOLS = list(START_PRICES)


def market(seed: int, minutes: int, step_seconds: int) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Seeded random-walk bids per symbol: (epoch seconds, bid) ending now."""
    from engine.instruments import SPECS

    rng = np.random.default_rng(seed)
    n = minutes * 60 // step_seconds
    end = int(datetime.now(timezone.utc).timestamp())
    times = end - step_seconds * np.arange(n - 1, -1, -1, dtype=np.int64)
    out = {}
    for symbol, start in START_PRICES.items():
        spec = SPECS[symbol]
        vol = spec.annual_volatility * np.sqrt(step_seconds / (365 * 24 * 3600))
        drift = np.sin(np.linspace(0, 5 * np.pi, n)) * vol * 0.03
        bids = start * np.exp(np.cumsum(rng.normal(0, vol, n) + drift))
        out[symbol] = (times, np.round(bids, spec.digits))
    return out


async def play(engine, prices, orders_every: int) -> None:
    """Feed the prices through the engine, opening and closing trades along the way."""
    from engine.broker import OrderRequest
    from engine.errors import ValidationError
    from engine.instruments import SPECS
    from engine.service_support import account_dict
    from engine.values import Quote, Side, iso
    from engine.wire import jsonable

    times = prices[SYMBOLS[0]][0]
    rng = np.random.default_rng(11)
    for i, t in enumerate(times):
        when = datetime.fromtimestamp(int(t), tz=timezone.utc)
        for symbol in SYMBOLS:
            spec = SPECS[symbol]
            bid = float(prices[symbol][1][i])
            ask = round(bid + spec.typical_spread_pips * spec.pip_size, spec.digits)
            await engine.on_quote(Quote(symbol, bid, ask, when, "sim"))
        if i % 20 == 0:  # the account samples the engine stores every minute, at the market's time here
            snapshot = jsonable({"time": iso(when), "account": account_dict(engine.account())})
            await engine.run_db(engine.journal.save_metrics, snapshot, when)
        if i and i % orders_every == 0 and i < len(times) - orders_every:
            symbol = SYMBOLS[int(rng.integers(len(SYMBOLS)))]
            spec = SPECS[symbol]
            side = Side.BUY if rng.random() < 0.5 else Side.SELL
            quote = engine.quote(symbol)
            entry = quote.ask if side is Side.BUY else quote.bid
            sl_pips, tp_pips = float(rng.integers(15, 35)), float(rng.integers(20, 60))
            sl = round(entry - side.sign * sl_pips * spec.pip_size, spec.digits)
            tp = round(entry + side.sign * tp_pips * spec.pip_size, spec.digits)
            try:
                await engine.place_order(
                    OrderRequest(
                        symbol, side, lots=Decimal("0.10") * int(rng.integers(1, 6)), sl=sl, tp=tp, comment="demo"
                    )
                )
            except ValidationError:
                pass


async def stage(engine) -> None:
    """Leave open trades, a pending order and signals (one with a pattern) for the picture."""
    from engine.broker import OrderRequest
    from engine.values import OrderType, PatternPoint, Side, Signal, Timeframe

    q = engine.quote("EURUSD")
    pip = 0.0001
    await engine.place_order(
        OrderRequest(
            "EURUSD",
            Side.BUY,
            lots=Decimal("0.50"),
            sl=round(q.ask - 25 * pip, 5),
            tp=round(q.ask + 45 * pip, 5),
            comment="demo",
        )
    )
    await engine.place_order(
        OrderRequest(
            "EURUSD",
            Side.SELL,
            OrderType.LIMIT,
            lots=Decimal("0.30"),
            price=round(q.bid + 18 * pip, 5),
            sl=round(q.bid + 38 * pip, 5),
            tp=round(q.bid - 20 * pip, 5),
            comment="demo",
        )
    )
    g = engine.quote("GBPUSD")
    await engine.place_order(
        OrderRequest(
            "GBPUSD", Side.SELL, lots=Decimal("0.20"), sl=round(g.bid + 30 * pip, 5), tp=round(g.bid - 60 * pip, 5)
        )
    )
    bars = await engine.bars("EURUSD", Timeframe.M5, 200)
    now = q.time
    n = len(bars)
    picks = [bars[int(n * f)] for f in (0.45, 0.58, 0.70, 0.82, 0.94)]
    labels = "XABCD"
    points = [
        PatternPoint(label, b.time, b.low if k % 2 == 0 else b.high)
        for k, (label, b) in enumerate(zip(labels, picks, strict=True))
    ]
    entry = round(q.ask, 5)
    specs = [
        Signal(
            None,
            "EURUSD",
            Side.BUY,
            entry,
            round(entry - 22 * pip, 5),
            round(entry + 50 * pip, 5),
            0.74,
            "harmonic-gartley",
            Timeframe.M5,
            now - timedelta(minutes=3),
            now + timedelta(minutes=27),
            pattern={"name": "gartley", "points": points},
        ),
        Signal(
            None,
            "GBPUSD",
            Side.SELL,
            round(g.bid, 5),
            round(g.bid + 25 * pip, 5),
            round(g.bid - 40 * pip, 5),
            0.61,
            "ema-cross",
            Timeframe.M15,
            now - timedelta(minutes=9),
            now + timedelta(minutes=21),
        ),
        Signal(
            None,
            "USDJPY",
            Side.BUY,
            engine.quote("USDJPY").ask,
            round(engine.quote("USDJPY").ask - 0.3, 3),
            round(engine.quote("USDJPY").ask + 0.6, 3),
            0.55,
            "ml-gbm",
            Timeframe.H1,
            now,
            now + timedelta(minutes=60),
        ),
    ]
    for signal in specs:
        await engine.signals.submit(signal)


def settle_teardown() -> None:
    """Delete the closed window's Qt objects and collect its cycles now, on the GUI thread.

    Left to a later collection, a cycle holding a chart item was sometimes freed
    inside a Qt call that held a Qt lock the item's destructor needs: the script
    then hung for good in ``engine.stop()`` (about 1 run in 3 after the chart's
    indicators and one-click strip arrived).
    """
    import gc

    from PySide6.QtCore import QCoreApplication, QEvent

    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    gc.collect()


async def shoot(folder: Path, quick: bool) -> list[Path]:
    from engine.broker import BrokerConfig, PaperBroker
    from engine.bus import EventBus
    from engine.journal import SqlJournal
    from engine.service import TradingEngine
    from engine.signals.book import SignalBook
    from engine.values import FeedStatus
    from terminal.app import GuiThreadGarbageCollector
    from terminal.mainwindow import MainWindow
    from terminal.prefs import Preferences

    collector = GuiThreadGarbageCollector()  # Qt objects are freed on the GUI thread only
    work = Path(tempfile.mkdtemp(prefix="paper-shots-"))
    os.environ["PAPER_TERMINAL_HOME"] = str(work)
    engine = TradingEngine(
        EventBus(),
        PaperBroker(BrokerConfig(balance=Decimal("10000"))),
        SqlJournal(f"sqlite:///{work / 'journal.db'}"),
        symbols=SYMBOLS,
        account_interval=1.0,
    )
    await engine.start()
    engine.register_status_source(
        lambda: FeedStatus("sim", True, True, in_use=True, details={"note": "simulated market"})
    )
    book = SignalBook(engine)
    engine.attach_signals(book)
    await book.start()
    minutes = 6 * 60 if quick else 60 * 60
    await play(engine, market(seed=5, minutes=minutes, step_seconds=30), orders_every=40 if quick else 90)
    await stage(engine)
    store = QSettings(str(work / "window.ini"), QSettings.Format.IniFormat)
    saved = []
    folder.mkdir(parents=True, exist_ok=True)
    for theme in ("dark", "light"):
        window = MainWindow(engine, Preferences(theme=theme), store=store, server_address="127.0.0.1:8765")
        window.resize(*SIZES[0])
        window.show()
        await window.load()
        window.ticket.sl_unit.setCurrentText("pips")
        window.ticket.tp_unit.setCurrentText("pips")
        window.ticket.sl.setText("20")
        window.ticket.tp.setText("40")
        await window.dashboard.reload()
        signal = (await engine.signals.list(symbol="EURUSD"))[0]
        window.show_signal(signal)
        window.docks["orders"].raise_()
        for width, height in SIZES:
            window.resize(width, height)
            await asyncio.sleep(0.05)
            window.layout_.apply()
            window.bridge.flush_now()
            window.chart.repaint_now()
            window.ticket.refresh_preview()
            await asyncio.sleep(0.3)
            name = f"main-{theme}.png" if (width, height) == (1600, 900) else f"main-{theme}-{width}x{height}.png"
            saved.append(folder / name)
            window.grab().save(str(saved[-1]))
        if theme == "dark":
            window.resize(1600, 900)
            await asyncio.sleep(0.05)
            window.layout_.apply()
            window.docks["dashboard"].raise_()
            await asyncio.sleep(0.2)
            saved.append(folder / "dashboard-dark.png")
            window.grab().save(str(saved[-1]))
        window.close()
        window.deleteLater()
        del window
        settle_teardown()
    await engine.signals.stop()
    await engine.stop()
    collector.stop()
    return saved


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", default=str(ROOT / "docs" / "images"))
    parser.add_argument("--quick", action="store_true", help="a shorter market history (tests)")
    args = parser.parse_args(argv)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setQuitOnLastWindowClosed(False)
    saved = qasync.run(shoot(Path(args.folder), args.quick))
    for path in saved:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
