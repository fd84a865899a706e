"""The row above the chart: symbol, timeframes, the live quote, Indicators, one-click, follow."""

from __future__ import annotations

from PySide6.QtWidgets import QButtonGroup, QComboBox, QHBoxLayout, QLabel, QPushButton, QToolButton, QWidget

from engine.values import Timeframe


class ChartHeader(QWidget):
    """Switchers and buttons of the chart; the chart connects them."""

    def __init__(self, symbols: list[str], timeframe: Timeframe, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.symbol_box = QComboBox()
        self.symbol_box.addItems(symbols)
        self.symbol_box.setMinimumWidth(96)
        self.timeframe_buttons = QButtonGroup(self)
        self.timeframe_buttons.setExclusive(True)
        row = QHBoxLayout(self)
        row.setContentsMargins(6, 4, 6, 4)
        row.setSpacing(3)
        row.addWidget(self.symbol_box)
        row.addSpacing(8)
        for tf in Timeframe:
            button = QPushButton(tf.value)
            button.setCheckable(True)
            button.setMinimumWidth(40)
            button.setStyleSheet("padding: 3px 5px;")
            button.setChecked(tf is timeframe)
            self.timeframe_buttons.addButton(button)
            row.addWidget(button)
        row.addSpacing(10)
        self.quote_label = QLabel("")
        self.quote_label.setProperty("role", "figure")
        row.addWidget(self.quote_label)
        row.addStretch(1)
        self.indicators_button = QToolButton()
        self.indicators_button.setText("Indicators")
        self.indicators_button.setObjectName("indicators_button")
        self.indicators_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        row.addWidget(self.indicators_button)
        self.one_click_button = QToolButton()
        self.one_click_button.setObjectName("one_click_button")
        row.addWidget(self.one_click_button)
        self.follow_button = QPushButton("⇥")
        self.follow_button.setToolTip("Follow the latest price (End)")
        self.follow_button.setFixedWidth(32)
        row.addWidget(self.follow_button)

    def check_timeframe(self, timeframe: Timeframe) -> None:
        for button in self.timeframe_buttons.buttons():
            button.setChecked(button.text() == timeframe.value)
