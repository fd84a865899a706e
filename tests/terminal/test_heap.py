"""The start-up heap freeze: full collections then skip what start-up left alive."""

from __future__ import annotations

import gc
import weakref

from terminal.heap import freeze_startup_heap


class _Node:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: only the cyclic collector frees it


def test_freeze_moves_live_objects_out_of_collections_and_collects_garbage_first():
    garbage = _Node()
    gone = weakref.ref(garbage)
    del garbage  # an unreachable cycle: collected first, not frozen for the life of the process
    live = [_Node() for _ in range(50_000)]
    frozen = freeze_startup_heap()
    assert frozen.objects == gc.get_freeze_count() >= 50_000
    assert gone() is None
    tracked = gc.get_objects()
    assert not any(o is live[0] for o in tracked)  # frozen objects are not walked any more
    newcomer = _Node()
    assert any(o is newcomer for o in gc.get_objects())  # what is created later still is
    assert frozen.collect_ms >= 0
    gc.unfreeze()
    assert any(o is live[0] for o in gc.get_objects())
