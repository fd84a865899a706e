"""Formatting of prices, money, pips, times and durations for the panels."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

from engine.instruments import SPECS
from engine.trade_schema import Kind, TradeField
from engine.values import TradeRecord


def digits(symbol: str) -> int:
    spec = SPECS.get(symbol)
    return spec.digits if spec else 5


def price(symbol: str, value: float | None) -> str:
    """``value`` with the symbol's digits; empty for None."""
    return "" if value is None else f"{value:.{digits(symbol)}f}"


def money(value: Decimal | float | None, currency: str = "") -> str:
    """Money with thousands separators and two decimals (``-1,234.50 USD``)."""
    if value is None:
        return "—"
    text = f"{Decimal(value):,.2f}"
    return f"{text} {currency}".strip()


def pips(value: float | None) -> str:
    return "" if value is None else f"{value:+.1f}"


def when(value: datetime | None) -> str:
    """UTC time as ``YYYY-MM-DD HH:MM:SS``."""
    return "" if value is None else value.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


def short_when(value: datetime | None) -> str:
    """UTC time as ``MM-DD HH:MM`` (table cells; the full time goes in the tooltip)."""
    return "" if value is None else value.astimezone(timezone.utc).strftime("%m-%d %H:%M")


def duration(delta: timedelta) -> str:
    """A short duration: ``45s``, ``12m``, ``3h 05m``, ``2d 4h``; negative shows ``—``."""
    seconds = int(delta.total_seconds())
    if seconds < 0:
        return "—"
    if seconds < 60:
        return f"{seconds}s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes}m"
    hours = minutes // 60
    if hours < 24:
        return f"{hours}h {minutes % 60:02d}m"
    return f"{hours // 24}d {hours % 24}h"


def trade_cell(field: TradeField, trade: TradeRecord) -> str:
    """The text of ``field`` of ``trade`` in a table cell, by the field's kind (``engine.trade_schema``).

    Prices on the symbol's digits (``—`` for a missing SL/TP), pips signed to 0.1, money with
    thousands separators, times ``MM-DD HH:MM`` UTC, the side in capitals, other enums by value.
    """
    value = field.value(trade)
    kind = field.kind
    if kind is Kind.PRICE:
        return price(trade.symbol, value) or ("—" if field.name in ("sl", "tp") else "")
    if value is None:
        return ""
    if kind is Kind.SIDE:
        return str(value.value).upper()
    if kind is Kind.ENUM:
        return str(value.value)
    if kind is Kind.PIPS:
        return pips(value)
    if kind is Kind.MONEY:
        return money(value)
    if kind is Kind.TIME:
        return short_when(value)
    return str(value)
