"""Keeping Python's cyclic garbage collector out of the way of an alert storm.

A full collection walks every tracked object. A 100,000-alert storm keeps about a million
alive, so each full collection stops the whole process, key presses included, for 0.2-0.7 s;
and building the alerts triggers collections again and again though none of them is cyclic.
While a storm lasts, `bulk()` pauses the collector during each build and then freezes what is
alive (`gc.freeze`: later collections skip it, reference counting still frees it).

Frozen objects that later become cyclic garbage (rendered lines evicted from a cache, a closed
dialog) are not reclaimed while frozen: so at most every COLLECT_EVERY_S a storm build ends
with one full collection instead (about half a second at 100,000 alerts, in the building
thread), and once the storm is over (`calm()`, called by whoever sees the whole count)
everything goes back to the collector.
"""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

STORM = 5_000  # objects per build from which the collector is paused and the heap frozen
COLLECT_EVERY_S = 60.0  # while a storm lasts, the longest between two full collections

_lock = threading.Lock()
_building = 0  # builds in progress (the parse and the list index run in different threads)
_resume_gc = False
_frozen = False
_collected_at = time.monotonic()


@contextmanager
def bulk(count: int) -> Iterator[None]:
    """Around building `count` long-lived objects; below STORM, nothing is done."""
    if count < STORM:
        yield
        return
    _begin()
    try:
        yield
    finally:
        _end()


def _begin() -> None:
    global _building, _resume_gc
    with _lock:
        if _building == 0:
            _resume_gc = gc.isenabled()
            gc.disable()
        _building += 1


def _end() -> None:
    global _building, _frozen, _collected_at
    with _lock:
        _building -= 1
        if _building == 0:
            try:
                if time.monotonic() - _collected_at > COLLECT_EVERY_S:
                    gc.unfreeze()
                    gc.collect()
                    _collected_at = time.monotonic()
                gc.freeze()
                _frozen = True
            finally:  # whatever happens, the collector is not left paused
                if _resume_gc:
                    gc.enable()


def calm() -> None:
    """The storm is over: frozen objects go back to the collector."""
    global _frozen
    with _lock:
        if _frozen and _building == 0:
            gc.unfreeze()
            _frozen = False
