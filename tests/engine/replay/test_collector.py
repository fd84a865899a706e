"""``collector_paused``: the cyclic collector is off inside the block and as it was after."""

from __future__ import annotations

import gc

import pytest

from engine.replay.collector import collector_paused


@pytest.fixture
def collector_on():
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def test_collector_paused_inside_then_back_on(collector_on):
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_collector_paused_back_on_after_an_error(collector_on):
    with pytest.raises(RuntimeError), collector_paused():
        raise RuntimeError("boom")
    assert gc.isenabled()


def test_collector_paused_leaves_a_disabled_collector_off(collector_on):
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
