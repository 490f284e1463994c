"""Keeping Python's cyclic garbage collector out of the way of an alert storm.

A full collection walks every tracked object. A 100,000-alert storm keeps about a million
alive, so each full collection stops the whole process, key presses included, for 0.2-0.7 s;
and building the alerts triggers collections again and again though none of them is cyclic.
While a storm lasts, `bulk()` pauses the collector during each build and then freezes what is
alive (`gc.freeze`: later collections skip it, reference counting still frees it). Once builds
are small again the frozen objects go back to the collector, so cyclic garbage made while the
storm lasted (a dialog closed, say) is reclaimed then.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

STORM = 5_000  # objects per build from which the collector is paused and the heap frozen

_lock = threading.Lock()
_building = 0  # builds in progress (the parse and the list index run in different threads)
_resume_gc = False
_frozen = False


@contextmanager
def bulk(count: int) -> Iterator[None]:
    """Around building `count` long-lived objects; below STORM this only thaws a past storm."""
    if count < STORM:
        _thaw()
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
    global _building, _frozen
    with _lock:
        _building -= 1
        if _building == 0:
            gc.freeze()
            _frozen = True
            if _resume_gc:
                gc.enable()


def _thaw() -> None:
    global _frozen
    with _lock:
        if _frozen and _building == 0:
            gc.unfreeze()
            _frozen = False
