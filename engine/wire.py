"""JSON-native forms of engine values: the one converter of the wire format (DESIGN).

Every JSON the engine writes goes through here — REST responses and
WebSocket messages (``engine.api.serialize``), the trade exports and the
replay report (``engine.trade_schema``), the ``report`` command and the
metrics snapshots — so a number, a time or an enum reads the same in each:

- money (``Decimal``) is a number exact to the cent: ``Decimal`` rounded to
  the cent (half up), then ``float`` (``cents``);
- a price is a number on the symbol's digits (``price``);
- a time is ISO 8601 UTC with milliseconds, ``2026-11-24T17:00:00.123Z``
  (``engine.values.iso``; a naive time is taken as UTC);
- an enum is its value; NaN and ±inf (which JSON cannot hold) are null;
- mappings and sequences are converted recursively, keys as text.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

from engine.instruments import SPECS
from engine.values import iso, money


def cents(value: Decimal | float | int | None) -> float | None:
    """Return an amount as a float exact to the cent (None stays None)."""
    if value is None:
        return None
    return float(money(value))


def price(symbol: str, value: float | None) -> float | None:
    """Round a price to the symbol's digits (unknown symbols: unchanged)."""
    if value is None:
        return None
    spec = SPECS.get(symbol)
    return round(value, spec.digits) if spec is not None else value


def finite(value: float | None) -> float | None:
    """Return None for NaN/inf so the JSON stays valid."""
    if value is None or not math.isfinite(value):
        return None
    return value


def when(value: datetime | None) -> str | None:
    """A time as the wire's ISO text; a naive time is taken as UTC."""
    if value is None:
        return None
    return iso(value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc))


def jsonable(value: Any) -> Any:
    """``value`` with Decimals, datetimes, enums and NaN, at any depth, turned JSON-native (module docstring)."""
    if value is None or isinstance(value, (bool, int, str)):
        return value.value if isinstance(value, enum.Enum) else value
    if isinstance(value, float):
        return finite(value)
    if isinstance(value, Decimal):
        return cents(value) if value.is_finite() else None
    if isinstance(value, datetime):
        return when(value)
    if isinstance(value, enum.Enum):
        return jsonable(value.value)
    if isinstance(value, Mapping):
        return {str(key.value if isinstance(key, enum.Enum) else key): jsonable(val) for key, val in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [jsonable(item) for item in value]
    return str(value)


def json_default(value: Any) -> Any:
    """``default`` for ``orjson``/``json``: what they cannot write themselves, as ``jsonable`` turns it."""
    if isinstance(value, (Decimal, datetime, enum.Enum)):
        return jsonable(value)
    raise TypeError(f"cannot write {type(value).__name__} to JSON")
