"""Conversions between domain values (``engine.values``) and journal rows."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from engine.journal import models as m
from engine.trade_schema import stored_names
from engine.values import (
    AccountSnapshot,
    Bar,
    CloseReason,
    OrderType,
    PatternPoint,
    Quote,
    Side,
    Signal,
    SignalStatus,
    Timeframe,
    TradeRecord,
    TradeStatus,
    iso,
)

TRADE_FIELDS = stored_names()
"""The ``paper_trades`` columns that hold a ``TradeRecord``: its stored fields (``engine.trade_schema``)."""


def trade_to_row(trade: TradeRecord, account_id: int) -> m.PaperTrade:
    """Return a new ``PaperTrade`` row holding ``trade`` for ``account_id``."""
    values: dict[str, Any] = {name: getattr(trade, name) for name in TRADE_FIELDS}
    values["side"] = trade.side.value
    values["order_type"] = trade.order_type.value
    values["status"] = trade.status.value
    values["close_reason"] = trade.close_reason.value if trade.close_reason is not None else None
    values["comment"] = trade.comment or ""
    return m.PaperTrade(account_id=account_id, **values)


def row_to_trade(row: m.PaperTrade) -> TradeRecord:
    """Return the ``TradeRecord`` stored in ``row``."""
    values: dict[str, Any] = {name: getattr(row, name) for name in TRADE_FIELDS}
    values["side"] = Side(row.side)
    values["order_type"] = OrderType(row.order_type)
    values["status"] = TradeStatus(row.status)
    values["close_reason"] = CloseReason(row.close_reason) if row.close_reason else None
    return TradeRecord(**values)


def row_to_account(row: m.Account) -> AccountSnapshot:
    """Return the snapshot stored in an account row."""
    return AccountSnapshot(
        balance=row.balance,
        equity=row.equity,
        margin=row.margin,
        free_margin=row.free_margin,
        margin_level=row.margin_level,
        currency=row.currency,
        leverage=row.leverage,
        initial_balance=row.initial_balance,
    )


def apply_account(row: m.Account, account: AccountSnapshot, now: datetime) -> None:
    """Copy ``account``'s figures into ``row`` (currency and leverage included)."""
    row.balance = account.balance
    row.equity = account.equity
    row.margin = account.margin
    row.free_margin = account.free_margin
    row.margin_level = account.margin_level
    row.currency = account.currency
    row.leverage = account.leverage
    row.initial_balance = account.initial_balance
    row.updated_at = now


def _pattern_to_json(pattern: dict[str, Any] | None) -> dict[str, Any] | None:
    if pattern is None:
        return None
    out = dict(pattern)
    points = out.get("points")
    if points is not None:
        out["points"] = [
            {"label": p.label, "time": iso(p.time), "price": p.price} if isinstance(p, PatternPoint) else p
            for p in points
        ]
    return out


def _pattern_from_json(data: dict[str, Any] | None) -> dict[str, Any] | None:
    if data is None:
        return None
    out = dict(data)
    points = out.get("points")
    if points is not None:
        out["points"] = [
            PatternPoint(label=p["label"], time=datetime.fromisoformat(p["time"]), price=float(p["price"]))
            if isinstance(p, dict) and {"label", "time", "price"} <= p.keys()
            else p
            for p in points
        ]
    return out


def signal_to_row(signal: Signal) -> m.Signal:
    """Return a new ``signals`` row for ``signal`` (id None lets the database choose)."""
    return m.Signal(
        id=signal.id,
        symbol=signal.symbol,
        side=signal.side.value,
        entry=signal.entry,
        sl=signal.sl,
        tp=signal.tp,
        confidence=signal.confidence,
        source=signal.source,
        timeframe=signal.timeframe.value if signal.timeframe is not None else None,
        created_at=signal.created_at,
        expires_at=signal.expires_at,
        status=signal.status.value,
        pattern=_pattern_to_json(signal.pattern),
        reason=signal.reason,
        trade_id=signal.trade_id,
    )


def row_to_signal(row: m.Signal) -> Signal:
    """Return the ``Signal`` stored in ``row``."""
    return Signal(
        id=row.id,
        symbol=row.symbol,
        side=Side(row.side),
        entry=row.entry,
        sl=row.sl,
        tp=row.tp,
        confidence=row.confidence,
        source=row.source,
        timeframe=Timeframe(row.timeframe) if row.timeframe else None,
        created_at=row.created_at,
        expires_at=row.expires_at,
        status=SignalStatus(row.status),
        pattern=_pattern_from_json(row.pattern),
        reason=row.reason,
        trade_id=row.trade_id,
    )


def row_to_bar(row: m.PriceCache) -> Bar:
    """Return the bar stored in a ``price_cache`` row."""
    return Bar(
        symbol=row.symbol,
        timeframe=Timeframe(row.timeframe),
        time=row.time,
        open=row.open or 0.0,
        high=row.high or 0.0,
        low=row.low or 0.0,
        close=row.close or 0.0,
        volume=row.volume or 0.0,
    )


def row_to_quote(row: m.PriceCache) -> Quote:
    """Return the last quote stored in a ``price_cache`` row, marked stale (it is from the journal)."""
    return Quote(
        symbol=row.symbol,
        bid=float(row.bid or 0.0),
        ask=float(row.ask or 0.0),
        time=row.time,
        source=row.source,
        stale=True,
    )
