"""One memo for the pure text analyses a page repeats (the same command, the same heading).

A runbook library says `kubectl get pods -n <ns>` and `## Diagnosis` again and again; judging
each once per process is what keeps a large page's parse quick. Only short texts are kept
(a cached 64 KB step would hold memory for nothing), at most `size` of them, least recently
used first out. Only for functions of their arguments alone whose results are immutable.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache, wraps
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")
MAX_KEY_CHARS = 2_000


def memo(size: int = 8192) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Remember `fn`'s answers for short string arguments."""

    def wrap(fn: Callable[P, R]) -> Callable[P, R]:
        cached: Callable[..., R] = lru_cache(maxsize=size)(fn)

        @wraps(fn)
        def call(*args: P.args, **kwargs: P.kwargs) -> R:
            if any(isinstance(a, str) and len(a) > MAX_KEY_CHARS for a in args):
                return fn(*args, **kwargs)
            return cached(*args, **kwargs)

        return call

    return wrap
