"""Blocking clients (docker, kubernetes) called from async code: one thread at a time, bounded.

`asyncio.wait_for` cannot stop a thread, so a hung daemon would otherwise gain one stuck thread
per poll. `OneAtATime` runs a call in a thread under a timeout, and while an earlier call that
timed out is still stuck, it refuses at once instead of starting another. Also the RFC 3339
timestamps both APIs write (nanoseconds, `Z`, the zero time for "never") and their messages
made one line.
"""

from __future__ import annotations

import asyncio
import re
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeVar

from warroom.domain.errors import SourceTimeout

T = TypeVar("T")
_FRACTION = re.compile(r"\.(\d+)")


class OneAtATime:
    """Runs blocking calls of one source in a thread each, never two at once."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._busy = threading.Event()

    async def run(self, work: Callable[[], T], timeout_s: float) -> T:
        if self._busy.is_set():
            raise SourceTimeout(f"{self.name}: still waiting for the previous answer")
        self._busy.set()

        def call() -> T:
            try:
                return work()
            finally:
                self._busy.clear()

        try:
            return await asyncio.wait_for(asyncio.to_thread(call), timeout_s)
        except TimeoutError:
            raise SourceTimeout(f"{self.name}: did not answer in {timeout_s:g} s") from None


def parse_time(value: object) -> datetime | None:
    """An RFC 3339 time (any fraction, `Z` or an offset), or None for "", the zero time
    (`0001-01-01T00:00:00Z`, docker's "never") and anything unreadable."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if not isinstance(value, str) or not value or value.startswith("0001-"):
        return None
    text = _FRACTION.sub(lambda m: "." + m.group(1)[:6].ljust(6, "0"), value, count=1)
    try:
        at = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def one_line_text(text: object, limit: int = 300) -> str:
    """A message from the outside (an event, a command's line) on one line, cut to `limit`:
    a change is one line; control characters are left for the screen's `untrusted` helpers."""
    flat = " ".join(str(text or "").split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
