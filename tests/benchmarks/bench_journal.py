"""Journal and engine throughput: commits per second and quotes per second.

``python -m tests.benchmarks.bench_journal`` prints ``name: value unit`` lines:

- ``journal_commit_durable``: one-trade commits per second on a SQLite file
  in WAL mode with ``synchronous=FULL`` (live trading);
- ``journal_commit_fast``: the same with ``synchronous=NORMAL`` (replay);
- ``engine_quotes_idle``: ``TradingEngine.on_quote`` calls per second with no
  open trade (broker, bars, events; no commit);
- ``engine_quotes_100_open``: the same with 100 open trades whose SL/TP are
  far away (no trigger, so no commit);
- ``engine_trades_roundtrip``: market open + close commands per second,
  each committed on the database thread before its event.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

from engine.broker import BrokerConfig, OrderRequest, PaperBroker
from engine.bus import EventBus
from engine.journal import SqlJournal
from engine.service import TradingEngine
from engine.values import AccountSnapshot, OrderType, Quote, Side, TradeRecord, TradeStatus

T0 = datetime(2026, 11, 24, 10, 0, tzinfo=timezone.utc)
ACCOUNT = AccountSnapshot(
    Decimal("10000"), Decimal("10000"), Decimal("0"), Decimal("10000"), None, "USD", 100, Decimal("10000")
)


def _trade(trade_id: int) -> TradeRecord:
    return TradeRecord(
        trade_id,
        "EURUSD",
        Side.BUY,
        OrderType.MARKET,
        TradeStatus.OPEN,
        Decimal("0.10"),
        None,
        1.085,
        1.08,
        1.09,
        None,
        T0,
        None,
        None,
        None,
        0.0,
        Decimal("0"),
        Decimal("0.70"),
        Decimal("0"),
        0.0,
        0.0,
        None,
        None,
        "",
        T0,
    )


def bench_commits(folder: Path, durable: bool, n: int = 500) -> float:
    journal = SqlJournal(f"sqlite:///{folder / f'commits-{durable}.db'}", durable=durable)
    journal.commit([], ACCOUNT)
    start = time.perf_counter()
    for i in range(1, n + 1):
        journal.commit([_trade(i)], replace(ACCOUNT, balance=Decimal(10000 + i)))
    elapsed = time.perf_counter() - start
    journal.close()
    return n / elapsed


def _quote(i: int) -> Quote:
    bid = round(1.085 + (i % 50) * 1e-5, 5)
    return Quote("EURUSD", bid, round(bid + 1e-4, 5), T0 + timedelta(milliseconds=250 * i), "bench")


async def bench_engine(folder: Path) -> dict[str, float]:
    engine = TradingEngine(
        EventBus(),
        PaperBroker(BrokerConfig(balance=Decimal("1000000"))),
        SqlJournal(f"sqlite:///{folder / 'engine.db'}", durable=True),
        symbols=["EURUSD"],
        flush_interval=3600,
    )
    await engine.start()
    out: dict[str, float] = {}
    n = 20_000
    start = time.perf_counter()
    for i in range(n):
        await engine.on_quote(_quote(i))
    out["engine_quotes_idle"] = n / (time.perf_counter() - start)
    for _ in range(100):
        await engine.place_order(OrderRequest("EURUSD", Side.BUY, lots=Decimal("0.01"), sl=1.0, tp=1.5))
    start = time.perf_counter()
    for i in range(n, 2 * n):
        await engine.on_quote(_quote(i))
    out["engine_quotes_100_open"] = n / (time.perf_counter() - start)
    rounds = 200
    start = time.perf_counter()
    for _ in range(rounds):
        trade = await engine.place_order(OrderRequest("EURUSD", Side.SELL, lots=Decimal("0.01")))
        await engine.close_trade(trade.id)
    out["engine_trades_roundtrip"] = rounds / (time.perf_counter() - start)
    await engine.stop()
    return out


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        print(f"journal_commit_durable: {bench_commits(folder, True):.0f} commits/s")
        print(f"journal_commit_fast: {bench_commits(folder, False):.0f} commits/s")
        for name, value in asyncio.run(bench_engine(folder)).items():
            unit = "round trips/s" if name == "engine_trades_roundtrip" else "quotes/s"
            print(f"{name}: {value:.0f} {unit}")


if __name__ == "__main__":
    main()
