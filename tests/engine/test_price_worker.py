"""PriceWorker: feeds quotes in order, survives a failing quote, stops cleanly."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

from engine.errors import ValidationError
from engine.price_worker import PriceWorker
from engine.values import Quote
from tests.terminal.cli_helpers import ListFeed

T0 = datetime(2026, 11, 24, 10, 0, tzinfo=timezone.utc)


def _quotes(n: int) -> list[Quote]:
    return [Quote("EURUSD", 1.08 + i * 1e-5, 1.0801 + i * 1e-5, T0 + timedelta(seconds=i)) for i in range(n)]


async def _until(predicate, timeout: float = 5.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        assert loop.time() < deadline, "condition not reached"
        await asyncio.sleep(0.005)


async def test_price_worker_delivers_quotes_in_order_under_a_named_task():
    seen: list[Quote] = []

    async def on_quote(quote: Quote) -> None:
        seen.append(quote)

    quotes = _quotes(10)
    worker = PriceWorker(ListFeed(quotes), on_quote, ["EURUSD"])
    await worker.start()
    assert any(t.get_name() == "price-worker:list" for t in asyncio.all_tasks())
    await _until(lambda: len(seen) == 10)
    await worker.stop()
    assert seen == quotes and not worker.running


async def test_price_worker_skips_a_failing_quote_and_goes_on(caplog):
    seen: list[int] = []

    async def on_quote(quote: Quote) -> None:
        index = round((quote.bid - 1.08) * 1e5)
        if index == 3:
            raise ValidationError("bad quote", field="bid")
        if index == 5:
            raise RuntimeError("a bug")
        seen.append(index)

    worker = PriceWorker(ListFeed(_quotes(8)), on_quote, ["EURUSD"])
    await worker.start()
    await _until(lambda: worker.quotes_processed + worker.quotes_failed == 8)
    await worker.stop()
    assert seen == [0, 1, 2, 4, 6, 7]
    assert worker.quotes_failed == 2
    assert "a bug" in caplog.text or "processing quote" in caplog.text
