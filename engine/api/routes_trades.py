"""``/api/paper-trading/trades/…``: thin routes over ``TradingEngine``.

Trades placed here take the same path as the window's order ticket
(``engine.place_order`` → broker → journal commit → events on the bus).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Query

from engine.api.deps import ERROR_RESPONSES, Engine, api_role, trading_role
from engine.api.schemas import (
    MAX_LIMIT,
    SYMBOL_PATTERN,
    CloseIn,
    PerformanceOut,
    Time,
    TradeIn,
    TradeList,
    TradeOut,
    TradePatch,
)
from engine.api.serialize import jsonable, trade_dict
from engine.errors import ValidationError
from engine.orders import OrderRequest
from engine.signals.book import signal_stats
from engine.values import TradeStatus

router = APIRouter(prefix="/trades", tags=["trades"], responses=ERROR_RESPONSES, dependencies=[Depends(api_role)])

TradeId = Annotated[int, Path(ge=1, le=2**53, description="trade id")]


def _aware(value: datetime | None, field: str) -> datetime | None:
    if value is not None and value.tzinfo is None:
        raise ValidationError(f"{field} needs a timezone offset (e.g. 2026-11-24T17:00:00Z)", field, "naive_time")
    return value


@router.post(
    "/execute/",
    status_code=201,
    response_model=TradeOut,
    dependencies=[Depends(trading_role)],
    summary="Open a trade or place a pending order",
)
async def execute_trade(order: TradeIn, engine: Engine) -> dict[str, Any]:
    request = OrderRequest(
        symbol=order.symbol.upper(),
        side=order.side,
        order_type=order.order_type,
        lots=order.lots,
        risk_percent=order.risk_percent,
        price=order.price,
        sl=order.sl,
        tp=order.tp,
        trailing_pips=order.trailing_pips,
        expires_at=order.expires_at,
        signal_id=order.signal_id,
        comment=order.comment,
    ).validate()  # the rules of every order (engine.orders): refused here with the field, before the engine
    return trade_dict(await engine.place_order(request))


@router.get("/", response_model=TradeList, summary="List trades, newest first")
async def list_trades(
    engine: Engine,
    status: TradeStatus | None = None,
    symbol: Annotated[str | None, Query(pattern=SYMBOL_PATTERN)] = None,
    since: Time | None = None,
    until: Time | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 100,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
) -> dict[str, Any]:
    since, until = _aware(since, "since"), _aware(until, "until")
    if since is not None and until is not None and until < since:
        raise ValidationError("until is before since", "until", "invalid_range")
    items, total = await engine.list_trades(
        status=status, symbol=symbol.upper() if symbol else None, since=since, until=until, limit=limit, offset=offset
    )
    return {"items": [trade_dict(t) for t in items], "total": total, "limit": limit, "offset": offset}


@router.get("/performance/", response_model=PerformanceOut, summary="Performance figures and equity curve")
async def performance(engine: Engine) -> dict[str, Any]:
    figures: dict[str, Any] = jsonable(await engine.performance())
    figures["stats"] = jsonable(await signal_stats(engine))  # the signal report per source (GET signals/stats/)
    return figures


@router.get("/{trade_id}/", response_model=TradeOut, summary="One trade")
async def get_trade(trade_id: TradeId, engine: Engine) -> dict[str, Any]:
    return trade_dict(await engine.get_trade(trade_id))


@router.patch(
    "/{trade_id}/",
    response_model=TradeOut,
    dependencies=[Depends(trading_role)],
    summary="Modify sl, tp, trailing_pips or a pending price",
)
async def modify_trade(trade_id: TradeId, patch: TradePatch, engine: Engine) -> dict[str, Any]:
    return trade_dict(await engine.modify_trade(trade_id, **patch.changes()))


@router.post(
    "/{trade_id}/close/",
    response_model=TradeOut,
    dependencies=[Depends(trading_role)],
    summary="Close wholly or partly (lots); cancel a pending order",
)
async def close_trade(
    trade_id: TradeId, engine: Engine, body: Annotated[CloseIn | None, Body()] = None
) -> dict[str, Any]:
    lots = body.lots if body is not None else None
    return trade_dict(await engine.close_trade(trade_id, lots=lots))
