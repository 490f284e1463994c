"""Alert memory for one console: what each poll adds to the history, "seen before", the
silence tripwire and the maintenance windows, behind one plain async interface.

The alerts region calls `after_poll` in a worker once a poll is drawn, `load_index` on a slow
timer and after each poll that recorded something, and `maintenance_tick` about once a minute.
Nothing here waits on the event loop: the store is async (its blocking clients in threads)
and the index over a week of events is built in a thread. The store is opened here on first
use and closed by the app on exit, with the incident store (`ConsoleContext.history`).

Viewer consoles record too: the history is not the incident log (nobody's action is written,
only what Alertmanager showed), the store keeps each fire once however many consoles saw it,
and a shared screen that is the only console running would otherwise leave no history.
Maintenance silences are writes, so a viewer never ticks (the region checks `viewer`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from warroom.domain.alert_history import WEEK, AlertEvent, HistoryIndex
from warroom.domain.alerts import Alert, Severity, Silence
from warroom.domain.clock import Clock
from warroom.domain.errors import WarroomError
from warroom.domain.history_ports import AlertHistoryStore
from warroom.domain.maintenance import Maintenance, parse_schedules
from warroom.domain.tripwire import Tripped, TripwireWatch
from warroom.services.alert_history import HistoryRecorder, per_source
from warroom.services.maintenance import MaintenanceMaterialiser, TickResult
from warroom.services.polling import THREAD_AT, AlertSnapshot, bounded
from warroom.services.silences import SilenceService

log = logging.getLogger(__name__)

BIG_INDEX = 20_000  # events: from here on, reloaded at most every RELOAD_GAP after a poll
RELOAD_GAP = timedelta(seconds=30)


@dataclass(frozen=True, slots=True)
class PollMemory:
    """What one poll added: events new to the store, and the store's trouble ("" if none)."""

    recorded: int = 0
    error: str = ""


@dataclass(slots=True)
class MaintenancePlan:
    """`[maintenance]` as the console runs it: the schedules file and the lead time."""

    path: Path
    lead: timedelta
    created_by: str = "warroom maintenance"
    schedules: list[Maintenance] | None = field(default=None, repr=False)


