"""Round trips of mirrored opens and closes: fake MetaTrader5 package and the fake stock DWX EA.

Prints ``name: value unit`` lines: p50/p99 of ``mirror.open(trade)`` (order_check +
order_send through the bridge thread; or OPEN → EXECUTION over ZeroMQ against the
stock DWX EA, whose DMA mode sets SL/TP with a second trade call) and of
``mirror.close(trade, ticket)``; what a refusal does to the paper trade; and how long
after the EA answers again a position closed on paper during its silence is closed in
MetaTrader and recorded (the bridge's defaults: 5 s timeout, 5 s heartbeat).
Run: ``python -m tests.benchmarks.bench_bridges``.
"""

from __future__ import annotations

import asyncio
import logging
import statistics
import sys
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


async def time_opens(mirror) -> tuple[list[float], dict[int, str]]:
    samples, tickets = [], {}
    for i in range(1, N + 1):
        start = time.perf_counter()
        result = await mirror.open(make_trade(i, lots="0.01"))
        samples.append((time.perf_counter() - start) * 1000)
        assert result.ok, result
        tickets[i] = result.ticket
    return samples, tickets


async def time_closes(mirror, tickets: dict[int, str]) -> list[float]:
    samples = []
    for i, ticket in tickets.items():
        start = time.perf_counter()
        result = await mirror.close(make_trade(i, lots="0.01"), ticket)
        samples.append((time.perf_counter() - start) * 1000)
        assert result.ok, result
    return samples


def report(prefix: str, opens: list[float], closes: list[float]) -> None:
    for what, samples in (("open", opens), ("close", closes)):
        p50, p99 = percentiles(samples)
        print(f"{prefix}_{what}_p50: {p50:.3f} ms")
        print(f"{prefix}_{what}_p99: {p99:.3f} ms")


async def bench_mt5() -> None:
    terminal = FakeTerminal(balance=10_000_000)
    terminal.add_symbol("EURUSD", bid=1.1)
    install_globally(terminal)
    mirror = Mt5Mirror(Mt5Client(Mt5Config()), MirrorOptions())
    await mirror.connect()
    await mirror.reconcile()
    opens, tickets = await time_opens(mirror)
    report("mt5_fake_package", opens, await time_closes(mirror, tickets))
    await mirror.disconnect()
    await refusal_outcome()


async def refusal_outcome() -> None:
    """Open a paper trade through the real engine while MT5 refuses it; print what the trade becomes."""
    terminal = FakeTerminal()
    terminal.add_symbol("EURUSD", bid=1.1)
    install_globally(terminal)
    mirror = Mt5Mirror(Mt5Client(Mt5Config()), MirrorOptions())
    with tempfile.TemporaryDirectory() as folder:
        engine = TradingEngine(
            EventBus(),
            PaperBroker(BrokerConfig()),
            SqlJournal(f"sqlite:///{folder}/bench.db", durable=False),
            symbols=["EURUSD"],
            flush_interval=3600,
        )
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


async def bench_zmq(gap: float) -> None:
    """Back-to-back opens then closes; ``gap``: the client's pause between a reply and the next command."""
    from bridges.zmq import client as zmq_client

    zmq_client.COMMAND_GAP = gap
    ea = FakeEA(maximum_orders=100_000, maximum_lot_size=10.0).start()
    try:
        mirror = ZmqMirror(ZmqClient(ea.config(timeout=5, heartbeat=30)), MirrorOptions())
        await mirror.connect()
        await mirror.reconcile()
        opens, tickets = await time_opens(mirror)
        prefix = f"zmq_stock_ea_gap_{gap * 1000:g}ms"
        report(prefix, opens, await time_closes(mirror, tickets))
        print(
            f"{prefix}_replies_lost: {len(ea.lost_replies)} (empty messages lost: "
            f"{ea.send_failures - len(ea.lost_replies)})"
        )
        await mirror.disconnect()
    finally:
        ea.stop()


async def reconciled_after_silence(silence: float, restart: bool) -> tuple[float, float]:
    """Seconds from the EA answering again to the MetaTrader close, and to ``mirror_state`` closed.

    ``restart``: the EA is gone (terminal restarted; commands sent meanwhile are lost with
    its sockets); otherwise it hangs (commands wait in its socket and run when it wakes).
    """
    ea = FakeEA(maximum_orders=100_000, maximum_lot_size=10.0).start()
    with tempfile.TemporaryDirectory() as folder:
        engine = TradingEngine(
            EventBus(),
            PaperBroker(BrokerConfig()),
            SqlJournal(f"sqlite:///{folder}/bench.db", durable=False),
            symbols=["EURUSD"],
            flush_interval=3600,
        )
        await engine.start()
        bid, ask = ea.mt4.prices["EURUSD"]
        await engine.on_quote(Quote("EURUSD", bid, ask, datetime.now(timezone.utc), "bench"))
        mirror = ZmqMirror(ZmqClient(ea.config(timeout=5, heartbeat=5)), MirrorOptions())
        service = MirrorService(
            engine.bus,
            mirror,
            record_state=engine.set_mirror_state,
            active_trades=engine.active_trades,
            watch_interval=5,
        )
        await service.start()
        trade = await engine.place_order(OrderRequest("EURUSD", Side.BUY, lots=Decimal("0.10")))
        await service.drain()
        if restart:
            ea.stop()
        else:
            ea.silent = True
        await engine.close_trade(trade.id)
        await asyncio.sleep(silence)
        if restart:
            ea.start()
        else:
            ea.silent = False
        back = time.perf_counter()
        while ea.trades:
            await asyncio.sleep(0.01)
        closed_at = time.perf_counter() - back
        while (await engine.get_trade(trade.id)).mirror_state != "closed":
            await asyncio.sleep(0.01)
        recorded_at = time.perf_counter() - back
        await service.stop()
        await engine.stop()
    ea.stop()
    return closed_at, recorded_at


async def bench_silence() -> None:
    for restart in (False, True):
        for silence in (2.0, 10.0, 40.0):
            closed, recorded = await reconciled_after_silence(silence, restart)
            how = "restart" if restart else "hang"
            print(
                f"zmq_close_during_{silence:g}s_ea_{how}_done_after_ea_back: {closed:.2f} s "
                f"(mirror_state closed after {recorded:.2f} s)",
                flush=True,
            )


async def main() -> None:
    await bench_mt5()
    await bench_zmq(0.01)  # the bridge's pacing (bridges.zmq.client.COMMAND_GAP)
    await bench_zmq(0.0)  # the bridge's own overhead
    await bench_silence()


if __name__ == "__main__" and sys.argv[1:] == ["silence"]:
    logging.basicConfig(level=logging.ERROR)
    asyncio.run(bench_silence())
    sys.exit(0)


if __name__ == "__main__":
    logging.basicConfig(level=logging.ERROR)
    asyncio.run(main())
