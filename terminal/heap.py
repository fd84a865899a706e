"""Keep the start-up heap out of the garbage collector's full passes.

After start-up the process holds some 250,000–300,000 objects that live until
it exits (modules, classes, pandas/numpy/SQLAlchemy/FastAPI internals, the Qt
wrappers). A full (generation 2) collection walks all of them: 126 ms for
``serve --feed sim`` on the reference machine, during which the engine's loop
checks no SL/TP and sends no price. ``gc.freeze()`` moves every object tracked
at that moment into the permanent generation, which collections skip; later
collections walk only what was created since.

Nothing is collected first: that would cost the very pause this avoids (a full
collection found 0 unreachable objects in ``serve`` and in the window, where
even the young generations took 140 ms). Frozen objects are still freed by
reference counting; only frozen objects caught in reference cycles stay until
exit: the few that were already garbage then (47 objects in the window) and
any dropped later, so the cost is bounded by the start-up heap itself.

Before that, while the modules load, automatic collection is paused
(``pause_collection``; ``terminal.cli.main`` does it first): loading creates
those objects, almost none garbage, and each full collection on the way walks
every one made so far; paused, the window was usable 0.15 s sooner. A command
resumes it (``resume_collection``) once loaded: ``terminal.cli.main`` before
running most commands, ``serve`` once listening (after the freeze), and
``main`` again when the command returns. The window never resumes it: its
GUI-thread collector (``terminal.app.GuiThreadGarbageCollector``) collects
from then on.
"""

from __future__ import annotations

import gc
import logging

log = logging.getLogger(__name__)


class _Pause:
    """Whether ``pause_collection`` turned automatic collection off (so ``resume_collection`` turns it on)."""

    active = False


def pause_collection() -> None:
    """Turn automatic cyclic collection off while start-up loads modules (a no-op when it is off)."""
    if gc.isenabled():
        gc.disable()
        _Pause.active = True


def resume_collection() -> None:
    """Turn automatic collection back on if ``pause_collection`` turned it off; else leave it as it is."""
    if _Pause.active:
        _Pause.active = False
        gc.enable()


def freeze_startup_heap() -> int:
    """Freeze every object the collector tracks now (call once started); return how many were frozen."""
    gc.freeze()
    frozen = gc.get_freeze_count()
    log.info("start-up heap frozen: %d objects no longer walked by garbage collections", frozen)
    return frozen


def freeze_for_exit() -> None:
    """Freeze the heap just before the process exits (``terminal.cli.run``).

    At exit the interpreter collects once more; frozen objects are not walked
    (and the operating system takes the memory back). Files and connections
    are not left to it: every command closes its journal and flushes its
    output itself; logging is flushed at exit regardless.
    """
    gc.freeze()
