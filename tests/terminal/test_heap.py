"""The start-up heap freeze: later collections skip what start-up left alive."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from terminal.heap import freeze_startup_heap


@pytest.fixture
def automatic_collection() -> Iterator[None]:
    """Automatic collection on during the test (the window tests' GUI-thread collector turns it off), then as it was."""
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


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


def test_pause_then_resume_gives_automatic_collection_back_only_when_it_took_it(automatic_collection):
    from terminal.heap import pause_collection, resume_collection

    pause_collection()
    assert not gc.isenabled()
    pause_collection()  # twice: still one pause
    resume_collection()
    assert gc.isenabled()
    resume_collection()  # nothing paused: nothing changes
    assert gc.isenabled()
    gc.disable()  # off by someone else (the window's GUI-thread collector)
    pause_collection()
    resume_collection()
    assert not gc.isenabled()  # their choice stands


def test_the_command_line_gives_collection_back_whatever_the_command_did(
    automatic_collection, tmp_path, monkeypatch, capsys
):
    from terminal.cli import main

    monkeypatch.setenv("PAPER_TERMINAL_HOME", str(tmp_path))
    assert main(["report", "--db", str(tmp_path / "none.db")]) == 1  # no journal: a refusal
    assert gc.isenabled()
    assert "no journal" in capsys.readouterr().err
