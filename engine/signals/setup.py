"""Attach signals to a running ``TradingEngine``: book, generators, aggregator, runner.

For the composition root::

    stop = await attach_signals(engine, auto=AutoConfig(enabled=False), model_paths=[user_model])
    ...
    await stop()

The ML generator uses the first model file of ``model_paths`` that exists and
loads, then the bundled default; without any, it is left out (and logged).
"""

from __future__ import annotations

import logging
import pickle
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from engine.signals.aggregate import SignalAggregator
from engine.signals.auto import AutoConfig, AutoExecutor
from engine.signals.book import SignalBook
from engine.signals.executable import DriftLimit
from engine.signals.harmonic import HarmonicGenerator
from engine.signals.ml.generator import MLGenerator
from engine.signals.mtf import MultiTimeframeGenerator
from engine.signals.protocol import SignalGenerator
from engine.signals.runner import SignalRunner
from engine.values import Bar, Timeframe

if TYPE_CHECKING:
    from engine.service import TradingEngine
    from engine.signals.ml.model import SignalModel

log = logging.getLogger(__name__)


def load_model(paths: Sequence[Path | str] = ()) -> SignalModel | None:
    """The first loadable model of ``paths``, then the bundled default; None when none loads.

    Imports scikit-learn (about a second): ``default_generators`` defers it to the first bar.
    """
    from engine.signals.ml.model import DEFAULT_MODEL_PATH, ModelFormatError, SignalModel

    for path in (*map(Path, paths), DEFAULT_MODEL_PATH):
        if not path.exists():
            continue
        try:
            return SignalModel.load(path)
        except (ModelFormatError, OSError, ValueError, KeyError, EOFError, pickle.UnpicklingError) as exc:
            log.warning("ML model %s not usable: %s", path, exc)
    return None


def default_generators(model_paths: Sequence[Path | str] = ()) -> list[SignalGenerator]:
    """Harmonic patterns, multi-timeframe agreement and the ML model.

    The model (scikit-learn) is loaded on the ML generator's first bar, in the
    runner's worker thread, not here: start-up (``serve`` to listening, the
    window to usable) does not wait for it, and no bar is skipped. When no
    model loads, the ML generator raises nothing (and it is logged).
    """
    return [HarmonicGenerator(), MultiTimeframeGenerator(), MLGenerator(lambda: _model_or_none(model_paths))]


def _model_or_none(paths: Sequence[Path | str]) -> SignalModel | None:
    model = load_model(paths)
    if model is None:
        log.warning("no ML model could be loaded; the ML signal generator is off")
    return model


async def attach_signals(
    engine: TradingEngine,
    *,
    auto: AutoConfig | None = None,
    generators: Sequence[SignalGenerator] | None = None,
    model_paths: Sequence[Path | str] = (),
    aggregate: bool = True,
    history: int = 500,
    drift: DriftLimit | None = None,
) -> Callable[[], Awaitable[None]]:
    """Attach a started ``SignalBook`` to ``engine`` (``attach_signals``), run the generators; return the stop function.

    ``drift`` is the max drift of ``engine.signals.executable`` (default 3 pips or 25 % of the stop).
    """
    book = (
        engine.signals
        if isinstance(engine.signals, SignalBook)
        else SignalBook(engine, auto=AutoExecutor(auto), drift=drift)
    )
    engine.attach_signals(book)
    await book.start()
    gens = list(generators) if generators is not None else default_generators(model_paths)
    runner = SignalRunner(
        engine.bus, book, gens, aggregator=SignalAggregator() if aggregate else None, capacity=max(history, 100)
    )
    seed: dict[tuple[str, Timeframe], Sequence[Bar]] = {}
    for symbol in engine.symbols:
        for tf in {tf for g in gens for tf in g.timeframes}:
            bars = await engine.bars(symbol, tf, history + 1)
            if len(bars) > 1:
                seed[(symbol, tf)] = list(bars[:-1])  # the last one is still forming
    await runner.start(seed)

    async def stop() -> None:
        await runner.stop()
        await book.stop()

    return stop
