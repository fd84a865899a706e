"""Keep the start-up heap out of the garbage collector's full passes.

After start-up the process holds some 250,000 objects that live until it
exits (modules, classes, pandas/numpy/SQLAlchemy/FastAPI internals, the Qt
wrappers). A full (generation 2) collection walks all of them: 126 ms for
``serve --feed sim`` on the reference machine, during which the engine's loop
checks no SL/TP and sends no price. ``gc.freeze()`` moves every object alive at that
moment into the permanent generation, which collections skip; later
collections walk only what was created since. Objects frozen are still freed
by reference counting; only reference cycles among them stay until exit,
which is why the garbage of start-up is collected first.
"""

from __future__ import annotations

import gc
import logging
import time
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FrozenHeap:
    """What ``freeze_startup_heap`` did: objects frozen, and the duration of the last full pass (ms)."""

    objects: int
    collect_ms: float


def freeze_startup_heap() -> FrozenHeap:
    """Collect start-up garbage once, then freeze everything still alive (call once started)."""
    started = time.perf_counter()
    gc.collect()
    collect_ms = (time.perf_counter() - started) * 1000
    gc.freeze()
    frozen = FrozenHeap(gc.get_freeze_count(), collect_ms)
    log.info("start-up heap frozen: %d objects no longer walked by full collections (that took %.0f ms)",
             frozen.objects, frozen.collect_ms)
    return frozen
