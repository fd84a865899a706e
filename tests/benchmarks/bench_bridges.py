"""Round-trip time of a mirrored open: fake MetaTrader5 package and fake DWX EA on loopback.

Prints ``name: value unit`` lines: p50/p99 of ``mirror.open(trade)`` (order_check +
order_send through the bridge thread; or OPEN → EXECUTION over ZeroMQ), then
what a refusal does to the paper trade.
Run: ``python -m tests.benchmarks.bench_bridges``.
"""

from __future__ import annotations

import asyncio
import logging
import statistics
import tempfile
import time
from datetime import datetime, timezone
from decimal import Decimal

from bridges.config import MirrorOptions, Mt5Config
from bridges.mt5.client import Mt5Client
from bridges.mt5.mirror import Mt5Mirror
from bridges.sync import MirrorService
from bridges.zmq.client import ZmqClient
from bridges.zmq.mirror import ZmqMirror
from engine.broker import BrokerConfig, OrderRequest, PaperBroker
from engine.bus import EventBus
from engine.journal import SqlJournal
from engine.service import TradingEngine
from engine.values import Quote, Side
from tests.bridges.conftest import make_trade
from tests.bridges.fake_ea import FakeEA
from tests.bridges.fake_mt5 import constants as c
from tests.bridges.fake_mt5 import install_globally
from tests.bridges.fake_mt5.terminal import FakeTerminal

N = 300


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


async def time_opens(mirror) -> list[float]:
    samples = []
    for i in range(1, N + 1):
        start = time.perf_counter()
        result = await mirror.open(make_trade(i, lots="0.01"))
        samples.append((time.perf_counter() - start) * 1000)
        assert result.ok, result
    return samples


async def bench_mt5() -> None:
    terminal = FakeTerminal(balance=10_000_000)
    terminal.add_symbol("EURUSD", bid=1.1)
    install_globally(terminal)
    mirror = Mt5Mirror(Mt5Client(Mt5Config()), MirrorOptions())
    await mirror.connect()
    await mirror.reconcile()
    p50, p99 = percentiles(await time_opens(mirror))
    print(f"mt5_fake_package_open_p50: {p50:.3f} ms")
    print(f"mt5_fake_package_open_p99: {p99:.3f} ms")
    await mirror.disconnect()
    await refusal_outcome()


async def refusal_outcome() -> None:
    """Open a paper trade through the real engine while MT5 refuses it; print what the trade becomes."""
    terminal = FakeTerminal()
    terminal.add_symbol("EURUSD", bid=1.1)
    install_globally(terminal)
    mirror = Mt5Mirror(Mt5Client(Mt5Config()), MirrorOptions())
    with tempfile.TemporaryDirectory() as folder:
        engine = TradingEngine(EventBus(), PaperBroker(BrokerConfig()),
                               SqlJournal(f"sqlite:///{folder}/bench.db", durable=False), symbols=["EURUSD"],
                               flush_interval=3600)
        await engine.start()
        tick = terminal.symbols["EURUSD"]
        await engine.on_quote(Quote("EURUSD", tick.bid, tick.ask, datetime.now(timezone.utc), "bench"))
        service = MirrorService(engine.bus, mirror, record_state=engine.set_mirror_state, watch_interval=60)
        await service.start()
        terminal.inject_refusal(c.TRADE_RETCODE_NO_MONEY, "No money")
        trade = await engine.place_order(OrderRequest("EURUSD", Side.BUY, lots=Decimal("0.10")))
        await service.drain()
        stored = await engine.get_trade(trade.id)
        await service.stop()
        await engine.stop()
    print(f"refused_open_paper_trade_status: {stored.status.value}")
    print(f"refused_open_mirror_state: {stored.mirror_state} (retcode {c.TRADE_RETCODE_NO_MONEY})")


async def bench_zmq() -> None:
    ea = FakeEA().start()
    try:
        mirror = ZmqMirror(ZmqClient(ea.config(timeout=5, heartbeat=30)), MirrorOptions())
        await mirror.connect()
        await mirror.reconcile()
        p50, p99 = percentiles(await time_opens(mirror))
        print(f"zmq_fake_ea_open_p50: {p50:.3f} ms")
        print(f"zmq_fake_ea_open_p99: {p99:.3f} ms")
        await mirror.disconnect()
    finally:
        ea.stop()


async def main() -> None:
    await bench_mt5()
    await bench_zmq()


if __name__ == "__main__":
    logging.basicConfig(level=logging.ERROR)
    asyncio.run(main())
