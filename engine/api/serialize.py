"""Turn domain values into the JSON-native dicts of DESIGN's wire format.

One function per value, used by REST responses and WebSocket messages alike,
so a trade looks the same on both. Money is a number with at most two
decimals (``Decimal`` rounded to the cent, then ``float``); prices are rounded
to the symbol's digits; times are ISO 8601 UTC with milliseconds.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from engine.instruments import SPECS, InstrumentSpec
from engine.trade_schema import View, to_json
from engine.values import AccountSnapshot, Bar, FeedStatus, PatternPoint, Quote, Signal, TradeRecord, iso
from engine.wire import cents, jsonable, price

__all__ = ["cents", "jsonable", "price"]  # the wire's converters (engine.wire), re-exported for the routes


def trade_dict(trade: TradeRecord) -> dict[str, Any]:
    """DESIGN's trade: the same fields in REST and in WebSocket messages (``engine.trade_schema``'s ``WIRE``)."""
    return to_json(trade, View.WIRE)


def account_dict(account: AccountSnapshot) -> dict[str, Any]:
    """DESIGN's account; ``margin_level`` in percent, None when no margin is used."""
    return {
        "balance": cents(account.balance),
        "equity": cents(account.equity),
        "margin": cents(account.margin),
        "free_margin": cents(account.free_margin),
        "margin_level": None if account.margin_level is None else round(account.margin_level, 2),
        "currency": account.currency,
        "leverage": account.leverage,
        "initial_balance": cents(account.initial_balance),
    }


def quote_dict(quote: Quote, stale: bool | None = None) -> dict[str, Any]:
    """DESIGN's realtime price; ``spread_pips`` = (ask − bid) / pip size."""
    spec = SPECS.get(quote.symbol)
    pip = spec.pip_size if spec is not None else 0.0001
    return {
        "symbol": quote.symbol,
        "bid": price(quote.symbol, quote.bid),
        "ask": price(quote.symbol, quote.ask),
        "mid": price(quote.symbol, quote.mid),
        "spread_pips": round((quote.ask - quote.bid) / pip, 1),
        "time": iso(quote.time),
        "source": quote.source,
        "stale": quote.stale if stale is None else stale,
    }


def tick_dict(quote: Quote) -> dict[str, Any]:
    """The ``/ws/prices/`` tick: ``{"type": "tick", symbol, bid, ask, time}``."""
    return {
        "type": "tick",
        "symbol": quote.symbol,
        "bid": price(quote.symbol, quote.bid),
        "ask": price(quote.symbol, quote.ask),
        "time": iso(quote.time),
    }


def bar_dict(bar: Bar) -> dict[str, Any]:
    """One OHLC bar; ``time`` is the bar's open time."""
    sym = bar.symbol
    return {
        "time": iso(bar.time),
        "open": price(sym, bar.open),
        "high": price(sym, bar.high),
        "low": price(sym, bar.low),
        "close": price(sym, bar.close),
        "volume": bar.volume,
    }


def _point_dict(point: PatternPoint | dict[str, Any]) -> dict[str, Any]:
    if isinstance(point, PatternPoint):
        return {"label": point.label, "time": iso(point.time), "price": point.price}
    return {key: (iso(val) if isinstance(val, datetime) else val) for key, val in point.items()}


def signal_dict(signal: Signal) -> dict[str, Any]:
    """DESIGN's signal; ``rr`` = |tp − entry| / |entry − sl|."""
    sym = signal.symbol
    pattern = None
    if signal.pattern is not None:
        pattern = {
            "name": signal.pattern.get("name"),
            "points": [_point_dict(p) for p in signal.pattern.get("points", ())],
        }
    return {
        "id": signal.id,
        "symbol": sym,
        "side": signal.side.value,
        "entry": price(sym, signal.entry),
        "sl": price(sym, signal.sl),
        "tp": price(sym, signal.tp),
        "confidence": round(signal.confidence, 4),
        "rr": round(signal.rr, 2),
        "source": signal.source,
        "timeframe": signal.timeframe.value if signal.timeframe is not None else None,
        "created_at": iso(signal.created_at),
        "expires_at": iso(signal.expires_at),
        "status": signal.status.value,
        "pattern": pattern,
        "reason": signal.reason,
        "trade_id": signal.trade_id,
    }


def spec_dict(spec: InstrumentSpec, pip_value: float | None) -> dict[str, Any]:
    """A symbol's spec for clients (digits, pip size, lot limits) and its pip value per lot now."""
    return {
        "digits": spec.digits,
        "pip_size": spec.pip_size,
        "contract_size": spec.contract_size,
        "lot_min": float(spec.lot_min),
        "lot_max": float(spec.lot_max),
        "lot_step": float(spec.lot_step),
        "base": spec.base,
        "quote": spec.quote,
        "pip_value": pip_value,
    }


def feed_dict(status: FeedStatus) -> dict[str, Any]:
    """One provider's health and today's quota use."""
    return {
        "name": status.name,
        "enabled": status.enabled,
        "healthy": status.healthy,
        "last_error": status.last_error,
        "calls_used_today": status.calls_used_today,
        "calls_left_today": status.calls_left_today,
        "in_use": status.in_use,
        "details": jsonable(status.details),
    }


def journal_dict(status: Any) -> dict[str, Any]:
    """The journal's state for ``GET feeds/`` (``engine.service_journal.JournalStatus``)."""
    return {
        "state": status.state.value,
        "message": status.message,
        "since": iso(status.since) if status.since else None,
        "last_error": status.last_error,
        "pending_changes": status.pending_changes,
        "failures": status.failures,
        "retry_in": None if status.retry_in is None else round(status.retry_in, 2),
    }
