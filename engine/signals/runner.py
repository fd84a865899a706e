"""Run signal generators on closed bars, off the event loop, and submit what they raise.

``BarClosed`` events are queued on the loop; one owned task takes them in
order (the bars that closed together as one batch, higher timeframes first)
and runs the generators in a single worker thread (so each generator's
per-stream state is only ever touched by that thread, in bar order). The
signals come back to the loop and go to the ``SignalBook``; accepted model
signals also feed the aggregator, whose combined signal is submitted too.
The aggregator's weights are refreshed from the journal every
``weights_interval`` seconds.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from engine.errors import PaperTerminalError
from engine.events import BarClosed
from engine.signals.aggregate import SignalAggregator
from engine.signals.protocol import BarsFrame, SignalGenerator
from engine.values import Bar, Signal, Timeframe

log = logging.getLogger(__name__)


class SignalRunner:
    """Feed closed bars to ``generators`` and their signals to ``book`` (see module docstring)."""

    def __init__(
        self,
        bus: Any,
        book: Any,
        generators: Sequence[SignalGenerator],
        *,
        aggregator: SignalAggregator | None = None,
        capacity: int = 500,
        weights_interval: float = 300.0,
    ) -> None:
        self._bus = bus
        self._book = book
        self.generators = list(generators)
        self.aggregator = aggregator
        self._capacity = capacity
        self._weights_interval = weights_interval
        self._timeframes = {tf for g in self.generators for tf in g.timeframes}
        self._frames: dict[tuple[str, Timeframe], BarsFrame] = {}
        self._queue: asyncio.Queue[Bar] = asyncio.Queue()
        self._executor: ThreadPoolExecutor | None = None
        self._task: asyncio.Task[None] | None = None
        self._unsubscribe: Any = None
        self._next_weights = 0.0
        self.submitted = 0

    async def start(self, history: dict[tuple[str, Timeframe], Sequence[Bar]] | None = None) -> None:
        """Seed the bar windows with ``history`` (closed bars, oldest first), subscribe and start."""
        for (symbol, tf), bars in (history or {}).items():
            frame = self._frame(symbol, tf)
            for bar in bars:
                frame.append(bar)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="signal-generators")
        self._unsubscribe = self._bus.subscribe(BarClosed, self._on_bar_closed)
        self._task = asyncio.create_task(self._consume(), name="signal-runner:generators")
        self._task.add_done_callback(_log_task_failure)

    async def stop(self) -> None:
        """Unsubscribe, finish the bar being processed, stop the worker."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None

    async def drain(self) -> None:
        """Wait until every queued bar has been processed (for tests and replays)."""
        await self._queue.join()

    def _on_bar_closed(self, event: BarClosed) -> None:
        if event.bar.timeframe in self._timeframes:
            self._queue.put_nowait(event.bar)

    def _frame(self, symbol: str, tf: Timeframe) -> BarsFrame:
        frame = self._frames.get((symbol, tf))
        if frame is None:
            frame = self._frames[(symbol, tf)] = BarsFrame(symbol, tf, self._capacity)
        return frame

    def process(self, bar: Bar) -> list[Signal]:
        """Append ``bar`` to its window and run the generators of its timeframe (worker thread)."""
        frame = self._frame(bar.symbol, bar.timeframe)
        frame.append(bar)
        out: list[Signal] = []
        for gen in self.generators:
            if bar.timeframe not in gen.timeframes:
                continue
            try:
                out.extend(gen.on_bar(bar.symbol, bar.timeframe, frame))
            except Exception:  # one broken generator must not stop the others
                log.exception("signal generator %s failed on %s %s", gen.name, bar.symbol, bar.timeframe.value)
        return out

    def process_batch(self, bars: Sequence[Bar]) -> list[Signal]:
        """Process bars that closed together: by close time, higher timeframes first (worker thread).

        One quote can close M15, H1 and H4 bars at once; the multi-timeframe model
        must see the higher timeframes' new bars before it judges the M15 one.
        """
        ordered = sorted(bars, key=lambda b: (b.time.timestamp() + b.timeframe.seconds, -b.timeframe.seconds))
        return [signal for bar in ordered for signal in self.process(bar)]

    async def _consume(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            batch = [await self._queue.get()]
            while not self._queue.empty():
                batch.append(self._queue.get_nowait())
            try:
                await self._refresh_weights(loop)
                signals = await loop.run_in_executor(self._executor, self.process_batch, batch)
                for signal in signals:
                    await self._submit(signal)
            except Exception:  # a bad bar must not stop signal generation
                log.exception(
                    "signal generation failed on %d bars from %s %s",
                    len(batch),
                    batch[0].symbol,
                    batch[0].timeframe.value,
                )
            finally:
                for _ in batch:
                    self._queue.task_done()

    async def _submit(self, signal: Signal) -> None:
        try:
            stored = await self._book.submit(signal)
        except PaperTerminalError as exc:
            log.warning("signal from %s refused: %s", signal.source, exc)
            return
        self.submitted += 1
        if self.aggregator is not None and stored.source != self.aggregator.name:
            combined = self.aggregator.add(stored)
            if combined is not None:
                await self._submit(combined)

    async def _refresh_weights(self, loop: asyncio.AbstractEventLoop) -> None:
        if self.aggregator is None or loop.time() < self._next_weights:
            return
        self._next_weights = loop.time() + self._weights_interval
        signals, trades = await self._book.history()
        await loop.run_in_executor(self._executor, self.aggregator.update_weights, signals, trades)


def _log_task_failure(task: asyncio.Task[Any]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("task %s failed", task.get_name(), exc_info=task.exception())
