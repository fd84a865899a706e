"""``account/``, ``price/…`` and ``feeds/``: thin routes over ``TradingEngine``."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query, Request

from engine.api.deps import ERROR_RESPONSES, Engine, api_role, trading_role
from engine.api.error_handlers import ApiError
from engine.api.schemas import (
    MAX_LIMIT,
    SYMBOL_PATTERN,
    AccountOut,
    FeedList,
    OhlcOut,
    PriceOut,
    ResetIn,
    SessionOut,
    SymbolList,
)
from engine.api.serialize import account_dict, bar_dict, feed_dict, journal_dict, quote_dict, spec_dict
from engine.api.tokens import Role
from engine.errors import PaperTerminalError
from engine.instruments import SPECS
from engine.service import TradingEngine
from engine.values import Timeframe

router = APIRouter(responses=ERROR_RESPONSES, dependencies=[Depends(api_role)])

ACCOUNT_CURRENCIES = frozenset(c for spec in SPECS.values() for c in (spec.base, spec.quote) if c != "XAU")
SymbolQuery = Annotated[str, Query(pattern=SYMBOL_PATTERN, description="e.g. EURUSD")]


def _known(engine: TradingEngine, symbol: str) -> str:
    symbol = symbol.upper()
    if symbol not in SPECS and symbol not in engine.symbols:
        raise ApiError(404, f"unknown symbol {symbol}", "symbol")
    return symbol


@router.get("/account/", response_model=AccountOut, tags=["account"], summary="The paper account now")
async def account(engine: Engine) -> dict[str, Any]:
    return account_dict(engine.account())


@router.post(
    "/account/reset/",
    response_model=AccountOut,
    tags=["account"],
    dependencies=[Depends(trading_role)],
    summary="Start a fresh account (trading token only)",
)
async def reset_account(engine: Engine, body: Annotated[ResetIn | None, Body()] = None) -> dict[str, Any]:
    body = body or ResetIn()
    if body.currency is not None and body.currency not in ACCOUNT_CURRENCIES:
        raise ApiError(
            400,
            f"unknown account currency {body.currency}; use one of {', '.join(sorted(ACCOUNT_CURRENCIES))}",
            "currency",
        )
    snapshot = await engine.reset_account(balance=body.balance, currency=body.currency, leverage=body.leverage)
    return account_dict(snapshot)


@router.get("/price/realtime/", response_model=PriceOut, tags=["prices"], summary="The last price of a symbol")
async def realtime_price(request: Request, engine: Engine, symbol: SymbolQuery) -> dict[str, Any]:
    """``stale`` is true when the quote says so or is older than the server's stale limit.

    The age is measured on the engine's market clock (``engine.clock``): the
    wall clock for live providers, the simulated or replayed time otherwise.
    """
    symbol = _known(engine, symbol)
    quote = engine.quote(symbol)
    if quote is None:
        raise ApiError(404, f"no price for {symbol} yet", "symbol")
    stale_after: float | None = request.app.state.stale_after
    age = engine.clock.age(quote.time)
    stale = quote.stale or (stale_after is not None and age > stale_after)
    return quote_dict(quote, stale=stale)


@router.get(
    "/price/ohlc/",
    response_model=OhlcOut,
    tags=["prices"],
    summary="Bars, oldest first: closed bars plus the forming one",
)
async def ohlc(
    engine: Engine,
    symbol: SymbolQuery,
    timeframe: Timeframe = Timeframe.M1,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 500,
) -> dict[str, Any]:
    symbol = _known(engine, symbol)
    bars = await engine.bars(symbol, timeframe, limit)
    return {"symbol": symbol, "timeframe": timeframe.value, "bars": [bar_dict(b) for b in bars]}


@router.get("/symbols/", response_model=SymbolList, tags=["prices"], summary="The symbols this terminal is fed with")
async def symbols(engine: Engine) -> dict[str, Any]:
    """``items``: the symbol names; ``specs``: each one's spec (``serialize.spec_dict``)."""
    names = list(engine.symbols)
    return {
        "items": names,
        "specs": {name: spec_dict(SPECS[name], _pip_value(engine, name)) for name in names if name in SPECS},
    }


def _pip_value(engine: TradingEngine, symbol: str) -> float | None:
    """Account currency per pip of one lot at the current rates (None until a rate is known)."""
    broker = getattr(engine, "broker", None)
    try:
        return float(broker.pip_value(symbol, Decimal(1))) if broker is not None else None
    except PaperTerminalError:
        return None


@router.get(
    "/session/",
    response_model=SessionOut,
    tags=["account"],
    summary="What the caller's token allows: viewer (read) or trading (read and write)",
)
async def session(role: Annotated[Role, Depends(api_role)]) -> dict[str, Any]:
    return {"role": role.value}


@router.get(
    "/feeds/",
    response_model=FeedList,
    tags=["feeds"],
    summary="Each provider: enabled, healthy, last error, calls used and left today; the journal's state",
)
async def feeds(engine: Engine) -> dict[str, Any]:
    journal = engine.journal_status() if hasattr(engine, "journal_status") else None
    return {
        "items": [feed_dict(s) for s in engine.feeds_status()],
        "journal": journal_dict(journal) if journal is not None else None,
    }
