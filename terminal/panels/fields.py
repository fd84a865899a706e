"""A number field a trader can type into: the text stays as typed, problems are shown, never fixed.

``NumberField`` is a ``QLineEdit``: no spin-box reformatting (a spin box
reconfigured from its typing signals rewrote ``1.1040`` as ``1.00000``;
shared/reference/pitfalls.md). ``parse()`` reads the text without changing
it: empty is "not set" (None), anything else must be a finite number
(a comma is taken as the decimal point) with at most ``decimals`` decimals.
An invalid field gets a red border (the ``invalid`` property, styled by the
theme) and its message as tooltip; ``set_problem(None)`` clears it.
"""

from __future__ import annotations

import math

from PySide6.QtWidgets import QLineEdit, QWidget


class FieldError(ValueError):
    """The text of a field is not a usable number; the message names the field."""


def parse_number(text: str, name: str, decimals: int | None = None) -> float | None:
    """The number in ``text`` (None when empty); raise ``FieldError`` naming ``name``."""
    cleaned = text.strip().replace(",", ".")
    if not cleaned:
        return None
    try:
        value = float(cleaned)
    except ValueError:
        raise FieldError(f"{name}: {text.strip()!r} is not a number") from None
    if not math.isfinite(value):
        raise FieldError(f"{name}: {text.strip()!r} is not a finite number")
    if decimals is not None and "." in cleaned:
        fraction = cleaned.split(".", 1)[1].lstrip("+-")
        if "e" not in fraction.lower() and len(fraction.rstrip("0")) > decimals:
            raise FieldError(f"{name}: {text.strip()} has more than {decimals} decimals")
    return value


class NumberField(QLineEdit):
    """A line edit holding one number (or nothing); see the module docstring."""

    def __init__(
        self, name: str, decimals: int | None = None, placeholder: str = "not set", parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.name = name
        self.decimals = decimals
        self.problem: str | None = None
        self.setPlaceholderText(placeholder)
        self.setObjectName(name.lower().replace(" ", "_"))

    def parse(self) -> float | None:
        """The typed number or None; raise ``FieldError`` (the text is left as it is)."""
        return parse_number(self.text(), self.name, self.decimals)

    def set_problem(self, message: str | None) -> None:
        """Mark the field invalid with ``message`` (red border, tooltip), or valid with None."""
        if message == self.problem:
            return
        self.problem = message
        self.setProperty("invalid", message is not None)
        self.setToolTip(message or "")
        self.style().unpolish(self)
        self.style().polish(self)

    def show_value(self, value: float | None, decimals: int) -> None:
        """Put ``value`` in the field (a conversion or prefill, never called while the user types)."""
        self.setText("" if value is None else f"{value:.{decimals}f}")
