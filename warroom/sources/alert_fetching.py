"""What the HTTP alert sources (Alertmanager, Prometheus's fallback) share: fetching in a
thread that a cancelled poll stops, one parse at a time, and a first fetch begun early.

The first fetch can begin before the UI is even imported (`prefetch`, called by the CLI): a
storm's answer takes Alertmanager hundreds of milliseconds to build, and Textual takes as long
to import, so the two overlap instead of following each other. That first fetch goes through
the standard library (`http_quick`), so it does not import httpx beside Textual either.
"""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import Future

from warroom.domain.alerts import Alert
from warroom.sources.http_body import Cancel, run_cancellable


class ThreadedAlertFetch:
    """Base of the HTTP alert sources; they implement `_fetch_and_parse(cancel)`.

    `warning` says what the last answer lacked ("3 malformed alerts skipped"), or is empty."""

    name: str

    def __init__(self) -> None:
        self.warning = ""
        self._parsing = threading.Lock()  # a cancelled parse ends before the next begins
        self._first: tuple[Future[list[Alert]], Cancel] | None = None

    def prefetch(self) -> None:
        """Begin the first fetch now, in a thread; the next `fetch_alerts` returns it."""
        if self._first is not None:
            return
        first: Future[list[Alert]] = Future()
        cancel = Cancel()

        def run() -> None:
            if not first.set_running_or_notify_cancel():
                return  # the first poll was cancelled before this thread began
            try:
                first.set_result(self.fetch_alerts_blocking(cancel, early=True))
            except BaseException as exc:  # handed to whoever awaits the first fetch
                first.set_exception(exc)

        self._first = (first, cancel)
        threading.Thread(target=run, name=f"first fetch: {self.name}", daemon=True).start()

    def prefetched(self, timeout_s: float) -> list[Alert]:
        """The prefetch's alerts once they are in, left for the first poll; [] when none was
        begun, it failed or it is not in within `timeout_s`."""
        first = self._first
        if first is None:
            return []
        try:
            return first[0].result(timeout_s)
        except BaseException:  # (the first poll says what went wrong)
            return []

    async def fetch_alerts(self) -> list[Alert]:
        """The alerts, fetched and parsed in a thread (a storm's answer is tens of megabytes);
        cancelling the await stops both."""
        first, self._first = self._first, None
        if first is None:
            return await run_cancellable(self.fetch_alerts_blocking)
        future, cancel = first
        try:
            return await asyncio.wrap_future(future)
        except asyncio.CancelledError:
            cancel.set()
            raise

    def fetch_alerts_blocking(
        self, cancel: Cancel | None = None, early: bool = False
    ) -> list[Alert]:
        """`early`: the prefetch's call, made without importing httpx (`HttpEndpoint.fetch_early`)."""
        with self._parsing:
            alerts, self.warning = self._fetch_and_parse(cancel, early)
        return alerts

    def _fetch_and_parse(self, cancel: Cancel | None, early: bool) -> tuple[list[Alert], str]:
        raise NotImplementedError
