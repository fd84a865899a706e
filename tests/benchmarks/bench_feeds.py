"""How many symbols the aggregator keeps for 24 h on free keys, by plan and by simulation.

Prints ``name: value unit`` lines: the planner's capacity per provider and in
total at 60 s and 5 s (with Finnhub's doubtful FX quotes and without them),
then a simulated day on a fake clock with fakes that enforce the free limits,
polling the planned symbols: the polls that left a symbol without a fresh
quote, the limit violations, and the wall time of the simulation.

Run: ``python -m tests.benchmarks.bench_feeds``
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path

from datafeeds.aggregator.aggregator import AggregatedFeed
from datafeeds.aggregator.build import provider_infos
from datafeeds.aggregator.planner import plan
from datafeeds.providers.base import Capabilities
from engine.instruments import SPECS
from tests.datafeeds.aggregator.fakes import FakeClock, four_providers

ALL = list(SPECS)


async def simulate(symbols: list[str], interval: float, folder: Path) -> tuple[int, int, float]:
    clock = FakeClock()
    providers = four_providers(clock)
    providers[0].capabilities = Capabilities(batch_size=1, unsupported=frozenset({"XAUUSD"}))
    feed = AggregatedFeed(
        providers,
        interval=interval,
        clock=clock,
        sleep=clock.sleep,
        state_path=folder / f"state-{interval}.json",
        autopoll=False,
        rng=lambda: 1.0,
    )
    await feed.start(symbols)
    began = time.perf_counter()
    incomplete = 0
    for _ in range(int(86_400 / interval)):
        await feed.poll_once()
        now = clock().timestamp()
        incomplete += any(feed.quotes.age(s, now) != 0 for s in symbols)
        clock.advance(interval)
    return incomplete, sum(p.violations for p in providers), time.perf_counter() - began


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        for interval in (60.0, 5.0):
            tag = f"{interval:g}s"
            result = plan(ALL, interval, provider_infos(symbols=ALL))
            for p in result.providers:
                print(f"feeds_capacity_{p.name}_{tag}: {p.capacity} symbols")
            print(f"feeds_capacity_total_{tag}: {result.total_capacity} symbols")
            reliable = sum(p.capacity for p in result.providers if p.reliable)
            print(f"feeds_capacity_without_finnhub_{tag}: {reliable} symbols")
            carried = list(result.assignment)
            print(f"feeds_planned_carried_of_30_{tag}: {len(carried)} symbols")
            incomplete, violations, wall = asyncio.run(simulate(carried, interval, Path(tmp)))
            print(f"feeds_simulated_day_incomplete_polls_{tag}: {incomplete} polls")
            print(f"feeds_simulated_day_limit_violations_{tag}: {violations} calls")
            print(f"feeds_simulated_day_wall_{tag}: {wall:.2f} s")


if __name__ == "__main__":
    main()
