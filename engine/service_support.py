"""Helpers of ``TradingEngine``: the broker it needs, records of events, snapshots.

Kept apart from ``engine.service`` so the facade stays small.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol, cast

from engine.broker.requests import BrokerConfig
from engine.broker.savepoint import Savepoint
from engine.errors import OrderRejectedError, ValidationError
from engine.events import (
    Event,
    OrderCancelled,
    OrderPlaced,
    StopOutTriggered,
    TradeClosed,
    TradeModified,
    TradeOpened,
)
from engine.orders import OrderRequest
from engine.performance import compute_performance
from engine.ports import Journal
from engine.values import AccountSnapshot, FeedStatus, Quote, TradeRecord, iso, money
from engine.wire import jsonable

log = logging.getLogger(__name__)


class BrokerLike(Protocol):
    """The part of ``PaperBroker`` (docs/ARCHITECTURE.md) the engine uses."""

    def restore(
        self, balance: Decimal, trades: Iterable[TradeRecord], next_id: int, initial_balance: Decimal | None = None
    ) -> None: ...
    def on_quote(self, quote: Quote) -> list[Event]: ...
    def place(self, request: OrderRequest, now: datetime | None = None) -> list[Event]: ...
    def modify(
        self,
        trade_id: int,
        *,
        sl: object = ...,
        tp: object = ...,
        trailing_pips: object = ...,
        price: object = ...,
        expires_at: object = ...,
        now: datetime | None = None,
    ) -> list[Event]: ...
    def close(self, trade_id: int, lots: Decimal | None = None, now: datetime | None = None) -> list[Event]: ...
    def expire(self, now: datetime) -> list[Event]: ...
    def rollover(self, now: datetime) -> list[Event]: ...
    def account(self) -> AccountSnapshot: ...
    def trade(self, trade_id: int) -> TradeRecord: ...
    def active_trades(self) -> list[TradeRecord]: ...
    def lot_size(self, symbol: str, risk_percent: float, entry: float, sl: float) -> Decimal: ...
    def pip_value(self, symbol: str, lots: Decimal) -> Decimal: ...
    def check(self, request: OrderRequest, now: datetime | None = None) -> None: ...
    def set_mirror(self, trade_id: int, ticket: str | None, state: str | None) -> TradeRecord: ...
    def savepoint(self, trade_ids: Iterable[int] = ()) -> Savepoint: ...
    def rollback(self, point: Savepoint) -> None: ...


def trades_of(events: Iterable[Event]) -> list[TradeRecord]:
    """Every trade record carried by ``events``, in event order (the journal keeps the last per id)."""
    records: list[TradeRecord] = []
    for event in events:
        if isinstance(event, (TradeOpened, OrderPlaced, TradeModified, OrderCancelled)):
            records.append(event.trade)
        elif isinstance(event, TradeClosed):
            records.append(event.trade)
            if event.remaining is not None:
                records.append(event.remaining)
        elif isinstance(event, StopOutTriggered):
            records.extend(event.closed)
    return records


def account_dict(account: AccountSnapshot) -> dict[str, Any]:
    """The account as DESIGN's ``GET account/`` fields (money as Decimal)."""
    return {
        "balance": account.balance,
        "equity": account.equity,
        "margin": account.margin,
        "free_margin": account.free_margin,
        "margin_level": account.margin_level,
        "currency": account.currency,
        "leverage": account.leverage,
        "initial_balance": account.initial_balance,
    }


def compute_figures(
    closed: Sequence[TradeRecord], account: AccountSnapshot, sources: Mapping[int, str] | None = None
) -> dict[str, Any]:
    """DESIGN's performance figures of ``closed`` trades (``engine.performance.compute_performance``).

    ``sources`` maps signal ids to their source (model name) for ``by_source``.
    """
    return compute_performance(closed, account.initial_balance, sources=sources)


def journal_figures(journal: Journal, account: AccountSnapshot) -> dict[str, Any]:
    """The figures of the journal's closed trades, with each signal's source (run on the DB thread)."""
    closed = journal.closed_trades()
    signal_ids = {t.signal_id for t in closed if t.signal_id is not None}
    sources = journal.signal_sources(signal_ids) if signal_ids else {}
    return compute_figures(closed, account, sources)


class Snapshotter:
    """Compute performance figures and store snapshots; runs on the database thread."""

    def performance(self, journal: Journal, account: AccountSnapshot) -> dict[str, Any]:
        """The figures of the journal's closed trades for ``account``."""
        return journal_figures(journal, account)

    def save(self, journal: Journal, account: AccountSnapshot, now: datetime) -> None:
        """Store a snapshot at ``now`` (the engine's market clock): the account and the figures (no equity curve)."""
        snapshot: dict[str, Any] = {"time": iso(now), "account": account_dict(account)}
        figures = self.performance(journal, account)
        snapshot["performance"] = {k: v for k, v in figures.items() if k != "equity_curve"}
        journal.save_metrics(jsonable(snapshot), now)


def account_terms(
    old: AccountSnapshot, balance: Decimal | float | str | None, currency: str | None, leverage: int | None
) -> tuple[Decimal, str, int]:
    """Validate a reset's terms (missing ones keep the old account's); raise ``ValidationError``."""
    try:
        new_balance = money(balance) if balance is not None else old.initial_balance
    except (ArithmeticError, ValueError, TypeError):
        raise ValidationError(f"balance must be a number, not {balance!r}", field="balance") from None
    if not new_balance.is_finite() or new_balance <= 0:
        raise ValidationError("balance must be a positive amount", field="balance")
    new_currency = (currency or old.currency).strip().upper()
    if len(new_currency) != 3 or not new_currency.isalpha():
        raise ValidationError(f"currency must be a 3-letter code, not {currency!r}", field="currency")
    if leverage is not None and (isinstance(leverage, bool) or not isinstance(leverage, int) or leverage < 1):
        raise ValidationError(f"leverage must be an integer >= 1, not {leverage!r}", field="leverage")
    return new_balance, new_currency, leverage if leverage is not None else old.leverage


def collect_statuses(sources: Iterable[Callable[[], Any]]) -> list[FeedStatus]:
    """The ``FeedStatus`` of every source (each returns one or a list); a broken source is logged and skipped."""
    out: list[FeedStatus] = []
    for source in sources:
        try:
            result = source()
        except Exception:  # one broken source must not hide the others
            log.exception("feed status source %r failed", source)
            continue
        out.extend([result] if isinstance(result, FeedStatus) else result)
    return out


def fresh_broker(
    broker: BrokerLike,
    factory: Callable[[Decimal, str, int], BrokerLike] | None,
    balance: Decimal,
    currency: str,
    leverage: int,
) -> BrokerLike:
    """The broker of a fresh account: ``factory``'s, or ``broker``'s class with its config changed."""
    if factory is not None:
        return factory(balance, currency, leverage)
    config = getattr(broker, "config", None)
    if config is None:
        raise OrderRejectedError("this engine cannot reset the account", code="invalid_state")
    broker_class = cast("Callable[[BrokerConfig], BrokerLike]", type(broker))  # PaperBroker(config)
    return broker_class(replace(config, balance=balance, currency=currency, leverage=leverage))
