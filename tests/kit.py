"""The tests' builders of trades, accounts and engines, in one place.

Every test that needs a ``TradeRecord`` builds it here, so a record's fields are written out
once: a new field of ``TradeRecord`` needs a default here and nowhere else. Three shapes are
common, each a preset of ``make_trade``:

- ``make_trade``: an open EURUSD market buy of 0.10 lots at 1.08512 (SL 1.08012, TP 1.09512,
  commission 0.70 USD), opened ``trade_id`` minutes after ``T0`` — the journal's and the
  commands' tests; ``closed`` closes one;
- ``signal_trade``: a trade a signal opened, closed at its TP by default: entry 1.1, SL 1.095
  (50 pips at risk, so ``pips`` / 50 is its R-multiple), closed ``trade_id`` hours after
  ``SIGNAL_T0`` — the signal statistics' tests;
- ``mirrored_trade``: an open paper trade as the broker publishes it to a MetaTrader mirror,
  opened a second ago and priced for the fake terminal's EURUSD at 1.10000 (entry 1.1001,
  SL 1.0950, TP 1.1050) — the bridges' tests.

``make_engine`` builds the real ``TradingEngine`` over a ``PaperBroker`` and a ``SqlJournal``
(not started), and ``Recorder`` keeps every event a bus publishes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

from engine.broker import BrokerConfig, PaperBroker
from engine.bus import EventBus
from engine.events import Event
from engine.journal import SqlJournal
from engine.service import TradingEngine
from engine.values import AccountSnapshot, CloseReason, OrderType, Side, TradeRecord, TradeStatus

T0 = datetime(2026, 11, 24, 17, 0, 0, 123000, tzinfo=timezone.utc)
"""A Tuesday afternoon, with milliseconds (times are stored and exported to the millisecond)."""
SIGNAL_T0 = datetime(2026, 1, 5, tzinfo=timezone.utc)
"""A Monday midnight: the signal tests' bars and signals start here."""

_MONEY = ("lots", "pnl", "commission", "swap")


def make_trade(trade_id: int = 1, *, at: datetime | None = None, **fields: Any) -> TradeRecord:
    """An open EURUSD market buy of 0.10 lots at 1.08512, SL 1.08012, TP 1.09512, commission 0.70.

    Opened (and created) at ``at``, by default ``T0 + trade_id`` minutes. Any other field is
    given by its name; ``lots``, ``pnl``, ``commission`` and ``swap`` may be strings or ints
    (they become ``Decimal``).
    """
    opened = at if at is not None else T0 + timedelta(minutes=trade_id)
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
        open_time=opened,
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
        created_at=opened,
    )
    for name in _MONEY:
        if name in fields and not isinstance(fields[name], Decimal):
            fields[name] = Decimal(fields[name])
    return replace(base, **fields)


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


def signal_trade(
    trade_id: int,
    *,
    signal_id: int | None = None,
    pnl: str = "10",
    pips: float = 10.0,
    status: TradeStatus = TradeStatus.CLOSED,
    symbol: str = "EURUSD",
    commission: str = "0",
    close_time: datetime | None = None,
) -> TradeRecord:
    """A 0.10-lot buy at 1.1 (SL 1.095, TP 1.11) opened at ``SIGNAL_T0`` by signal ``signal_id``.

    Closed at its TP (close 1.101, ``trade_id`` hours after ``SIGNAL_T0`` unless ``close_time``)
    with ``pnl`` and ``pips``, unless ``status`` says otherwise; no commission by default.
    """
    done = status is TradeStatus.CLOSED
    return make_trade(
        trade_id,
        at=SIGNAL_T0,
        symbol=symbol,
        status=status,
        entry_price=1.1,
        sl=1.095,
        tp=1.11,
        close_time=(close_time or SIGNAL_T0 + timedelta(hours=trade_id)) if done else None,
        close_price=1.101 if done else None,
        close_reason=CloseReason.TP if done else None,
        pips=pips,
        pnl=pnl,
        commission=commission,
        swap="0",
        signal_id=signal_id,
        comment="",
        created_at=None,
    )


def mirrored_trade(
    trade_id: int = 1,
    *,
    symbol: str = "EURUSD",
    side: Side = Side.BUY,
    order_type: OrderType = OrderType.MARKET,
    status: TradeStatus = TradeStatus.OPEN,
    lots: str = "0.10",
    entry: float | None = 1.1001,
    requested: float | None = None,
    sl: float | None = 1.0950,
    tp: float | None = 1.1050,
    parent_id: int | None = None,
    mirror_ticket: str | None = None,
) -> TradeRecord:
    """A paper trade as the broker publishes it to a mirror: opened a second ago, no costs yet."""
    return make_trade(
        trade_id,
        at=datetime.now(timezone.utc) - timedelta(seconds=1),
        symbol=symbol,
        side=side,
        order_type=order_type,
        status=status,
        lots=lots,
        requested_price=requested,
        entry_price=entry,
        sl=sl,
        tp=tp,
        pnl="0",
        commission="0",
        swap="0",
        parent_id=parent_id,
        comment="",
        mirror_ticket=mirror_ticket,
    )


def make_account(balance: str = "10000", *, equity: str | None = None, **overrides: Any) -> AccountSnapshot:
    """A flat account (no margin in use) of ``balance`` USD at 1:100, opened with that balance.

    ``equity`` differs from the balance when given (floating result of open trades).
    """
    value = Decimal(balance).quantize(Decimal("0.01"))
    worth = Decimal(equity) if equity is not None else value
    base = AccountSnapshot(
        balance=value,
        equity=worth,
        margin=Decimal("0.00"),
        free_margin=worth,
        margin_level=None,
        currency="USD",
        leverage=100,
        initial_balance=value,
    )
    return replace(base, **overrides)


def make_engine(
    journal: str | Path | SqlJournal,
    *,
    symbols: Sequence[str] = ("EURUSD",),
    broker: PaperBroker | None = None,
    **options: Any,
) -> TradingEngine:
    """A real ``TradingEngine`` (not started) on its own bus.

    ``journal`` is a ``SqlJournal``, a SQLAlchemy URL or a SQLite file path (opened with
    ``durable=False``: tests need no fsync); ``broker`` defaults to ``PaperBroker(BrokerConfig())``;
    ``options`` go to the engine as they are (``flush_interval``, ``clock``…).
    """
    if not isinstance(journal, SqlJournal):
        url = journal if isinstance(journal, str) and "://" in journal else f"sqlite:///{journal}"
        journal = SqlJournal(url, durable=False)
    return TradingEngine(EventBus(), broker or PaperBroker(BrokerConfig()), journal, symbols=list(symbols), **options)


class Recorder:
    """Collects every event published on a bus, in order."""

    def __init__(self, bus: EventBus) -> None:
        self.events: list[Event] = []
        bus.subscribe(Event, self.events.append)

    def of(self, kind: type) -> list:
        """The recorded events of ``kind`` (subclasses included)."""
        return [e for e in self.events if isinstance(e, kind)]
