"""Time to build the self-contained HTML report of 10,000 closed trades (target under 2 s).

Trades: 10,000 closed EURUSD trades from 4 signal sources (2,500 each), results
drawn from a normal distribution (seed 1), one per hour. Timed: the figures
(``build_report``: performance figures, the per-source signal report with its
bootstrap intervals) and the HTML with its charts (``render_html``), then the
file write. matplotlib's import is timed apart (once per process).

Run: ``python -m tests.benchmarks.bench_html_report``
"""

from __future__ import annotations

import tempfile
import time
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import numpy as np

from engine.values import (
    AccountSnapshot,
    CloseReason,
    OrderType,
    Side,
    Signal,
    SignalStatus,
    Timeframe,
    TradeRecord,
    TradeStatus,
)

N = 10_000
SOURCES = ("harmonic", "mtf", "ml", "aggregate")
T0 = datetime(2025, 1, 6, tzinfo=timezone.utc)


def sample(n: int = N) -> tuple[list[TradeRecord], list[Signal], AccountSnapshot]:
    """``n`` closed trades with their signals and the final account (module docstring)."""
    rng = np.random.default_rng(1)
    pips = rng.normal(1.0, 25.0, n).round(1)
    trades, signals = [], []
    balance = Decimal("10000")
    for i in range(n):
        when = T0 + timedelta(hours=i)
        side = Side.BUY if i % 2 else Side.SELL
        entry = 1.1 + 0.001 * np.sin(i / 50)
        pnl = Decimal(str(round(float(pips[i]) * 1.0, 2)))
        balance += pnl
        signals.append(
            Signal(
                i + 1,
                "EURUSD",
                side,
                entry,
                entry - side.sign * 0.002,
                entry + side.sign * 0.004,
                float(0.5 + 0.45 * rng.random()),
                SOURCES[i % 4],
                Timeframe.H1,
                when,
                when + timedelta(hours=1),
                SignalStatus.EXECUTED,
                trade_id=i + 1,
            )
        )
        trades.append(
            TradeRecord(
                id=i + 1,
                symbol="EURUSD",
                side=side,
                order_type=OrderType.MARKET,
                status=TradeStatus.CLOSED,
                lots=Decimal("0.10"),
                requested_price=None,
                entry_price=entry,
                sl=entry - side.sign * 0.002,
                tp=entry + side.sign * 0.004,
                trailing_pips=None,
                open_time=when,
                close_time=when + timedelta(minutes=40),
                close_price=entry + side.sign * float(pips[i]) * 1e-4,
                close_reason=CloseReason.TP if pips[i] > 0 else CloseReason.SL,
                pips=float(pips[i]),
                pnl=pnl,
                commission=Decimal("0"),
                swap=Decimal("0"),
                mfe_pips=float(abs(pips[i]) + 3),
                mae_pips=float(rng.random() * 20),
                signal_id=i + 1,
                parent_id=None,
                comment="",
            )
        )
    account = AccountSnapshot(
        balance=balance,
        equity=balance,
        margin=Decimal("0"),
        free_margin=balance,
        margin_level=None,
        currency="USD",
        leverage=100,
        initial_balance=Decimal("10000"),
    )
    return trades, signals, account


def main() -> None:
    started = time.perf_counter()
    import matplotlib  # noqa: F401

    from engine.htmlreport import ReportInput, build_report, write_report

    imported = time.perf_counter() - started
    trades, signals, account = sample()
    data = ReportInput("Benchmark", account, trades, signals)
    runs = []
    with tempfile.TemporaryDirectory() as folder:
        for _ in range(3):
            t0, c0 = time.perf_counter(), time.process_time()
            report = build_report(data)
            t1 = time.perf_counter()
            path = write_report(report, Path(folder) / "report.html")  # renders the charts and the HTML
            runs.append((t1 - t0, time.perf_counter() - t1, time.process_time() - c0))
        size = path.stat().st_size
    best = min(runs, key=lambda r: r[0] + r[1])
    print(f"html_report_import: {imported:.2f} s (matplotlib and the report modules, once per process)")
    print(f"html_report_figures_10000: {best[0]:.2f} s (performance figures + signal report with bootstrap CIs)")
    print(f"html_report_render_write_10000: {best[1]:.2f} s (charts as SVG + HTML + file, {size / 1e6:.1f} MB)")
    print(
        f"html_report_total_10000: {best[0] + best[1]:.2f} s wall (target < 2 s; best of 3, all runs "
        f"{', '.join(f'{r[0] + r[1]:.2f}' for r in runs)} s)"
    )
    print(f"html_report_cpu_10000: {min(r[2] for r in runs):.2f} s CPU (best of 3)")


if __name__ == "__main__":
    main()
