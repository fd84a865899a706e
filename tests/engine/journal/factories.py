"""Factories of domain values for journal, engine and command tests."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from engine.values import AccountSnapshot, CloseReason, OrderType, Side, TradeRecord, TradeStatus

T0 = datetime(2026, 11, 24, 17, 0, 0, 123000, tzinfo=timezone.utc)


def make_account(balance: str = "10000", **overrides: Any) -> AccountSnapshot:
    value = Decimal(balance).quantize(Decimal("0.01"))
    base = AccountSnapshot(
        balance=value,
        equity=value,
        margin=Decimal("0.00"),
        free_margin=value,
        margin_level=None,
        currency="USD",
        leverage=100,
        initial_balance=value,
    )
    return replace(base, **overrides)


def make_trade(trade_id: int = 1, **overrides: Any) -> TradeRecord:
    base = TradeRecord(
        id=trade_id,
        symbol="EURUSD",
        side=Side.BUY,
        order_type=OrderType.MARKET,
        status=TradeStatus.OPEN,
        lots=Decimal("0.10"),
        requested_price=None,
        entry_price=1.08512,
        sl=1.08012,
        tp=1.09512,
        trailing_pips=None,
        open_time=T0 + timedelta(minutes=trade_id),
        close_time=None,
        close_price=None,
        close_reason=None,
        pips=0.0,
        pnl=Decimal("0.00"),
        commission=Decimal("0.70"),
        swap=Decimal("0.00"),
        mfe_pips=0.0,
        mae_pips=0.0,
        signal_id=None,
        parent_id=None,
        comment="test",
        created_at=T0 + timedelta(minutes=trade_id),
    )
    return replace(base, **overrides)


def closed(
    trade: TradeRecord,
    *,
    pnl: str,
    close_price: float = 1.09,
    minutes: int = 30,
    reason: CloseReason = CloseReason.MANUAL,
    **overrides: Any,
) -> TradeRecord:
    """``trade`` closed ``minutes`` after it opened with gross ``pnl``."""
    assert trade.open_time is not None
    return replace(
        trade,
        status=TradeStatus.CLOSED,
        close_time=trade.open_time + timedelta(minutes=minutes),
        close_price=close_price,
        close_reason=reason,
        pnl=Decimal(pnl),
        **overrides,
    )
