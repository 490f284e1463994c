"""Polling: ask every source at once, each with a timeout, and never raise for a source failing.

A refresh takes as long as its slowest source, not the sum. Failures become data (an error
string per source or per panel) so the UI can show them beside the last good value.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from warroom.domain.alerts import Alert, merge_alerts
from warroom.domain.clock import Clock, format_age
from warroom.domain.errors import SourceError, SourceTimeout
from warroom.domain.ports import AlertSource, SignalSource
from warroom.domain.signals import Series, SignalSpec

T = TypeVar("T")
THREAD_AT = 5_000  # alerts per poll from which merging and diffing leave the event loop


async def bounded(call: Awaitable[T], timeout_s: float, what: str) -> T:
    """Await `call` for at most `timeout_s`; any failure becomes a one-line SourceError."""
    try:
        return await asyncio.wait_for(call, timeout_s)
    except TimeoutError:
        raise SourceTimeout(f"{what}: no answer within {timeout_s:g} s") from None
    except SourceError:
        raise
    except Exception as exc:  # a source must not take the console down with it
        raise SourceError(f"{what}: {type(exc).__name__}: {exc}") from None


@dataclass(frozen=True, slots=True)
class AlertSnapshot:
    alerts: list[Alert]
    fired: list[Alert]
    resolved: list[Alert]
    errors: Mapping[str, str]
    fetched_at: datetime
    firing: int  # neither silenced nor inhibited (counted with the diff, off the loop)
    failed: frozenset[str] = frozenset()  # sources that could not be read this poll
    unread: bool = False  # no source could be read at all: the count is unknown


def firing_count(alerts: Sequence[Alert]) -> int:
    return sum(1 for a in alerts if not a.is_silenced and not a.is_inhibited)


class AlertPoller:
    """Fetches from every alert source concurrently and tells what fired and resolved since.

    With a `fallback` (Prometheus's own alert API), alerts still show while every Alertmanager
    is unreachable; switching between the two says nothing fired or resolved, since their
    fingerprints differ and nothing really changed.
    """

    def __init__(
        self,
        sources: Sequence[AlertSource],
        clock: Clock,
        timeout_s: float = 5.0,
        fallback: AlertSource | None = None,
    ) -> None:
        self.sources = list(sources)
        self.clock = clock
        self.timeout_s = timeout_s
        self.fallback = fallback
        self.using_fallback = False
        self.failing: frozenset[str] = frozenset()
        self._known: dict[str, Alert] = {}
        # each source's last answer and when: while a source cannot be read its alerts are
        # unknown, not resolved, so they stay (and are said to be stale) until it answers again
        self._last: dict[str, tuple[Sequence[Alert], datetime]] = {}
        self._early: Future[AlertSnapshot] | None = None

    def start_early(self) -> None:
        """Begin the first poll now, in a thread with its own event loop, before the UI has
        one: fetching and parsing (an alert storm's tens of megabytes) then overlap the
        console's start-up instead of following it. The next `poll()` returns its answer."""
        if self._early is not None:
            return
        early: Future[AlertSnapshot] = Future()

        def run() -> None:
            try:
                early.set_result(asyncio.run(self._poll()))
            except BaseException as exc:  # handed to whoever awaits the first poll
                early.set_exception(exc)

        self._early = early
        threading.Thread(target=run, name="first alert poll", daemon=True).start()

    async def poll(self) -> AlertSnapshot:
        early = self._early
        if early is not None:
            # shielded: a cancelled first poll leaves the early answer for the next one
            snapshot = await asyncio.shield(asyncio.wrap_future(early))
            self._early = None
            return snapshot
        return await self._poll()

    async def _poll(self) -> AlertSnapshot:
        batches, errors = await self._fetch(self.sources)
        failed = {name for name in errors if name not in batches}
        switched = False
        if errors and not batches and self.fallback is not None:
            fallback_batches, fallback_errors = await self._fetch([self.fallback])
            failed.update(n for n in fallback_errors if n not in fallback_batches)
            if fallback_batches:
                batches = fallback_batches
                errors[self.fallback.name] = (
                    "Alertmanager unreachable: showing Prometheus alerts (read-only)"
                )
            errors.update(fallback_errors)
            switched = bool(fallback_batches) != self.using_fallback
            self.using_fallback = bool(fallback_batches)
        elif batches and self.using_fallback:
            switched, self.using_fallback = True, False
        self.failing = frozenset(failed)  # for the header's slot: who did not answer just now
        if errors and not batches:
            # every source failed: keep what we knew rather than "resolving" everything
            known = list(self._known.values())
            return AlertSnapshot(
                known, [], [], errors, self.clock.now(), firing_count(known),
                frozenset(failed), unread=True,
            )  # fmt: skip
        if not switched and not self.using_fallback:
            self._keep_unreachable(batches, errors)
        if sum(len(b) for b in batches.values()) >= THREAD_AT:
            # a storm: merging, diffing and counting 100,000 alerts must not hold up key presses
            alerts, fired, resolved, firing = await asyncio.to_thread(self._diff, batches, switched)
        else:
            alerts, fired, resolved, firing = self._diff(batches, switched)
        return AlertSnapshot(
            alerts, fired, resolved, errors, self.clock.now(), firing, frozenset(failed)
        )

    @property
    def known(self) -> list[Alert]:
        """The alerts as last polled (what fires now), for the guards that ask about them."""
        return list(self._known.values())

    def _keep_unreachable(
        self, batches: dict[str, Sequence[Alert]], errors: dict[str, str]
    ) -> None:
        """A source that failed this poll answers with its last alerts (unknown is not
        resolved); its error says since when. A source that answered is remembered."""
        now = self.clock.now()
        for source in self.sources:
            name = source.name
            if name in batches:
                self._last[name] = (batches[name], now)
            elif name in errors and name in self._last:
                kept, at = self._last[name]
                batches[name] = kept
                if kept:
                    age = format_age((now - at).total_seconds())
                    errors[name] += f" · its {len(kept)} alerts kept as of {age} ago (stale)"

    def _diff(
        self, batches: Mapping[str, Sequence[Alert]], switched: bool
    ) -> tuple[list[Alert], list[Alert], list[Alert], int]:
        alerts = merge_alerts(batches)
        current = {a.fingerprint: a for a in alerts}
        if switched:
            fired, resolved = [], []
        else:
            known = self._known
            fired = [a for fp, a in current.items() if fp not in known]
            resolved = [a for fp, a in known.items() if fp not in current]
        self._known = current
        return alerts, fired, resolved, firing_count(alerts)

    async def _fetch(
        self, sources: Sequence[AlertSource]
    ) -> tuple[dict[str, Sequence[Alert]], dict[str, str]]:
        results = await asyncio.gather(
            *(bounded(s.fetch_alerts(), self.timeout_s, s.name) for s in sources),
            return_exceptions=True,
        )
        batches: dict[str, Sequence[Alert]] = {}
        errors: dict[str, str] = {}
        for source, result in zip(sources, results, strict=True):
            if isinstance(result, BaseException):
                errors[source.name] = str(result)
            else:
                batches[source.name] = result
                warning = getattr(source, "warning", "")  # e.g. "3 malformed alerts skipped"
                if warning:
                    errors[source.name] = f"{source.name}: {warning}"
        return batches, errors


@dataclass(slots=True)
class SignalPoller:
    """Samples every golden signal concurrently into bounded series; backs off while failing."""

    specs: Sequence[SignalSpec]
    sources: Mapping[str, SignalSource]
    clock: Clock
    timeout_s: float = 5.0
    series: dict[str, Series] = field(default_factory=dict)
    failures: int = 0

    def __post_init__(self) -> None:
        for spec in self.specs:
            self.series.setdefault(spec.key, Series(spec))

    def _source_for(self, spec: SignalSpec) -> SignalSource | None:
        return self.sources.get(spec.source)

    async def backfill(self, service: str | None) -> dict[str, Series]:
        """Load each panel's last `range` so sparklines are full from the first refresh."""
        now = self.clock.now()

        async def one(spec: SignalSpec) -> None:
            source = self._source_for(spec)
            series = self.series[spec.key]
            if source is None:
                series.fail(f"no {spec.source} source configured")
                return
            try:
                history = await bounded(
                    source.history(spec, service, now), self.timeout_s, spec.name
                )
            except SourceError as exc:
                series.fail(str(exc))
                return
            series.replace_history(history)

        await asyncio.gather(*(one(spec) for spec in self.specs))
        return self.series

    async def poll(self, service: str | None) -> dict[str, Series]:
        async def one(spec: SignalSpec) -> bool:
            source = self._source_for(spec)
            series = self.series[spec.key]
            if source is None:
                series.fail(f"no {spec.source} source configured")
                return False
            try:
                sample = await bounded(source.sample(spec, service), self.timeout_s, spec.name)
            except SourceError as exc:
                series.fail(str(exc))
                return False
            series.add(sample)
            return True

        oks = await asyncio.gather(*(one(spec) for spec in self.specs))
        self.failures = 0 if any(oks) or not oks else self.failures + 1
        return self.series

    def reset_scope(self) -> None:
        """A new service in scope: the old series say nothing about it."""
        self.series = {spec.key: Series(spec) for spec in self.specs}

    def next_delay(self, base_s: float, cap_s: float = 60.0) -> float:
        """The refresh interval, doubled per consecutive all-failed poll, up to `cap_s`."""
        return min(cap_s, base_s * (2 ** min(self.failures, 6))) if self.failures else base_s
