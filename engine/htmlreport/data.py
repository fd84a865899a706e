"""What the HTML report shows, computed from trades, signals and the account.

Figures: DESIGN's performance figures (``engine.performance``) over the closed
trades, and the signal report per source (``engine.signals.stats``, with each
trade's R-multiple for the histograms). The equity curve is the balance curve
of closed trades (equity = balance at each close, as ``engine.performance``
defines it); drawdown(t) = balance(t) − the highest balance up to t (≤ 0).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from engine.performance import compute_performance
from engine.signals.stats import source_stats
from engine.values import AccountSnapshot, Signal, SignalStatus, TradeRecord, TradeStatus


@dataclass(frozen=True)
class ReportInput:
    """The raw material of a report: the account, every trade record, the signals behind them."""

    title: str
    account: AccountSnapshot
    trades: Sequence[TradeRecord]
    signals: Sequence[Signal] = ()
    subtitle: str = ""


@dataclass(frozen=True)
class Report:
    """A computed report: the input, the performance figures and the per-source signal report."""

    input: ReportInput
    closed: list[TradeRecord]
    figures: dict[str, Any]
    stats: dict[str, dict[str, Any]]
    generated_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))


def build_report(data: ReportInput) -> Report:
    """Compute the figures of ``data`` (pure; may take a second for 10,000 trades: run it off any loop)."""
    closed = sorted(
        (t for t in data.trades if t.status is TradeStatus.CLOSED),
        key=lambda t: (t.close_time or datetime.min.replace(tzinfo=timezone.utc), t.id),
    )
    sources = {s.id: s.source for s in data.signals if s.id is not None}
    figures = compute_performance(closed, data.account.initial_balance, sources=sources)
    stats = source_stats(data.signals, closed, samples=True)
    return Report(data, closed, figures, stats)


def from_journal(journal: Any, title: str = "Paper Terminal report") -> ReportInput | None:
    """The current account of a journal (``SqlJournal``) with all its trades and signals; None without one."""
    account = journal.account()
    if account is None:
        return None
    trades = journal.all_trades()
    signals = journal.signals(limit=1_000_000)
    return ReportInput(
        title=title,
        account=account,
        trades=trades,
        signals=signals,
        subtitle=f"{account.currency} account, leverage 1:{account.leverage}",
    )


def from_replay(result: Any, title: str = "Replay report") -> ReportInput:
    """A replay's trades and its signals file's rows as signals (entry = the fill price of their trade).

    A row without confidence counts as 0.5; without an SL its risk is unknown (no R-multiple).
    """
    trades = list(result.trades.values())
    entry_of = {t.signal_id: t.entry_price for t in trades if t.signal_id is not None and t.parent_id is None}
    signals = []
    for outcome in result.outcomes:
        row = outcome.signal
        when = datetime(1970, 1, 1, tzinfo=timezone.utc) + timedelta(microseconds=row.time_ns // 1000)
        entry = entry_of.get(row.line) or row.price or row.sl or row.tp or 0.0
        executed = outcome.trade_id is not None
        signals.append(
            Signal(
                id=row.line,
                symbol=row.symbol,
                side=row.side,
                entry=float(entry),
                sl=float(row.sl if row.sl is not None else entry),
                tp=float(row.tp if row.tp is not None else entry),
                confidence=0.5 if row.confidence is None else float(row.confidence),
                source=row.source,
                timeframe=None,
                created_at=when,
                expires_at=when,
                status=SignalStatus.EXECUTED if executed else SignalStatus.REJECTED,
                trade_id=outcome.trade_id,
            )
        )
    kind = f"{result.rows:,} {result.kind} of {', '.join(result.symbols)}"
    return ReportInput(
        title=title, account=result.account, trades=trades, signals=signals, subtitle=f"replay of {kind}"
    )


def balance_curve(closed: Sequence[TradeRecord], initial: Decimal) -> tuple[list[datetime], list[float]]:
    """(times, balance after each close), starting with the initial balance at the first open."""
    if not closed:
        return [], []
    start = closed[0].open_time
    assert start is not None  # a closed trade has opened
    times = [start]
    values = [float(initial)]
    running = initial
    for trade in closed:
        running += trade.net
        when = trade.close_time or trade.open_time
        assert when is not None  # a closed trade has its close time
        times.append(when)
        values.append(float(running))
    return times, values


def replace_title(data: ReportInput, title: str) -> ReportInput:
    """``data`` with another title."""
    return dataclasses.replace(data, title=title)
