"""The one interpreter setting warroom changes, in the CLI entry point and restored on exit.

The collector's young generation is collected every 10,000 new container objects instead of
every 700. Start-up creates hundreds of thousands (classes of Textual and warroom, the widget
tree, an alert storm's label maps): at 700 that is ~190 young collections before the full
console is drawn and ~250 (two of them full collections) before a 10,000-alert storm is,
~40 ms and ~80 ms of CPU; at 10,000, ~12 and ~14 collections, ~20 and ~35 ms (measured with
gc.callbacks in the benchmarks/bench_real_alertmanager children, 2 cores). The collector is
never paused or frozen: a young collection then walks at most ~10,000 objects (~1 ms).
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

YOUNG_EVERY = 10_000  # new container objects between two young collections (CPython: 700)


@contextlib.contextmanager
def collector_tuned() -> Iterator[None]:
    """Run the console with the young generation collected less often; restored on exit."""
    previous = gc.get_threshold()
    gc.set_threshold(YOUNG_EVERY, *previous[1:])
    try:
        yield
    finally:
        gc.set_threshold(*previous)
