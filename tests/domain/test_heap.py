"""The cyclic GC is paused while a storm is built, the heap frozen after, and thawed later."""

from __future__ import annotations

import gc
import threading
import weakref
from collections.abc import Iterator

import pytest

from warroom.domain import heap


@pytest.fixture(autouse=True)
def _clean_gc() -> Iterator[None]:
    gc.enable()
    heap.calm()
    yield
    heap.calm()
    gc.enable()


def test_small_builds_leave_the_collector_alone() -> None:
    with heap.bulk(heap.STORM - 1):
        assert gc.isenabled()
    assert gc.get_freeze_count() == 0


def test_a_storm_build_pauses_the_collector_then_freezes_what_lives() -> None:
    with heap.bulk(heap.STORM):
        assert not gc.isenabled()
        kept = [[i] for i in range(heap.STORM)]
    assert gc.isenabled()
    assert gc.get_freeze_count() >= len(kept)
    assert gc.get_count()[0] < 100  # the young generation starts over


def test_a_small_build_leaves_a_storm_frozen_until_it_is_over() -> None:
    with heap.bulk(heap.STORM):
        pass
    assert gc.get_freeze_count() > 0
    with heap.bulk(10):  # one quiet source beside a storming one
        pass
    assert gc.get_freeze_count() > 0
    heap.calm()
    assert gc.get_freeze_count() == 0


def test_overlapping_builds_in_two_threads_resume_the_collector_once_both_end() -> None:
    inside, release = threading.Event(), threading.Event()

    def other() -> None:
        with heap.bulk(heap.STORM):
            inside.set()
            release.wait(5)

    thread = threading.Thread(target=other)
    thread.start()
    assert inside.wait(5)
    with heap.bulk(heap.STORM):
        pass
    assert not gc.isenabled()  # the other build is still going
    release.set()
    thread.join(5)
    assert gc.isenabled()


def test_a_disabled_collector_stays_disabled() -> None:
    gc.disable()
    with heap.bulk(heap.STORM):
        pass
    assert not gc.isenabled()


def test_frozen_cyclic_garbage_is_collected_at_most_a_minute_later(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class Node:
        def __init__(self) -> None:
            self.me = self  # a cycle: only the cyclic collector frees it

    node = Node()
    with heap.bulk(heap.STORM):
        pass
    gone = weakref.ref(node)
    del node  # garbage now, but frozen
    with heap.bulk(heap.STORM):
        pass
    gc.collect()
    assert gone() is not None  # still frozen: collections skip it
    monkeypatch.setattr(heap, "_collected_at", heap.time.monotonic() - heap.COLLECT_EVERY_S - 1)
    with heap.bulk(heap.STORM):
        pass
    assert gone() is None
