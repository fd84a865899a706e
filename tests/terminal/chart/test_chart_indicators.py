"""Indicators on the chart: chosen from the menu, typed periods, restored on restart, drawn incrementally."""

from __future__ import annotations

from datetime import datetime, timezone

from PySide6.QtCore import QSettings, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDialogButtonBox, QSpinBox

import numpy as np
import pandas as pd

from engine.signals import indicators as ind
from engine.values import Quote, Timeframe
from terminal.chart.indicator_menu import SETTINGS_KEY, PeriodsDialog
from terminal.chart.view import ChartView
from tests.terminal.chart.test_readability import walk


def chart(qtbot, store: QSettings, n: int = 500) -> ChartView:
    view = ChartView(["EURUSD"], timeframe=Timeframe.M1)
    qtbot.addWidget(view)
    view.resize(1200, 800)
    view.attach(store=store)
    view.set_bars([])
    view.series.set_arrays(*walk(n))
    view.candles.reset()
    view.indicators.sync(view.series)
    view.show()
    qtbot.waitExposed(view)
    view.scroll_to_end()
    return view


def type_into(qtbot, field: QSpinBox, text: str) -> None:
    field.setFocus()
    field.selectAll()
    QTest.keyClicks(field, text)


def test_indicator_menu_shows_overlays_and_panes_with_the_engines_numbers(qtbot, store):
    view = chart(qtbot, store)
    menu = view.indicator_menu
    assert "used by mtf, ml" in menu.actions_by_key["ema_fast"].text()
    for key in ("ema_fast", "bollinger", "rsi", "macd"):
        menu.actions_by_key[key].trigger()
    view.grab()
    assert len(view.indicators.overlay_items("ema_fast")) == 1 and len(view.indicators.overlay_items("bollinger")) == 3
    assert set(view.indicators.panes) == {"rsi", "macd"}
    assert all(pane.isVisible() for pane in view.indicators.panes.values())
    assert all(item.painted > 0 for item in view.indicators.overlay_items("ema_fast"))
    close = pd.Series(np.array(view.series.close))
    np.testing.assert_allclose(view.indicators.values("ema_fast").column("value"), ind.ema(close, 20), atol=1e-12)
    np.testing.assert_allclose(view.indicators.values("rsi").column("value"), ind.rsi(close, 14), atol=1e-9)
    rsi_box = view.indicators.panes["rsi"].getPlotItem().vb
    assert rsi_box.viewRange()[0] == view.plot.vb.viewRange()[0]  # the panes share the chart's x
    view.zoom(0.5)
    assert rsi_box.viewRange()[0] == view.plot.vb.viewRange()[0]
    menu.actions_by_key["rsi"].trigger()  # off again
    assert "rsi" not in view.indicators.panes


def test_indicators_update_one_bar_per_tick_and_follow_bar_closes(qtbot, store):
    view = chart(qtbot, store)
    view.indicator_menu.toggle("ema_slow", True)
    view.indicator_menu.toggle("atr", True)
    last = int(view.series.times[-1])
    view.apply_quote(Quote("EURUSD", 1.09, 1.0901, datetime.fromtimestamp(last + 5, tz=timezone.utc), "t"))
    view.repaint_now()
    ema = view.indicators.values("ema_slow")
    assert ema.recomputed == 1
    close = pd.Series(np.array(view.series.close))
    assert ema.column("value")[-1] == ind.ema(close, 50).iloc[-1]
    view.apply_quote(Quote("EURUSD", 1.091, 1.0911, datetime.fromtimestamp(last + 65, tz=timezone.utc), "t"))
    view.repaint_now()
    assert ema.recomputed == 2 and len(ema.column("value")) == len(view.series)


def test_indicator_periods_typed_are_applied_and_restored_after_a_restart(qtbot, store):
    view = chart(qtbot, store)
    view.indicator_menu.toggle("ema_fast", True)
    view.indicator_menu.periods.trigger()
    dialog = view.indicator_menu.dialog
    assert isinstance(dialog, PeriodsDialog) and dialog.isVisible()
    type_into(qtbot, dialog.fields["ema_fast"][0], "33")
    type_into(qtbot, dialog.fields["bollinger"][1], "2.5")
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    assert not dialog.isVisible()
    assert view.indicators.values("ema_fast").spec.params == (33,)
    close = pd.Series(np.array(view.series.close))
    np.testing.assert_allclose(view.indicators.values("ema_fast").column("value"), ind.ema(close, 33), atol=1e-12)

    again = chart(qtbot, store)  # the next start, same settings
    specs = {s.key: s for s in again.indicator_menu.specs}
    assert specs["ema_fast"].params == (33,) and specs["ema_fast"].enabled
    assert specs["bollinger"].params == (20, 2.5) and not specs["bollinger"].enabled
    assert again.indicator_menu.actions_by_key["ema_fast"].isChecked()
    assert again.indicators.values("ema_fast") is not None


def test_indicator_periods_refuse_a_macd_fast_above_slow_naming_the_field(qtbot, store):
    view = chart(qtbot, store)
    view.indicator_menu.periods.trigger()
    dialog = view.indicator_menu.dialog
    type_into(qtbot, dialog.fields["macd"][0], "40")
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    assert dialog.isVisible() and "fast" in dialog.error.text() and "MACD" in dialog.error.text()
    assert {s.key: s for s in view.indicator_menu.specs}["macd"].params == (12, 26, 9)
    dialog.reject()


def test_unreadable_indicator_settings_fall_back_to_the_defaults(qtbot, store):
    store.setValue(SETTINGS_KEY, "{not json")
    view = chart(qtbot, store)
    assert not any(s.enabled for s in view.indicator_menu.specs)
    store.setValue(
        SETTINGS_KEY, '[{"key": "rsi", "params": [0], "enabled": true}, {"key": "sma", "params": [7], "enabled": true}]'
    )
    view = chart(qtbot, store)
    specs = {s.key: s for s in view.indicator_menu.specs}
    assert specs["rsi"].params == (14,) and not specs["rsi"].enabled  # period 0: the default, logged
    assert specs["sma"].params == (7,) and specs["sma"].enabled


def test_navigation_keys_in_an_indicator_pane_move_the_chart(qtbot, store):
    view = chart(qtbot, store)
    view.indicator_menu.toggle("rsi", True)
    pane = view.indicators.panes["rsi"]
    left, right = view.visible_range()
    qtbot.keyClick(pane, Qt.Key.Key_Plus)
    new_left, new_right = view.visible_range()
    assert new_right - new_left < right - left


def test_panes_restored_before_the_chart_is_shown_leave_the_price_pane_most_of_the_height(qtbot, store):
    store.setValue(
        SETTINGS_KEY,
        '[{"key": "rsi", "params": [14], "enabled": true}, {"key": "macd", "params": [12, 26, 9], "enabled": true}]',
    )
    view = ChartView(["EURUSD"], timeframe=Timeframe.M1)
    qtbot.addWidget(view)
    view.attach(store=store)  # as the window does, before it is shown or sized
    view.resize(1200, 800)
    view.show()
    qtbot.waitExposed(view)
    sizes = view.panes.sizes()
    assert len(sizes) == 3 and sizes[0] >= 0.55 * sum(sizes), sizes
    view.indicator_menu.toggle("atr", True)  # a pane added later takes its share from the others
    sizes = view.panes.sizes()
    assert len(sizes) == 4 and sizes[0] >= 0.45 * sum(sizes) and min(sizes) >= 60, sizes