class AlertMemory:
    def __init__(
        self,
        store: AlertHistoryStore | None,
        clock: Clock,
        silences: SilenceService,
        *,
        source_names: Sequence[str],
        maintenance: MaintenancePlan | None = None,
        timeout_s: float = 5.0,
    ) -> None:
        self.store = store
        self.clock = clock
        self.silences = silences
        self.source_names = tuple(source_names)
        self.maintenance = maintenance
        self.timeout_s = timeout_s
        self.recorder = HistoryRecorder(store, clock) if store is not None else None
        self.watch = TripwireWatch()
        self.index = HistoryIndex.build((), clock.now())
        self._opened: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()  # one poll's events at a time: the recorder diffs in order
        self._trip_lock = asyncio.Lock()  # and the tripwire's polls, in order, apart from it
        self._previous: set[str] | None = None
        self._materialiser: MaintenanceMaterialiser | None = None
        self._events = 0  # in the index last loaded
        self._loaded_at: datetime | None = None

    @property
    def enabled(self) -> bool:
        return self.store is not None

    async def _open(self) -> None:
        """Open the store once (a failed open is tried again on the next call)."""
        assert self.store is not None
        if self._opened is None or (self._opened.done() and self._opened.exception()):
            self._opened = asyncio.ensure_future(self.store.open())
        await asyncio.wait_for(asyncio.shield(self._opened), self.timeout_s * 2)

    # ------------------------------------------------------------ tripwire

    async def tripwire(self, snapshot: AlertSnapshot) -> list[Tripped]:
        """The trips this poll raises. Silences are listed only when a critical alert is new
        (most polls add none), and a source that cannot list them trips on Alertmanager's own
        `silencedBy` alone."""
        async with self._trip_lock:
            return await self._trip(snapshot.alerts)

    async def _trip(self, alerts: Sequence[Alert]) -> list[Tripped]:
        if len(alerts) >= THREAD_AT:
            fresh = await asyncio.to_thread(self._new_critical, alerts)
        else:
            fresh = self._new_critical(alerts)
        silences: list[Silence] = []
        if fresh:
            try:
                silences, _ = await bounded(self.silences.list(), self.timeout_s, "silences")
            except WarroomError as exc:
                log.warning("tripwire: silences: %s", exc)
        now = self.clock.now()
        if len(alerts) >= THREAD_AT:
            return await asyncio.to_thread(self.watch.observe, alerts, silences, now)
        return self.watch.observe(alerts, silences, now)

    def _new_critical(self, alerts: Sequence[Alert]) -> bool:
        previous = self._previous
        self._previous = {a.fingerprint for a in alerts}
        if previous is None:
            return False
        return any(
            a.severity <= Severity.CRITICAL and a.fingerprint not in previous for a in alerts
        )

    # ------------------------------------------------------------ history

    async def after_poll(self, snapshot: AlertSnapshot) -> PollMemory:
        """Record this poll: a source in `snapshot.errors` records "unknown", never a resolve.
        A store that is away keeps the events (the recorder's pending list) for the next poll."""
        if self.recorder is None:
            return PollMemory()
        async with self._lock:
            try:
                await self._open()
                split = (snapshot.alerts, snapshot.errors, self.source_names)
                if len(snapshot.alerts) >= THREAD_AT:  # a storm's alerts: sorted off the loop
                    snapshots = await asyncio.to_thread(per_source, *split)
                else:
                    snapshots = per_source(*split)
                recorded = await bounded(
                    self.recorder.record_poll(snapshots), self.timeout_s * 2, "record"
                )
            except (WarroomError, TimeoutError, OSError) as exc:
                return PollMemory(error=f"alert history: {exc}")
        return PollMemory(recorded=recorded)

    async def load_index(self) -> HistoryIndex:
        """The last week's events, indexed in a thread; kept as `self.index` for the rows."""
        if self.store is None:
            return self.index
        await self._open()
        now = self.clock.now()
        events = await bounded(self.store.events(now - WEEK), self.timeout_s * 2, "read")
        self.index = await asyncio.to_thread(warm_index, events, now)
        self._events, self._loaded_at = len(events), now
        return self.index

    def reload_due(self) -> bool:
        """After a poll that recorded something: reload now? A week of a storm's events takes
        a while to read and index, so a big index waits `RELOAD_GAP` (the slow timer, or the
        next poll, brings it)."""
        if self._events < BIG_INDEX or self._loaded_at is None:
            return True
        return self.clock.now() - self._loaded_at >= RELOAD_GAP

    # ------------------------------------------------------------ maintenance

    async def maintenance_tick(self) -> TickResult | None:
        """Make the silences of the windows about to start (None: no file configured). The file
        is read once, in a thread; a file that cannot be read is an error each tick."""
        plan = self.maintenance
        if plan is None:
            return None
        if self._materialiser is None:
            try:
                text = await asyncio.to_thread(plan.path.read_text, encoding="utf-8")
                plan.schedules = parse_schedules(text)
            except (OSError, ValueError) as exc:
                return TickResult(errors=(f"maintenance schedules {plan.path}: {exc}",))
            self._materialiser = MaintenanceMaterialiser(
                self.silences.sources,
                plan.schedules,
                self.clock,
                lead=plan.lead,
                created_by=plan.created_by,
            )
        return await bounded(self._materialiser.tick(), self.timeout_s * 4, "maintenance")


def warm_index(events: Sequence[AlertEvent], now: datetime) -> HistoryIndex:
    """Build the index and work out every summary now, in the caller's thread: the rows then
    only look them up (a storm's first page, an alert on 10,000 instances, would otherwise
    fold every sibling's firings on the event loop while drawing). ~0.4 s for 120,000 events."""
    index = HistoryIndex.build(events, now)
    for fingerprint in index.by_fingerprint:
        index.for_fingerprint(fingerprint)
    for name, service in index.groups:
        index.for_group(name, service)
    return index
