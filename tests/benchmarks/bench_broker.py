"""Paper broker speed: ticks per second through ``on_price``/``on_quote`` and peak memory.

Run: ``python -m tests.benchmarks.bench_broker``. Prints ``name: value unit`` lines.

Also the cost of the journal-failure scheme (engine/broker/savepoint.py): a
savepoint before each command, and the roll-back after a failed write.

Set-up: 20 symbols, N open trades (N = 10, 1,000, 10,000) spread over them,
half buys half sells, 0.01 lots, SL/TP 1,000 pips away so that they rarely
trigger; then a seeded random walk of ticks round-robin over the symbols.
"""

from __future__ import annotations

import random
import time
import tracemalloc
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from engine.broker import BrokerConfig, OrderRequest, PaperBroker
from engine.instruments import SPECS
from engine.values import Quote, Side

SYMBOLS = [s for s in SPECS if s != "XAUUSD"][:20]
START = datetime(2026, 1, 5, 8, tzinfo=timezone.utc)


def make_ticks(count: int, seed: int = 11) -> list[tuple[str, float, float, datetime]]:
    """A seeded random walk: ``count`` ticks, round-robin over ``SYMBOLS``."""
    rng = random.Random(seed)
    mids = {s: SPECS[s].base_price for s in SYMBOLS}
    ticks = []
    for i in range(count):
        symbol = SYMBOLS[i % len(SYMBOLS)]
        spec = SPECS[symbol]
        mids[symbol] += rng.gauss(0.0, 0.5) * spec.pip_size
        half = spec.typical_spread_pips * spec.pip_size / 2
        bid = round(mids[symbol] - half, spec.digits)
        ask = round(mids[symbol] + half, spec.digits)
        ticks.append((symbol, bid, ask, START + timedelta(milliseconds=100 * i)))
    return ticks


def make_broker(open_trades: int) -> PaperBroker:
    """A broker with quotes on every symbol and ``open_trades`` open trades."""
    broker = PaperBroker(BrokerConfig(balance=Decimal("100000000"), leverage=500))
    for symbol, bid, ask, when in make_ticks(len(SYMBOLS), seed=1):
        broker.on_price(symbol, bid, ask, when)
    for i in range(open_trades):
        symbol = SYMBOLS[i % len(SYMBOLS)]
        spec = SPECS[symbol]
        side = Side.BUY if i % 2 == 0 else Side.SELL
        price = broker.last_quote(symbol).mid
        far = 1000 * spec.pip_size
        sl, tp = (price - far, price + far) if side is Side.BUY else (price + far, price - far)
        broker.place(OrderRequest(symbol, side, lots=Decimal("0.01"), sl=sl, tp=tp))
    return broker


def ticks_per_second(open_trades: int, count: int, use_quotes: bool, repeats: int = 3) -> float:
    """Best of ``repeats`` runs of ``count`` ticks (the machine is shared: the best is the least disturbed)."""
    broker = make_broker(open_trades)
    ticks = make_ticks(count)
    quotes = [Quote(s, b, a, t) for s, b, a, t in ticks] if use_quotes else []
    best = 0.0
    for _ in range(repeats):
        if use_quotes:
            on_quote = broker.on_quote
            began = time.perf_counter()
            for quote in quotes:
                on_quote(quote)
        else:
            on_price = broker.on_price
            began = time.perf_counter()
            for symbol, bid, ask, when in ticks:
                on_price(symbol, bid, ask, when)
        best = max(best, count / (time.perf_counter() - began))
    return best


def peak_memory_mib(open_trades: int, count: int) -> float:
    tracemalloc.start()
    broker = make_broker(open_trades)
    for symbol, bid, ask, when in make_ticks(count):
        broker.on_price(symbol, bid, ask, when)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def savepoint_costs(open_trades: int, repeats: int = 200) -> tuple[float, float]:
    """(µs per savepoint before a command, ms per roll-back after a failed write) at ``open_trades``."""
    broker = make_broker(open_trades)
    trade_id = broker.active_trades()[0].id
    began = time.perf_counter()
    for _ in range(repeats):
        broker.savepoint((trade_id,))
    per_savepoint = (time.perf_counter() - began) / repeats * 1e6
    point = broker.savepoint((trade_id,))
    broker.close(trade_id)
    began = time.perf_counter()
    broker.rollback(point)
    return per_savepoint, (time.perf_counter() - began) * 1e3


def main() -> None:
    count = 100_000
    for n in (10, 1_000, 10_000):
        rate = ticks_per_second(n, count, use_quotes=False)
        print(f"broker_ticks_per_s_{n}_open: {rate:,.0f} ticks/s", flush=True)
    for n in (10, 10_000):
        rate = ticks_per_second(n, count, use_quotes=True)
        print(f"broker_on_quote_ticks_per_s_{n}_open: {rate:,.0f} ticks/s", flush=True)
    began = time.perf_counter()
    make_broker(10_000)
    print(f"broker_place_10000_orders: {time.perf_counter() - began:.2f} s", flush=True)
    print(f"broker_peak_memory_10000_open: {peak_memory_mib(10_000, 20_000):.1f} MiB", flush=True)
    per_savepoint, rollback_ms = savepoint_costs(10_000)
    print(f"broker_savepoint_10000_open: {per_savepoint:.1f} us", flush=True)
    print(f"broker_rollback_10000_open: {rollback_ms:.0f} ms", flush=True)


if __name__ == "__main__":
    main()
