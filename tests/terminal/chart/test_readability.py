"""A chart a trader can read (issue 13, item 5): tags, labels, crosshair, keys, digits, legend, fit."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta, timezone

from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication

import numpy as np

from engine.values import OrderType, Quote, Side, Timeframe, TradeRecord, TradeStatus
from terminal.chart.view import ChartView
from terminal.theme import DARK
from tests.kit import make_trade


def walk(n: int, step: int = 60, start: float = 1.08) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(5)
    close = start + np.cumsum(rng.normal(0, 0.0002, n))
    open_ = np.r_[close[0], close[:-1]]
    high = np.maximum(open_, close) + 0.0001
    low = np.minimum(open_, close) - 0.0001
    times = (1_700_000_000 // 86_400) * 86_400 + step * np.arange(n, dtype=np.int64)
    return times, np.column_stack([open_, high, low, close, np.zeros(n)])


def chart(
    qtbot, n: int = 300, timeframe: Timeframe = Timeframe.M1, symbol: str = "EURUSD", start: float = 1.08
) -> ChartView:
    view = ChartView([symbol], timeframe=timeframe)
    qtbot.addWidget(view)
    view.resize(1200, 700)
    view.series.set_arrays(*walk(n, timeframe.seconds, start))
    view.candles.reset()
    view.show()
    qtbot.waitExposed(view)
    view.scroll_to_end()
    return view


def quote_now(view: ChartView, bid: float, ask: float) -> Quote:
    last = int(view.series.times[-1])
    return Quote(view.symbol, bid, ask, datetime.fromtimestamp(last + 5, tz=timezone.utc), "test")


def trade(
    trade_id: int, entry: float, sl: float | None, tp: float | None, side: Side = Side.BUY, pending: bool = False
) -> TradeRecord:
    now = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
    status = TradeStatus.PENDING if pending else TradeStatus.OPEN
    order_type = OrderType.LIMIT if pending else OrderType.MARKET
    return make_trade(
        trade_id,
        at=now,
        side=side,
        order_type=order_type,
        status=status,
        lots="0.1",
        requested_price=entry if pending else None,
        entry_price=None if pending else entry,
        sl=sl,
        tp=tp,
        pnl=0,
        commission=0,
        swap=0,
        comment="",
        created_at=None,
    )


def overlaps(rects) -> list:
    return [(a, b) for (ka, a), (kb, b) in itertools.combinations(rects, 2) if a.intersects(b)]


# --- bid/ask tags on the price axis --------------------------------------------------------------


def test_price_axis_bid_ask_tags_are_coloured_outside_the_plot_and_apart(qtbot):
    view = chart(qtbot)
    last = float(view.series.close[-1])
    view.apply_quote(quote_now(view, last, last + 0.00001))  # a 0.1-pip spread: the prices nearly coincide
    view.repaint_now()
    view.grab()
    tags = view.price_axis.tag_rects()
    assert set(tags) >= {"bid", "ask"}
    plot = view.plot.vb.sceneBoundingRect()
    for name in ("bid", "ask"):
        rect = view.price_axis.mapRectToScene(tags[name])
        assert rect.left() >= plot.right() - 0.5, f"{name} tag is inside the plot"
    assert not tags["bid"].intersects(tags["ask"])
    assert tags["ask"].bottom() <= tags["bid"].top()  # the ask above the bid
    assert view.price_axis.tag_colour("bid") == DARK.bid and view.price_axis.tag_colour("ask") == DARK.ask
    assert view.price_axis.tag_text("bid") == f"{last:.5f}"
    assert getattr(view.prices.bid, "label", None) is None  # no price text over the newest candles


# --- trade level labels --------------------------------------------------------------------------


def test_trade_level_labels_of_many_close_trades_never_overlap(qtbot):
    view = chart(qtbot)
    base = float(view.series.close[-1])
    trades = [
        trade(i, base + i * 0.00001, base - 0.0003 + i * 0.00001, base + 0.0003, pending=(i % 3 == 0))
        for i in range(1, 9)
    ]
    trades.append(trade(20, base, base - 0.00002, base + 0.00002))  # SL and TP almost on the entry
    view.set_trades(trades)
    view.grab()
    rects = view.level_label_rects()
    assert len(rects) == 3 * len(trades)
    assert overlaps(rects) == []


def test_trade_level_labels_stay_apart_from_a_shown_signal(qtbot):
    from engine.values import Signal

    view = chart(qtbot)
    base = float(view.series.close[-1])
    view.set_trades([trade(1, base, base - 0.0002, base + 0.0004)])
    when = datetime.fromtimestamp(int(view.series.times[-20]), tz=timezone.utc)
    view.show_signal(
        Signal(
            5,
            "EURUSD",
            Side.BUY,
            base,
            base - 0.0002,
            base + 0.0004,
            0.7,
            "m",
            Timeframe.M1,
            when,
            when + timedelta(hours=1),
        )
    )
    view.grab()
    rects = view.level_label_rects()
    assert len(rects) == 6 and overlaps(rects) == []


def test_dragged_level_label_shows_the_new_price_while_dragging(qtbot):
    view = chart(qtbot)
    base = float(view.series.close[-1])
    view.set_trades([trade(3, base, base - 0.0010, base + 0.0020)])
    line = view.levels.line(3, "sl")
    line.setValue(base - 0.00123)  # sigPositionChanged: the drag is under way
    label = view.levels.label(3, "sl")
    assert f"{base - 0.00123:.5f}" in label.toPlainText()
    assert "pips" in label.toPlainText()


# --- crosshair -----------------------------------------------------------------------------------


def test_crosshair_hides_when_the_mouse_leaves_the_plot(qtbot):
    view = chart(qtbot)
    viewport = view.plot_widget.viewport()
    centre = view.plot.vb.sceneBoundingRect().center()
    qtbot.mouseMove(viewport, view.plot_widget.mapFromScene(centre))
    qtbot.waitUntil(lambda: view.crosshair.vline.isVisible())
    QApplication.sendEvent(viewport, QEvent(QEvent.Type.Leave))
    assert not view.crosshair.vline.isVisible() and not view.crosshair.hline.isVisible()
    assert not view.crosshair.label.isVisible()


# --- keys after a click on the plot --------------------------------------------------------------


def test_zoom_keys_work_after_clicking_the_plot(qtbot):
    view = chart(qtbot, 2_000)
    viewport = view.plot_widget.viewport()
    centre = view.plot_widget.mapFromScene(view.plot.vb.sceneBoundingRect().center())
    qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=centre)

    def width() -> float:
        left, right = view.visible_range()
        return right - left

    before = width()
    qtbot.keyClick(view.plot_widget, Qt.Key.Key_Plus)
    assert width() < before
    narrowed = width()
    qtbot.keyClick(view.plot_widget, Qt.Key.Key_Minus)
    assert width() > narrowed
    widened = width()
    qtbot.keyClick(view.plot_widget, Qt.Key.Key_Equal)
    assert width() < widened


# --- fixed digits --------------------------------------------------------------------------------


def test_price_axis_labels_use_the_instruments_fixed_digits(qtbot):
    view = chart(qtbot)
    assert view.price_axis.tickStrings([1.1075, 1.108, 1.10825], 1.0, 0.00025) == ["1.10750", "1.10800", "1.10825"]
    jpy = chart(qtbot, symbol="USDJPY", start=151.2)
    assert jpy.price_axis.tickStrings([151.2, 151.25], 1.0, 0.05) == ["151.200", "151.250"]


# --- OHLC legend ---------------------------------------------------------------------------------


def test_ohlc_legend_shows_the_bar_under_the_cursor_else_the_last(qtbot):
    view = chart(qtbot)
    s = view.series
    view.crosshair.move_to(100.2, 1.0)
    text = view.legend_text()
    change = s.close[100] - s.close[99]
    for value in (s.open[100], s.high[100], s.low[100], s.close[100]):
        assert f"{value:.5f}" in text
    assert f"{change:+.5f}" in text and f"{100 * change / s.close[99]:+.2f}%" in text
    view.crosshair.hide()
    assert f"C {s.close[-1]:.5f}" in view.legend_text()
    last = float(s.close[-1])
    view.apply_quote(quote_now(view, last + 0.0005, last + 0.0006))
    view.repaint_now()
    assert f"C {last + 0.0005:.5f}" in view.legend_text()  # follows the forming bar


# --- sparse timeframes ---------------------------------------------------------------------------


def test_sparse_timeframe_fits_its_data_instead_of_leaving_the_view_empty(qtbot):
    view = chart(qtbot, 40, Timeframe.D1)
    left, right = view.visible_range()
    assert left >= -2 and (40 - max(left, 0)) / (right - left) >= 0.8
    for _ in range(6):
        view.zoom(1.25)  # zooming out stops at the data
    left, right = view.visible_range()
    assert left >= -2 and (40 - max(left, 0)) / (right - left) >= 0.8


def test_price_axis_tag_follows_theme(qtbot):
    from terminal.theme import LIGHT

    view = chart(qtbot)
    last = float(view.series.close[-1])
    view.apply_quote(quote_now(view, last, last + 0.0001))
    view.repaint_now()
    view.apply_palette(LIGHT)
    assert view.price_axis.tag_colour("bid") == LIGHT.bid
    assert QColor(view.price_axis.tag_colour("ask")).isValid()
    assert QPointF(0, 0) == QPointF(QPoint(0, 0))


def test_price_axis_leaves_out_tick_labels_under_a_tag(qtbot):
    view = chart(qtbot)
    view.grab()
    labels = list(view.price_axis.drawn_labels)
    assert labels
    tick = float(labels[len(labels) // 2])
    view.apply_quote(quote_now(view, tick, tick + 0.00001))
    view.follow = False
    view.repaint_now()
    view.grab()
    assert f"{tick:.5f}" not in view.price_axis.drawn_labels
    assert set(view.price_axis.drawn_labels) & set(labels)  # the others are still there


def test_level_labels_keep_off_the_legend_and_hide_with_their_line(qtbot):
    view = chart(qtbot)
    view.scroll_to_end()
    (_, _), (low, high) = view.plot.vb.viewRange()
    near_top = high - (high - low) * 0.02  # a line just under the legend
    view.set_trades([trade(1, near_top, near_top - (high - low) * 0.5, high + (high - low))])  # TP off-screen
    view.grab()
    legend = view.plot_widget.mapToScene(view.legend.geometry()).boundingRect()
    rects = dict(view.level_label_rects())
    assert ("trade", 1, "tp") not in rects and not view.levels.label(1, "tp").isVisible()
    assert rects and all(not rect.intersects(legend) for rect in rects.values())


def test_crosshair_reads_the_new_bar_when_the_view_moves_under_a_still_mouse(qtbot):
    view = chart(qtbot, 2_000)
    viewport = view.plot_widget.viewport()
    spot = view.plot_widget.mapFromScene(view.plot.vb.sceneBoundingRect().center()) + QPoint(17, 9)
    qtbot.mouseMove(viewport, spot)  # (not where an earlier test left the cursor: no move event then)
    qtbot.waitUntil(lambda: view.crosshair.index is not None)
    before = view.crosshair.index
    view.pan(-50)
    assert view.crosshair.index is not None and view.crosshair.index < before


def test_time_axis_relabels_after_a_timeframe_switch_with_the_same_bar_count(qtbot):
    from engine.values import Bar

    view = chart(qtbot, 1_500, Timeframe.M5)
    view.grab()
    m5_labels = list(view.axis.drawn_labels)
    times, ohlcv = walk(1_500, Timeframe.M1.seconds)
    bars = [
        Bar("EURUSD", Timeframe.M1, datetime.fromtimestamp(int(t), tz=timezone.utc), *row[:4])
        for t, row in zip(times, ohlcv, strict=True)
    ]
    view.set_timeframe(Timeframe.M1)
    view.set_bars(bars)  # as the window loads the new history: same count, same x range
    view.grab()
    left, right = view.visible_range()
    shown = {view.series.time_at(i).strftime("%H:%M") for i in range(max(int(left), 0), int(right) + 1)}
    assert view.axis.drawn_labels and view.axis.drawn_labels != m5_labels
    assert set(view.axis.drawn_labels) <= shown
