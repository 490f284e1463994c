"""Which service the golden signals show, and when they follow the cursor there.

The signals follow the selected alert: at once after a single step, but while the cursor runs
through a list (keys held or pressed quickly) only once it rests, so scrolling through a storm
does not restart every panel's queries at each line. Time comes from an injected monotonic
clock, so the rule is tested without waiting.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from warroom.domain.signals import Series
from warroom.services.polling import SignalPoller

REST_S = 0.3  # how long the cursor rests before the signals follow it (while running)


class SignalScope:
    """The scope (`service`), the rest rule (`follow`) and the polls in that scope."""

    def __init__(
        self,
        poller: SignalPoller,
        *,
        rest_s: float = REST_S,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.poller = poller
        self.rest_s = rest_s
        self.monotonic = monotonic
        self.service: str | None = None
        self._moved_at = float("-inf")

    def follow(self) -> float:
        """The cursor moved: 0 to follow it now, else how long to wait for it to rest (ask
        again then; a later move supersedes the wait)."""
        now = self.monotonic()
        running = now - self._moved_at < self.rest_s
        self._moved_at = now
        return self.rest_s if running else 0.0

    def set(self, service: str | None) -> bool:
        """Point the signals at `service`; True when that changed the scope (the old series
        say nothing about the new service, so they start empty)."""
        if service == self.service:
            return False
        self.service = service
        self.poller.reset_scope()
        return True

    @property
    def series(self) -> dict[str, Series]:
        return self.poller.series

    async def start(self) -> bool:
        """Backfill every panel's range, then sample: True while some source answers."""
        await self.poller.backfill(self.service)
        return await self.sample()

    async def sample(self) -> bool:
        await self.poller.poll(self.service)
        return self.poller.failures == 0

    def next_delay(self, base_s: float) -> float:
        return self.poller.next_delay(base_s)
