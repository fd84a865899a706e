"""Column types that keep domain values exact across SQLite and PostgreSQL.

- ``Cents``: a ``Decimal`` amount of money stored as an integer number of
  cents (``BIGINT``), so sums and reloads are exact on every backend.
- ``DecimalText``: a ``Decimal`` (lots) stored as its canonical text.
- ``UtcDateTime``: an aware UTC ``datetime`` stored as naive UTC; naive
  values are refused on the way in and UTC is re-attached on the way out.
"""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, DateTime, String
from sqlalchemy.types import TypeDecorator

from engine.values import CENT, money, utc


class Cents(TypeDecorator[Decimal]):
    """Money in account currency: ``Decimal`` rounded to the cent ↔ integer cents."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Any) -> int | None:
        if value is None:
            return None
        return int(money(value) / CENT)

    def process_result_value(self, value: int | None, dialect: Any) -> Decimal | None:
        if value is None:
            return None
        return (Decimal(int(value)) * CENT).quantize(CENT)


class DecimalText(TypeDecorator[Decimal]):
    """An exact ``Decimal`` stored as text (used for lots)."""

    impl = String(40)
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Any) -> str | None:
        if value is None:
            return None
        return str(Decimal(value))

    def process_result_value(self, value: str | None, dialect: Any) -> Decimal | None:
        return None if value is None else Decimal(value)


class UtcDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime stored as naive UTC (portable across backends)."""

    impl = DateTime(timezone=False)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return utc(value).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)
