"""Chart speed: frame render time at 100k and 1M bars (bare, then with indicators), one price update, cold start.

With indicators on: SMA 50, EMA 20, EMA 50 and Bollinger (20, 2) over the
candles and RSI 14 and MACD (12, 26, 9) in panes; the frame renders the whole
chart widget (header, price pane, indicator panes) at 1600 x 900.

Run: ``QT_QPA_PLATFORM=offscreen python -m tests.benchmarks.bench_chart``.
Prints ``name: value unit`` lines.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")
os.environ.setdefault("QT_API", "pyside6")

from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

import numpy as np

from engine.values import Timeframe

WIDTH, HEIGHT, VISIBLE = 1600, 900, 500


def random_walk(n: int, seed: int = 7) -> tuple[np.ndarray, np.ndarray]:
    """n M1 bars of a random walk around 1.08, epoch-aligned minutes."""
    rng = np.random.default_rng(seed)
    close = 1.08 + np.cumsum(rng.normal(0, 0.0002, n))
    open_ = np.r_[close[0], close[:-1]]
    spread = np.abs(rng.normal(0, 0.00015, n))
    high = np.maximum(open_, close) + spread
    low = np.minimum(open_, close) - spread
    times = 1_700_000_000 - 1_700_000_000 % 60 + 60 * np.arange(n, dtype=np.int64)
    return times, np.column_stack([open_, high, low, close, np.zeros(n)])


def render_samples(view, frames: int = 40) -> list[float]:
    """Seconds per frame of the whole chart widget, a small pan before each."""
    image = QImage(WIDTH, HEIGHT, QImage.Format.Format_ARGB32_Premultiplied)
    samples = []
    for i in range(frames):
        # A small pan each frame so caches of the visible range are exercised honestly.
        n = len(view.series)
        view.set_x_range(n - VISIBLE - i, n - i)
        start = time.perf_counter()
        view.render(image)
        samples.append(time.perf_counter() - start)
    return samples


def render_ms(view, frames: int = 40) -> float:
    return 1000 * float(np.median(render_samples(view, frames)))


def frame_figure(view) -> str:
    """ "median ms (fastest ms)": on a shared machine the fastest frame shows the cost without waits."""
    samples = render_samples(view)
    return f"{1000 * float(np.median(samples)):.2f} ms (fastest {1000 * min(samples):.2f} ms)"


def bench_bars(app: QApplication, n: int) -> None:
    from terminal.chart.view import ChartView

    view = ChartView(["EURUSD"], timeframe=Timeframe.M1)
    view.resize(WIDTH, HEIGHT)
    times, ohlcv = random_walk(n)
    view.series.set_arrays(times, ohlcv)
    view.candles.reset()
    view.show()
    app.processEvents()
    print(f"chart_frame_{n}_bars: {frame_figure(view)}")
    # One price applied to the forming candle, then painted (model + item refresh + frame).
    last = int(times[-1])
    image = QImage(WIDTH, HEIGHT, QImage.Format.Format_ARGB32_Premultiplied)
    view.set_x_range(n - VISIBLE, n + 6)
    model, total = [], []
    for i in range(200):
        start = time.perf_counter()
        view.series.apply_price(last + 1, 1.08 + (i % 7) * 1e-5)
        view.candles.refresh()
        model.append(time.perf_counter() - start)
        if i % 20 == 0:
            start = time.perf_counter()
            view.series.apply_price(last + 2, 1.08)
            view.candles.refresh()
            view.render(image)
            total.append(time.perf_counter() - start)
    print(f"chart_price_update_{n}_bars: {1000 * float(np.median(model)):.4f} ms")
    print(f"chart_price_update_and_frame_{n}_bars: {1000 * float(np.median(total)):.2f} ms")
    total = quote_and_frame(view, last)
    print(
        f"chart_quote_and_frame_{n}_bars: {1000 * float(np.median(total)):.2f} ms (fastest {1000 * min(total):.2f} ms)"
    )
    bench_indicators(app, view, n, last)
    view.close()


INDICATORS = ("sma", "ema_fast", "ema_slow", "bollinger", "rsi", "macd")


def quote_and_frame(view, last: int, frames: int = 30) -> list[float]:
    """Seconds for what the window does per frame: a quote applied, repaint_now (candles,
    indicators, axis tags, y fit) and the whole widget rendered."""
    from datetime import datetime, timezone

    from engine.values import Quote

    image = QImage(WIDTH, HEIGHT, QImage.Format.Format_ARGB32_Premultiplied)
    samples = []
    for i in range(frames):
        bid = 1.08 + (i % 9) * 1e-5
        quote = Quote("EURUSD", bid, bid + 8e-5, datetime.fromtimestamp(last + 4 + i, tz=timezone.utc), "bench")
        start = time.perf_counter()
        view.apply_quote(quote)
        view.repaint_now()
        view.render(image)
        samples.append(time.perf_counter() - start)
    return samples


def bench_indicators(app: QApplication, view, n: int, last: int) -> None:
    """The same chart with six indicators on: first computation, frame, one price + frame."""
    from dataclasses import replace

    specs = [replace(s, enabled=s.key in INDICATORS) for s in view.indicator_menu.specs]
    start = time.perf_counter()
    view.set_indicators(specs)
    print(f"chart_indicators_first_compute_{n}_bars: {1000 * (time.perf_counter() - start):.1f} ms")
    app.processEvents()
    print(f"chart_frame_with_indicators_{n}_bars: {frame_figure(view)}")
    view.set_x_range(n - VISIBLE, n + 6)
    sync = []
    for i in range(200):
        view.series.apply_price(last + 3 + i % 50, 1.08 + (i % 7) * 1e-5)
        start = time.perf_counter()
        view.indicators.sync(view.series)
        sync.append(time.perf_counter() - start)
    total = quote_and_frame(view, last)
    print(f"chart_indicators_price_update_{n}_bars: {1000 * float(np.median(sync)):.4f} ms")
    print(
        f"chart_quote_and_frame_with_indicators_{n}_bars: {1000 * float(np.median(total)):.2f} ms "
        f"(fastest {1000 * min(total):.2f} ms)"
    )


def bench_cold_start() -> None:
    """Seconds from interpreter start to the main window shown, and loaded (separate process, sim feed)."""
    code = "import time,sys; t=time.perf_counter();from tests.benchmarks.window_start import main; main(t)"
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    lines = [ln for ln in out.stdout.splitlines() if ln.startswith("window_")]
    for line in lines:
        print(line)
    if not lines or out.returncode != 0:
        print(f"cold_start: failed, exit {out.returncode} ({out.stderr.strip()[-300:]})")


def main() -> None:
    app = QApplication.instance() or QApplication(sys.argv)
    for n in (100_000, 1_000_000):
        bench_bars(app, n)
    bench_cold_start()


if __name__ == "__main__":
    main()
