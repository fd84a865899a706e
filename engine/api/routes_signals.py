"""``signals/``: list, ingest and one-click execution over the engine's ``SignalBook``.

When the engine runs without a signal book (``engine.signals is None``)
every route answers 503 in DESIGN's error shape.
"""

from __future__ import annotations

from datetime import timezone
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Query

from engine.api.deps import ERROR_RESPONSES, Engine, api_role, trading_role
from engine.api.error_handlers import ApiError
from engine.api.schemas import SYMBOL_PATTERN, SignalExecuteIn, SignalIn, SignalList, SignalOut, TradeOut
from engine.api.serialize import signal_dict, trade_dict
from engine.errors import ValidationError
from engine.values import DEFAULT_SIGNAL_LIFETIME, PatternPoint, Signal, SignalStatus

router = APIRouter(prefix="/signals", tags=["signals"], responses=ERROR_RESPONSES,
                   dependencies=[Depends(api_role)])


def _book(engine: Any) -> Any:
    book = getattr(engine, "signals", None)
    if book is None:
        raise ApiError(503, "signals are not enabled in this terminal", None)
    return book


@router.get("/", response_model=SignalList, summary="Recent signals, newest first")
async def list_signals(engine: Engine, status: SignalStatus | None = None,
                       symbol: Annotated[str | None, Query(pattern=SYMBOL_PATTERN)] = None,
                       limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> dict[str, Any]:
    items = await _book(engine).list(status=status, symbol=symbol.upper() if symbol else None, limit=limit)
    return {"items": [signal_dict(s) for s in items], "total": len(items)}


@router.post("/", status_code=201, response_model=SignalOut, dependencies=[Depends(trading_role)],
             summary="Ingest an external signal")
async def submit_signal(body: SignalIn, engine: Engine) -> dict[str, Any]:
    book = _book(engine)
    now = book.now()  # the engine's market clock: a replay or fast simulation is not the wall clock
    for name in ("expires_at",):
        value = getattr(body, name)
        if value is not None and value.tzinfo is None:
            raise ValidationError(f"{name} needs a timezone offset (e.g. Z)", name, "naive_time")
    pattern = None
    if body.pattern is not None:
        for index, point in enumerate(body.pattern.points):
            if point.time.tzinfo is None:
                raise ValidationError("pattern point times need a timezone offset",
                                      f"pattern.points.{index}.time", "naive_time")
        pattern = {"name": body.pattern.name,
                   "points": [PatternPoint(p.label, p.time.astimezone(timezone.utc), p.price)
                              for p in body.pattern.points]}
    expires_at = body.expires_at.astimezone(timezone.utc) if body.expires_at else now + DEFAULT_SIGNAL_LIFETIME
    signal = Signal(id=None, symbol=body.symbol.upper(), side=body.side, entry=body.entry, sl=body.sl, tp=body.tp,
                    confidence=body.confidence, source=body.source, timeframe=body.timeframe, created_at=now,
                    expires_at=expires_at, pattern=pattern)
    return signal_dict(await book.submit(signal))


@router.post("/{signal_id}/execute/", status_code=201, response_model=TradeOut,
             dependencies=[Depends(trading_role)], summary="Execute a signal with automatic lot sizing")
async def execute_signal(signal_id: Annotated[int, Path(ge=1, le=2**53)], engine: Engine,
                         body: Annotated[SignalExecuteIn | None, Body()] = None) -> dict[str, Any]:
    book = _book(engine)
    body = body or SignalExecuteIn()
    if body.lots is not None and body.risk_percent is not None:
        raise ValidationError("give either lots or risk_percent, not both", "risk_percent", "conflict")
    trade = await book.execute(signal_id, risk_percent=body.risk_percent, lots=body.lots)
    return trade_dict(trade)
