"""The candle item paints only the visible bars, caches closed ones, and the chart view behaves."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from datetime import datetime, timedelta, timezone

from PySide6.QtGui import QColor, QImage

import numpy as np

from engine.values import Quote, Side, Signal, Timeframe
from terminal.chart.candles import CHUNK
from terminal.chart.overlays import Marker
from terminal.chart.view import ChartView
from terminal.theme import DARK


def walk(n: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(3)
    close = 1.08 + np.cumsum(rng.normal(0, 0.0002, n))
    open_ = np.r_[close[0], close[:-1]]
    high = np.maximum(open_, close) + 0.0001
    low = np.minimum(open_, close) - 0.0001
    times = 1_699_999_980 + 60 * np.arange(n, dtype=np.int64)
    return times, np.column_stack([open_, high, low, close, np.zeros(n)])


def chart_with(qtbot, n: int) -> ChartView:
    view = ChartView(["EURUSD"], timeframe=Timeframe.M1)
    qtbot.addWidget(view)
    view.resize(1200, 700)
    view.series.set_arrays(*walk(n))
    view.candles.reset()
    view.show()
    return view


def colours_in(image: QImage, colour: str) -> int:
    target = QColor(colour).rgb()
    step = 3
    return sum(
        1 for x in range(0, image.width(), step) for y in range(0, image.height(), step) if image.pixel(x, y) == target
    )


def test_candles_large_series_paints_only_visible_bars(qtbot):
    view = chart_with(qtbot, 200_000)
    view.set_x_range(150_000, 150_300)
    image = view.grab().toImage()
    painted = view.candles.painted_bars
    assert 300 <= painted <= 300 + 2 * CHUNK + 1
    assert colours_in(image, DARK.profit) > 50 and colours_in(image, DARK.loss) > 50


def test_candles_zoomed_out_draws_one_column_per_pixel(qtbot):
    view = chart_with(qtbot, 200_000)
    view.set_x_range(0, 200_000)
    view.grab()
    assert view.candles.painted_bars == 200_000  # all bars fall in view…
    assert view.candles.pixelWidth() > 1.0  # …but are drawn as pixel columns
    assert len(view.candles._chunks) == 0  # and no per-bar picture was built


def test_candles_price_update_keeps_closed_chunk_cache(qtbot):
    view = chart_with(qtbot, 5_000)
    view.scroll_to_end()
    view.grab()
    cached = dict(view.candles._chunks)
    assert cached
    last = int(view.series.times[-1])
    view.apply_quote(Quote("EURUSD", 1.2, 1.2001, datetime.fromtimestamp(last + 5, tz=timezone.utc)))
    view.repaint_now()
    view.grab()
    assert view.series.high[-1] == 1.2 and view.series.close[-1] == 1.2
    assert all(view.candles._chunks.get(k) is v for k, v in cached.items())


def test_candles_late_bar_in_a_cached_chunk_is_drawn_again(qtbot):
    from engine.values import Bar

    view = chart_with(qtbot, 1_000)
    view.scroll_to_end()
    view.grab()
    index = len(view.series) - 3
    chunk = index // CHUNK
    cached = view.candles._chunks[chunk]
    when = datetime.fromtimestamp(int(view.series.times[index]), tz=timezone.utc)
    view.apply_bar(Bar("EURUSD", Timeframe.M1, when, 1.0, 1.3, 0.9, 1.2, 5.0))
    view.repaint_now()
    view.grab()
    assert view.series.high[index] == 1.3
    assert view.candles._chunks[chunk] is not cached
    assert view.candles.boundingRect().bottom() >= 1.3


def test_chart_follows_right_edge_until_user_scrolls_away(qtbot):
    view = chart_with(qtbot, 1_000)
    view.scroll_to_end()
    last = int(view.series.times[-1])
    view.apply_quote(Quote("EURUSD", 1.1, 1.1001, datetime.fromtimestamp(last + 60, tz=timezone.utc)))
    view.repaint_now()
    _, right = view.visible_range()
    assert len(view.series) == 1_001 and right >= 1_001
    view.pan(-300)
    assert view.follow is False
    left_before, _ = view.visible_range()
    view.apply_quote(Quote("EURUSD", 1.1, 1.1001, datetime.fromtimestamp(last + 120, tz=timezone.utc)))
    view.repaint_now()
    assert view.visible_range()[0] == left_before  # stays where the user put it
    view.scroll_to_end()
    assert view.follow is True


def test_chart_crosshair_reads_price_and_time(qtbot):
    view = chart_with(qtbot, 100)
    view.crosshair.move_to(10.2, 1.23456)
    expected = datetime.fromtimestamp(int(view.series.times[10]), tz=timezone.utc).strftime("%Y-%m-%d %H:%M")
    assert view.crosshair.readout == f"1.23456  {expected} UTC"


def test_chart_pattern_overlay_labels_points_x_a_b_c_d(qtbot):
    view = chart_with(qtbot, 100)
    times = [datetime.fromtimestamp(int(view.series.times[i]), tz=timezone.utc) for i in (10, 20, 30, 40, 50)]
    from engine.values import PatternPoint

    points = [PatternPoint(label, t, 1.08 + i * 0.001) for i, (label, t) in enumerate(zip("XABCD", times, strict=True))]
    signal = Signal(
        7,
        "EURUSD",
        Side.BUY,
        1.081,
        1.079,
        1.085,
        0.6,
        "harmonic",
        Timeframe.M1,
        times[-1],
        times[-1] + timedelta(hours=1),
        pattern={"name": "gartley", "points": points},
    )
    view.show_signal(signal)
    assert view.pattern.labels == ["X", "A", "B", "C", "D"]
    xs, _ = view.pattern._curve.getData()
    assert list(xs) == [10, 20, 30, 40, 50]
    assert any(m.kind == "signal" for m in view.markers.markers)


def test_chart_trade_levels_drag_emits_new_sl(qtbot):
    view = chart_with(qtbot, 100)
    now = datetime.fromtimestamp(int(view.series.times[-1]), tz=timezone.utc)
    from tests.kit import make_trade

    trade = make_trade(
        3,
        at=now,
        lots="0.1",
        entry_price=1.08,
        sl=1.07,
        tp=1.09,
        pnl=0,
        commission=0,
        swap=0,
        comment="",
        created_at=None,
    )
    view.set_trades([trade])
    line = view.levels.line(3, "sl")
    assert line is not None and line.movable and view.levels.line(3, "price").movable is False
    with qtbot.waitSignal(view.level_dragged) as blocker:
        line.setValue(1.074444)
        line.sigPositionChangeFinished.emit(line)
    assert blocker.args == [3, "sl", 1.07444]


def test_markers_relayout_on_timeframe_switch(qtbot):
    view = chart_with(qtbot, 100)
    when = datetime.fromtimestamp(int(view.series.times[50]) + 10, tz=timezone.utc)
    view.add_marker(Marker("EURUSD", when, 1.08, Side.SELL, "open"))
    spots = view.markers._scatter.data
    assert len(spots) == 1 and spots[0]["x"] == 50


def test_void_qpainter_calls_200k_times_exit_cleanly():
    """PySide6 6.12 on Python 3.11 aborts after ~100k void calls (pitfalls.md); ours must not."""
    code = textwrap.dedent("""
        from PySide6.QtGui import QGuiApplication, QImage, QPainter, QPen
        app = QGuiApplication([])
        image = QImage(16, 16, QImage.Format.Format_ARGB32)
        painter = QPainter(image)
        pen = QPen()
        for i in range(200_000):
            painter.setPen(pen)
        painter.end()
        print("ok")
    """)
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        env={"QT_QPA_PLATFORM": "offscreen", "PATH": ""},
    )
    assert result.returncode == 0, result.stderr[-500:]
    assert result.stdout.strip() == "ok"


def test_chart_keyboard_pans_zooms_and_returns_to_end(qtbot):
    from PySide6.QtCore import Qt

    view = chart_with(qtbot, 2_000)
    view.scroll_to_end()
    left, _right = view.visible_range()
    qtbot.keyClick(view.plot_widget, Qt.Key.Key_Left)
    new_left, new_right = view.visible_range()
    assert new_left < left and view.follow is False
    qtbot.keyClick(view.plot_widget, Qt.Key.Key_Plus)
    zoomed_left, zoomed_right = view.visible_range()
    assert zoomed_right - zoomed_left < new_right - new_left
    qtbot.keyClick(view.plot_widget, Qt.Key.Key_End)
    assert view.follow is True and view.visible_range()[1] >= 2_000
