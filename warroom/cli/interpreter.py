"""Interpreter settings for the console's run, set at the entry point and restored on exit.

Nothing below `cli/` changes interpreter-wide state: a library (or a test) importing the UI
gets the interpreter as it was.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

# A key press crosses the event loop several times, each time waiting for the GIL while a
# thread decodes an alert storm: up to the switch interval (5 ms by default) per crossing.
SWITCH_INTERVAL_S = 0.0005


@contextmanager
def console_interpreter() -> Iterator[None]:
    """The GIL switch interval the console runs with, the previous one restored after."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(SWITCH_INTERVAL_S)
    try:
        yield
    finally:
        sys.setswitchinterval(before)
