"""The history recorder: successive alert snapshots (and which sources answered) into events.

Each poll hands over what every source answered, or None for a source that did not. A firing
(fingerprint + startsAt) seen by any source that answered is firing. One that was firing and
is now gone is resolved only when every source that showed it answered; if one of them did not,
it is UNKNOWN (never a false resolve), and resolved later once they answer without it.
The events go to the `AlertHistoryStore`, which keeps each fire once: two consoles polling
and `warroom receive` may all write the same fire.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from warroom.domain.alert_history import AlertEvent, EventKind, firing_key
from warroom.domain.alerts import Alert, AlertState
from warroom.domain.clock import Clock
from warroom.domain.history_ports import AlertHistoryStore
from warroom.services.polling import THREAD_AT

Firing = tuple[str, datetime]
PRUNE_EVERY = timedelta(hours=1)
PENDING_LIMIT = 50_000  # events kept while the store is away (a storm's fires, once)


@dataclass(slots=True)
class _Known:
    alert: Alert
    sources: frozenset[str]
    unknown: bool = False


def _event(alert: Alert, kind: EventKind, at: datetime, observer: str) -> AlertEvent:
    return AlertEvent(
        alert.fingerprint, alert.name, alert.service, kind, alert.starts_at, at, observer
    )


class HistoryRecorder:
    """Diffs snapshots into events. `observe` is pure bookkeeping; `record_poll` also stores."""

    def __init__(
        self,
        store: AlertHistoryStore,
        clock: Clock,
        observer: str = "poll",
        prune_every: timedelta = PRUNE_EVERY,
    ) -> None:
        self.store = store
        self.clock = clock
        self.observer = observer
        self.prune_every = prune_every
        self._known: dict[Firing, _Known] = {}
        self._pruned_at: datetime | None = None
        self._pending: list[AlertEvent] = []

    def observe(self, snapshots: Mapping[str, Sequence[Alert] | None]) -> list[AlertEvent]:
        """The events since the last snapshot. A source mapped to None did not answer."""
        now = self.clock.now()
        down = {name for name, alerts in snapshots.items() if alerts is None}
        seen: dict[Firing, tuple[Alert, set[str]]] = {}
        for name, alerts in snapshots.items():
            for alert in alerts or ():
                if alert.state is AlertState.RESOLVED or not alert.fingerprint:
                    continue
                firing = (alert.fingerprint, firing_key(alert.starts_at))
                seen.setdefault(firing, (alert, set()))[1].add(name)
        events: list[AlertEvent] = []
        for firing, (alert, sources) in seen.items():
            known = self._known.get(firing)
            if known is None:
                events.append(_event(alert, EventKind.FIRED, alert.starts_at, self.observer))
            # the sources showing it now, and those that showed it and are down (they still may)
            still = known.sources & down if known else frozenset()
            self._known[firing] = _Known(alert, frozenset(sources) | still)
        for firing, known in list(self._known.items()):
            if firing in seen:
                continue
            if known.sources & down:
                if not known.unknown:
                    events.append(_event(known.alert, EventKind.UNKNOWN, now, self.observer))
                    known.unknown = True
                continue
            events.append(_event(known.alert, EventKind.RESOLVED, now, self.observer))
            del self._known[firing]
        return events

    async def record_poll(self, snapshots: Mapping[str, Sequence[Alert] | None]) -> int:
        """Observe and store (pruning the store on the first poll and every `prune_every`);
        returns how many events were new to the store. On StoreError (raised on, for the
        caller to show the store offline) the events are kept, up to `PENDING_LIMIT`, and
        written with the next poll's."""
        size = sum(len(alerts or ()) for alerts in snapshots.values())
        observed = (
            await asyncio.to_thread(self.observe, snapshots)
            if size >= THREAD_AT
            else self.observe(snapshots)
        )
        events = [*self._pending, *observed][-PENDING_LIMIT:]
        self._pending = events
        new = await self.store.record(events) if events else 0
        self._pending = []
        now = self.clock.now()
        if self._pruned_at is None or now - self._pruned_at >= self.prune_every:
            self._pruned_at = now
            await self.store.prune(now)
        return new


def per_source(
    alerts: Iterable[Alert], errors: Mapping[str, str], sources: Iterable[str]
) -> dict[str, Sequence[Alert] | None]:
    """An `AlertSnapshot` (merged alerts, errors by source) as `record_poll` takes it: each
    source's alerts (by the alert's origins), or None for a source that failed."""
    out: dict[str, list[Alert] | None] = {name: None if name in errors else [] for name in sources}
    for alert in alerts:
        for origin in alert.origins:
            bucket = out.get(origin)
            if bucket is not None:
                bucket.append(alert)
    return dict(out)
