"""Choosing indicators: a menu of checkable indicators, a periods dialog, and their persistence.

The choice is kept in the window's QSettings under ``chart/indicators`` as
JSON (``[{"key", "params", "enabled"}, …]``) and restored at the next start;
an entry that is unknown or out of range is logged and left at its default.
"""

from __future__ import annotations

import json
import logging
from dataclasses import replace

from PySide6.QtCore import QSettings
from PySide6.QtCore import Signal as QtSignal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QMenu,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from terminal.chart.indicators import KINDS, PARAM_BOUNDS, IndicatorSpec, default_specs

log = logging.getLogger(__name__)

SETTINGS_KEY = "chart/indicators"


def load_specs(store: QSettings | None) -> list[IndicatorSpec]:
    """The indicators saved in ``store`` over the defaults (bad entries keep their default)."""
    specs = default_specs()
    if store is None:
        return specs
    raw = store.value(SETTINGS_KEY)
    if not raw:
        return specs
    try:
        saved = {item["key"]: item for item in json.loads(str(raw))}
    except (ValueError, TypeError, KeyError) as exc:
        log.warning("chart indicators in the settings are unreadable (%s); using the defaults", exc)
        return specs
    out = []
    for spec in specs:
        item = saved.get(spec.key)
        if item is None:
            out.append(spec)
            continue
        try:
            params = tuple(item.get("params", spec.params))
            out.append(replace(spec, params=params, enabled=bool(item.get("enabled", False))).validated())
        except (ValueError, TypeError, AttributeError) as exc:
            log.warning("chart indicator %s in the settings is invalid (%s); using its default", spec.key, exc)
            out.append(spec)
    return out


def save_specs(store: QSettings | None, specs: list[IndicatorSpec]) -> None:
    if store is None:
        return
    store.setValue(
        SETTINGS_KEY, json.dumps([{"key": s.key, "params": list(s.params), "enabled": s.enabled} for s in specs])
    )
    store.sync()


class IndicatorMenu(QMenu):
    """One checkable action per indicator and "Periods…"; emits the new list on every change."""

    specs_changed = QtSignal(object)  # list[IndicatorSpec]

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("&Indicators", parent)
        self.setObjectName("indicator_menu")
        self.specs: list[IndicatorSpec] = default_specs()
        self.actions_by_key: dict[str, QAction] = {}
        for spec in self.specs:
            action = QAction(self)
            action.setCheckable(True)
            action.toggled.connect(lambda on, key=spec.key: self.toggle(key, on))
            self.addAction(action)
            self.actions_by_key[spec.key] = action
        self.addSeparator()
        self.periods = QAction("&Periods…", self)
        self.periods.triggered.connect(self.open_periods)
        self.addAction(self.periods)
        self.dialog: PeriodsDialog | None = None
        self.set_specs(self.specs)

    def set_specs(self, specs: list[IndicatorSpec]) -> None:
        """Show ``specs``' labels and states (the same keys as ``default_specs``)."""
        self.specs = list(specs)
        for spec in self.specs:
            action = self.actions_by_key[spec.key]
            action.blockSignals(True)
            action.setText(spec.label + (f"   — used by {spec.used_by}" if spec.used_by else ""))
            action.setChecked(spec.enabled)
            action.blockSignals(False)

    def toggle(self, key: str, on: bool) -> None:
        """Show or hide indicator ``key``."""
        self.specs = [replace(s, enabled=on) if s.key == key else s for s in self.specs]
        action = self.actions_by_key.get(key)
        if action is not None and action.isChecked() != on:
            action.blockSignals(True)
            action.setChecked(on)
            action.blockSignals(False)
        self.specs_changed.emit(list(self.specs))

    def open_periods(self) -> None:
        """Open the periods dialog (non-modal: the chart keeps updating behind it)."""
        self.dialog = PeriodsDialog(self.specs, self.parentWidget())
        self.dialog.applied.connect(self._apply_periods)
        self.dialog.open()

    def _apply_periods(self, specs: list[IndicatorSpec]) -> None:
        self.set_specs(specs)
        self.specs_changed.emit(list(self.specs))


class PeriodsDialog(QDialog):
    """One row of parameter fields per indicator; OK applies them when every one is valid."""

    applied = QtSignal(object)  # list[IndicatorSpec]

    def __init__(self, specs: list[IndicatorSpec], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("indicator_periods")
        self.setWindowTitle("Indicator periods")
        self._specs = list(specs)
        self.fields: dict[str, list[QSpinBox | QDoubleSpinBox]] = {}
        form = QFormLayout()
        for spec in self._specs:
            row = QHBoxLayout()
            fields: list[QSpinBox | QDoubleSpinBox] = []
            # zip(strict=False): a saved spec may predate a parameter
            for name, value in zip(KINDS[spec.kind].params, spec.params, strict=False):
                low, high = PARAM_BOUNDS[name]
                field: QSpinBox | QDoubleSpinBox
                if name == "deviations":
                    field = QDoubleSpinBox()
                    field.setDecimals(1)
                    field.setSingleStep(0.1)
                    field.setRange(low, high)
                    field.setValue(float(value))
                else:
                    field = QSpinBox()
                    field.setRange(int(low), int(high))
                    field.setValue(int(value))
                field.setObjectName(f"{spec.key}_{name}")
                field.setToolTip(name)
                fields.append(field)
                row.addWidget(QLabel(name))
                row.addWidget(field)
            self.fields[spec.key] = fields
            form.addRow(spec.title + (f" ({spec.used_by})" if spec.used_by else ""), row)
        self.error = QLabel("")
        self.error.setObjectName("periods_error")
        self.error.setProperty("role", "error")
        self.error.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.apply)
        buttons.rejected.connect(self.reject)
        self.buttons = buttons
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def apply(self) -> None:
        """Validate every row; on success emit ``applied`` and close, else name the bad field."""
        out = []
        for spec in self._specs:
            fields = self.fields[spec.key]
            for field in fields:
                field.interpretText()  # take what was typed, even without Enter
            params = tuple(f.value() for f in fields)
            try:
                out.append(replace(spec, params=params).validated())
            except ValueError as exc:
                self.error.setText(f"{spec.title}: {exc}")
                return
        self.error.setText("")
        self.applied.emit(out)
        self.accept()
