"""``signals/``: list, ingest and one-click execution over the engine's ``SignalBook``.

When the engine runs without a signal book (``engine.signals is None``)
every route but ``stats/`` (which reads the journal) answers 503 in DESIGN's
error shape.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Query

from engine.api.deps import ERROR_RESPONSES, Engine, api_role, trading_role
from engine.api.error_handlers import ApiError
from engine.api.schemas import SYMBOL_PATTERN, SignalExecuteIn, SignalIn, SignalList, SignalOut, TradeOut
from engine.api.serialize import jsonable, signal_dict, trade_dict
from engine.api.stats_schemas import SignalStatsOut
from engine.errors import ValidationError
from engine.service import TradingEngine
from engine.signals.book import SignalBook, signal_stats
from engine.values import DEFAULT_SIGNAL_LIFETIME, PatternPoint, Signal, SignalStatus

router = APIRouter(prefix="/signals", tags=["signals"], responses=ERROR_RESPONSES, dependencies=[Depends(api_role)])


def _book(engine: TradingEngine) -> SignalBook:
    book = engine.signals
    if book is None:
        raise ApiError(503, "signals are not enabled in this terminal", None)
    return book


def _with_execution(book: SignalBook, signal: Signal) -> dict[str, Any]:
    """The signal plus the engine's answer to "can it be executed now" (``SignalBook.assess``).

    ``executable`` (bool) and ``execution``: ``{executable, code, reason, price,
    lots, risk_percent, rr, drift_pips, max_drift_pips, needs_confirmation}`` at
    the live price and the book's default risk % (additive to DESIGN's signal).
    """
    verdict = book.assess(signal)
    return {**signal_dict(signal), "executable": verdict.executable, "execution": verdict.as_dict()}


def _aware(value: datetime | None, field: str) -> datetime | None:
    if value is not None and value.tzinfo is None:
        raise ValidationError(f"{field} needs a timezone offset (e.g. 2026-11-24T17:00:00Z)", field, "naive_time")
    return value.astimezone(timezone.utc) if value is not None else None


@router.get("/", response_model=SignalList, summary="Recent signals, newest first")
async def list_signals(
    engine: Engine,
    status: SignalStatus | None = None,
    symbol: Annotated[str | None, Query(pattern=SYMBOL_PATTERN)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    book = _book(engine)
    items = await book.list(status=status, symbol=symbol.upper() if symbol else None, limit=limit)
    return {"items": [_with_execution(book, s) for s in items], "total": len(items)}


@router.get(
    "/stats/",
    response_model=SignalStatsOut,
    summary="The signal report per source: win rate and expectancy with CIs, calibration, verdict",
)
async def signal_report(
    engine: Engine,
    symbol: Annotated[str | None, Query(pattern=SYMBOL_PATTERN)] = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> dict[str, Any]:
    """Per source (definitions in ``engine/signals/stats.py``); signals filtered by symbol and created_at."""
    since, until = _aware(since, "since"), _aware(until, "until")
    if since is not None and until is not None and until < since:
        raise ValidationError("until is before since", "until", "invalid_range")
    stats = await signal_stats(engine, symbol=symbol.upper() if symbol else None, since=since, until=until)
    return {
        "items": [{"source": source, **jsonable(figures)} for source, figures in stats.items()],
        "symbol": symbol.upper() if symbol else None,
        "since": jsonable(since),
        "until": jsonable(until),
    }


@router.post(
    "/",
    status_code=201,
    response_model=SignalOut,
    response_model_exclude_unset=True,
    dependencies=[Depends(trading_role)],
    summary="Ingest an external signal",
)
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
                raise ValidationError(
                    "pattern point times need a timezone offset", f"pattern.points.{index}.time", "naive_time"
                )
        pattern = {
            "name": body.pattern.name,
            "points": [PatternPoint(p.label, p.time.astimezone(timezone.utc), p.price) for p in body.pattern.points],
        }
    expires_at = body.expires_at.astimezone(timezone.utc) if body.expires_at else now + DEFAULT_SIGNAL_LIFETIME
    signal = Signal(
        id=None,
        symbol=body.symbol.upper(),
        side=body.side,
        entry=body.entry,
        sl=body.sl,
        tp=body.tp,
        confidence=body.confidence,
        source=body.source,
        timeframe=body.timeframe,
        created_at=now,
        expires_at=expires_at,
        pattern=pattern,
    )
    return signal_dict(await book.submit(signal))  # as the signal_alert message carries it


@router.post(
    "/{signal_id}/execute/",
    status_code=201,
    response_model=TradeOut,
    dependencies=[Depends(trading_role)],
    summary="Execute a signal with automatic lot sizing",
)
async def execute_signal(
    signal_id: Annotated[int, Path(ge=1, le=2**53)],
    engine: Engine,
    body: Annotated[SignalExecuteIn | None, Body()] = None,
) -> dict[str, Any]:
    book = _book(engine)
    body = body or SignalExecuteIn()
    try:
        trade = await book.execute(
            signal_id, risk_percent=body.risk_percent, lots=body.lots, confirm_drift=body.confirm_drift
        )
    except ValidationError as exc:
        if exc.code == "drift":  # the client's flag is what refused it: name it
            raise ValidationError(exc.message, "confirm_drift", "drift") from exc
        raise
    return trade_dict(trade)


@router.post(
    "/{signal_id}/dismiss/",
    response_model=SignalOut,
    dependencies=[Depends(trading_role)],
    summary="Dismiss a new signal (it will not be executed)",
)
async def dismiss_signal(signal_id: Annotated[int, Path(ge=1, le=2**53)], engine: Engine) -> dict[str, Any]:
    return signal_dict(await _book(engine).dismiss(signal_id))
