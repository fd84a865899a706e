"""Simulator speed: ticks per second at ``--speed max``, alone and pushed through the broker.

Three symbols (EURUSD, GBPUSD, USDJPY), seed 1, from a fixed Thursday. The
broker run holds 30 open bracket trades (SL/TP 30/60 pips), re-opened when
they close, so the tick path includes SL/TP checks and revaluation.
Prints ``name: value unit`` lines. ``--ticks N`` changes the count.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import time
from datetime import datetime, timezone
from decimal import Decimal

from datafeeds.sim import SimulatedFeed
from engine.broker import OrderRequest, PaperBroker
from engine.errors import OrderRejectedError
from engine.events import TradeClosed
from engine.instruments import get_spec
from engine.values import Side

START = datetime(2026, 11, 19, 8, 0, tzinfo=timezone.utc)
SYMBOLS = ["EURUSD", "GBPUSD", "USDJPY"]


async def _started() -> SimulatedFeed:
    feed = SimulatedFeed(speed="max", seed=1, sim_start=START)
    await feed.start(SYMBOLS)
    return feed


def _bracket(broker: PaperBroker, symbol: str, k: int) -> None:
    spec = get_spec(symbol)
    quote = broker.last_quote(symbol)
    side = Side.BUY if k % 2 == 0 else Side.SELL
    price = quote.ask if side is Side.BUY else quote.bid
    sign = side.sign
    with contextlib.suppress(OrderRejectedError):  # e.g. no free margin left: skip this one
        broker.place(
            OrderRequest(
                symbol,
                side,
                lots=Decimal("0.10"),
                sl=round(price - sign * 30 * spec.pip_size, spec.digits),
                tp=round(price + sign * 60 * spec.pip_size, spec.digits),
            )
        )


async def feed_only(ticks: int) -> float:
    feed = await _started()
    count = 0
    started = time.perf_counter()
    async for _ in feed.stream():
        count += 1
        if count >= ticks:
            break
    return count / (time.perf_counter() - started)


async def through_broker(ticks: int) -> tuple[float, int]:
    feed = await _started()
    broker = PaperBroker()
    count = closed = opened = 0
    started = time.perf_counter()
    async for quote in feed.stream():
        events = broker.on_quote(quote)
        count += 1
        if count == len(SYMBOLS):
            for k in range(30):
                _bracket(broker, SYMBOLS[k % len(SYMBOLS)], k)
                opened += 1
        for event in events:
            if isinstance(event, TradeClosed):
                closed += 1
                _bracket(broker, event.trade.symbol, opened)
                opened += 1
        if count >= ticks:
            break
    return count / (time.perf_counter() - started), closed


def main(argv: list[str]) -> int:
    options = argparse.ArgumentParser()
    options.add_argument("--ticks", type=int, default=300_000)
    ticks = options.parse_args(argv).ticks
    alone = asyncio.run(feed_only(ticks))
    with_broker, closed = asyncio.run(through_broker(ticks))
    print(f"sim_ticks_per_s: {alone:,.0f} ticks/s")
    print(f"sim_broker_ticks_per_s: {with_broker:,.0f} ticks/s")
    print(f"sim_broker_trades_closed: {closed} trades")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
