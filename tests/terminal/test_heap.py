"""The start-up heap freeze: later collections skip what start-up left alive."""

from __future__ import annotations

import gc
import weakref

from terminal.heap import freeze_startup_heap


class _Node:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: only the cyclic collector frees it


def test_freeze_takes_live_objects_out_of_collections_and_not_what_comes_after():
    live = [_Node() for _ in range(50_000)]
    frozen = freeze_startup_heap()
    assert frozen == gc.get_freeze_count() >= 50_000
    assert not any(o is live[0] for o in gc.get_objects())  # frozen objects are not walked any more
    later = _Node()
    gone = weakref.ref(later)
    assert any(o is later for o in gc.get_objects())  # what is created later still is
    del later
    gc.collect()
    assert gone() is None  # and its garbage is still collected
    gc.unfreeze()
    assert any(o is live[0] for o in gc.get_objects())
