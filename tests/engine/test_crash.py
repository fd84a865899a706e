"""THE CRASH TEST: SIGKILL a trading process at random moments; the journal loses nothing.

A child process (this module run with ``child``) trades continuously on a
fast random walk against a file journal in durable mode: random market
orders with tight SL/TP, full and partial closes, modifications. Every event
handler prints the record it saw — events are published only after their
commit, so every printed record is committed. The parent kills the child
with SIGKILL after a random time, restarts it on the same journal (which
reloads open trades and keeps trading them), and after each kill checks:

- the database is intact and every printed record is in it exactly once
  (ids are primary keys; closed records are identical to what was printed);
- no record is half-written: every partial close's parent exists;
- the balance reconciles exactly: initial + Σ(pnl − commission + swap) of
  the closed records == the stored balance.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest

INITIAL = Decimal("100000.00")
ROOT = Path(__file__).resolve().parents[2]


# -- the child: trade until killed -----------------------------------------------------------


async def _trade_forever(url: str, seed: int) -> None:
    from engine.broker import BrokerConfig, OrderRequest, PaperBroker
    from engine.bus import EventBus
    from engine.errors import OrderRejectedError
    from engine.events import OrderCancelled, TradeClosed, TradeModified, TradeOpened
    from engine.journal import SqlJournal
    from engine.service import TradingEngine
    from engine.values import Quote, Side

    rng = random.Random(seed)
    broker = PaperBroker(BrokerConfig(balance=INITIAL, commission_per_lot_side=Decimal("3.50"), leverage=500))
    engine = TradingEngine(
        EventBus(), broker, SqlJournal(url, durable=True), symbols=["EURUSD", "USDJPY"], flush_interval=0.2
    )

    def emit(record) -> None:
        sys.stdout.write(
            f"R {record.id} {record.status.value} {record.lots} {record.pnl} {record.commission} "
            f"{record.swap} {record.parent_id}\n"
        )
        sys.stdout.flush()

    def on_event(event) -> None:
        emit(event.trade)
        remaining = getattr(event, "remaining", None)
        if remaining is not None:
            emit(remaining)

    for kind in (TradeOpened, TradeClosed, TradeModified, OrderCancelled):
        engine.bus.subscribe(kind, on_event)
    await engine.start()
    sys.stdout.write("READY\n")
    sys.stdout.flush()
    mids = {"EURUSD": 1.0850, "USDJPY": 151.20}
    pip = {"EURUSD": 0.0001, "USDJPY": 0.01}
    digits = {"EURUSD": 5, "USDJPY": 3}
    clock = datetime(2026, 11, 24, 8, 0, tzinfo=timezone.utc) + timedelta(minutes=rng.randrange(10_000))
    while True:
        clock += timedelta(seconds=1)
        for symbol, mid in mids.items():
            mid += rng.gauss(0, 1.5) * pip[symbol]
            mids[symbol] = mid
            bid = round(mid, digits[symbol])
            await engine.on_quote(Quote(symbol, bid, round(bid + pip[symbol], digits[symbol]), clock, "walk"))
        symbol = rng.choice(list(mids))
        action = rng.random()
        active = [t for t in engine.active_trades() if t.status.value == "open"]
        try:
            if action < 0.35 or not active:
                side = rng.choice([Side.BUY, Side.SELL])
                distance = rng.uniform(3, 15) * pip[symbol]
                price = mids[symbol]
                sl = round(price - side.sign * distance, digits[symbol])
                tp = round(price + side.sign * distance, digits[symbol])
                lots = Decimal(rng.randrange(1, 50)) / 100
                await engine.place_order(OrderRequest(symbol, side, lots=lots, sl=sl, tp=tp))
            elif action < 0.55:
                await engine.close_trade(rng.choice(active).id)
            elif action < 0.8:
                trade = rng.choice(active)
                if trade.lots >= Decimal("0.02"):
                    await engine.close_trade(trade.id, (trade.lots / 2).quantize(Decimal("0.01")))
            else:
                trade = rng.choice(active)
                await engine.modify_trade(trade.id, tp=None)
        except OrderRejectedError:
            pass


def child_main(url: str, seed: int) -> None:
    asyncio.run(_trade_forever(url, seed))


# -- the parent: kill, restart, verify -----------------------------------------------------------


def _printed(output: str) -> dict[int, list[str]]:
    """The last complete record line printed per trade id."""
    records: dict[int, list[str]] = {}
    for line in output.split("\n")[:-1]:  # the last piece may be cut by the kill
        parts = line.split()
        if parts and parts[0] == "R":
            records[int(parts[1])] = parts[2:]
    return records


def _run_and_kill(url: str, seed: int, run_seconds: float) -> tuple[str, int]:
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.engine.test_crash", "child", url, str(seed)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        bufsize=1,
    )
    assert child.stdout is not None
    ready = child.stdout.readline()
    assert ready == "READY\n", child.stderr.read() if child.stderr else ready
    time.sleep(run_seconds)
    os.kill(child.pid, signal.SIGKILL)
    output, _ = child.communicate(timeout=10)
    return output, child.returncode


def _verify(url: str, printed: dict[int, list[str]]) -> int:
    from sqlalchemy import text

    from engine.journal import SqlJournal
    from engine.values import TradeStatus

    journal = SqlJournal(url)
    try:
        with journal.engine.connect() as connection:
            assert connection.execute(text("PRAGMA integrity_check")).scalar() == "ok"
            ids = [row[0] for row in connection.execute(text("SELECT id FROM paper_trades"))]
        assert len(ids) == len(set(ids))
        stored = {t.id: t for t in journal.all_trades()}
        assert set(printed) <= set(stored), f"lost trades: {sorted(set(printed) - set(stored))}"
        for trade_id, (status, lots, pnl, commission, swap, _parent) in printed.items():
            record = stored[trade_id]
            if status in ("closed", "cancelled"):
                assert (record.status.value, record.lots, record.pnl, record.commission, record.swap) == (
                    status,
                    Decimal(lots),
                    Decimal(pnl),
                    Decimal(commission),
                    Decimal(swap),
                )
        for record in stored.values():
            if record.parent_id is not None:
                assert record.parent_id in stored, f"partial {record.id} lost its parent {record.parent_id}"
        closed = [t for t in stored.values() if t.status is TradeStatus.CLOSED]
        account = journal.account()
        assert account is not None
        assert account.balance == INITIAL + sum((t.pnl - t.commission + t.swap for t in closed), Decimal("0"))
        return len(closed)
    finally:
        journal.close()


@pytest.mark.slow
@pytest.mark.timeout(90)
def test_crash_sigkill_at_random_moments_loses_and_doubles_nothing(tmp_path):
    url = f"sqlite:///{tmp_path / 'crash.db'}"
    rng = random.Random(20261125)
    printed: dict[int, list[str]] = {}
    closed_counts = []
    for _iteration in range(4):
        output, returncode = _run_and_kill(url, rng.randrange(1 << 30), rng.uniform(0.4, 1.5))
        assert returncode == -signal.SIGKILL
        printed.update(_printed(output))
        closed_counts.append(_verify(url, printed))
    assert closed_counts[-1] > closed_counts[0] > 0  # trading went on after each restart


if __name__ == "__main__" and len(sys.argv) == 4 and sys.argv[1] == "child":
    child_main(sys.argv[2], int(sys.argv[3]))
