"""Maintenance windows made into plain Alertmanager silences, a few minutes before each.

Alertmanager needs no change: a window is an ordinary silence whose comment carries a marker
(`[warroom-maintenance <name> <start>]`), made through the `SilenceService` like any other: in
one member of every Alertmanager cluster (HA peers gossip it; the next member when one is
down), so an HA pair holds one silence per window, not one per member. Every console (or a
cron'd `warroom maintenance sync`) may run this; before creating, each looks for the marker
among each cluster's silences, so a window is created once per cluster. Two consoles that look
at the same moment may both create one; every tick therefore also keeps only the oldest-id
silence per marker in each cluster and expires the rest (through the service, in that cluster),
so they converge on exactly one within one tick, whoever runs it. A cluster none of whose
members answered is left alone (its silences are unknown) and said in `errors`. A window's
silence that someone expires early (the work finished) is not made again by a console that saw
it: Alertmanager's list drops expired silences, so each console remembers the windows it has
seen per cluster (a console started after that expiry would make it again; the marker says
where it came from).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from warroom.domain.alerts import Silence, SilenceRequest
from warroom.domain.clock import Clock
from warroom.domain.errors import SourceError
from warroom.domain.maintenance import Maintenance
from warroom.domain.ports import AlertSource
from warroom.services.silences import SilenceService

log = logging.getLogger(__name__)

DEFAULT_LEAD = timedelta(minutes=10)


@dataclass(frozen=True, slots=True)
class TickResult:
    created: tuple[str, ...] = ()  # silence ids made this tick (one per cluster)
    expired: tuple[str, ...] = ()  # duplicates removed
    errors: tuple[str, ...] = ()  # one line per source or cluster that failed


class MaintenanceMaterialiser:
    """Run `tick()` on a timer (every minute is plenty: `lead` is minutes)."""

    def __init__(
        self,
        sources: Sequence[AlertSource],
        schedules: Sequence[Maintenance],
        clock: Clock,
        *,
        lead: timedelta = DEFAULT_LEAD,
        created_by: str = "warroom maintenance",
        timeout_s: float = 5.0,
    ) -> None:
        self.service = SilenceService(sources, clock, timeout_s)
        self.schedules = schedules
        self.lead = lead
        self.created_by = created_by
        self._seen: dict[tuple[str, str], datetime] = {}  # (cluster, marker) seen or made -> end

    @property
    def sources(self) -> list[AlertSource]:
        return self.service.sources

    @property
    def clock(self) -> Clock:
        return self.service.clock

    @clock.setter
    def clock(self, clock: Clock) -> None:
        self.service.clock = clock

    async def tick(self) -> TickResult:
        now = self.clock.now()
        due = [(s, w) for s in self.schedules if (w := s.window_at(now, self.lead)) is not None]
        self._seen = {k: end for k, end in self._seen.items() if end > now}
        if not due:
            return TickResult()
        listed, failed = await self.service.list()
        errors = [f"{name}: {error}" for name, error in failed.items()]
        members = self.service.clusters
        known = list(dict.fromkeys(c for name, c in members.items() if name not in failed))
        created: list[str] = []
        for schedule, (start, end) in due:
            marker = schedule.marker(start)
            held = {p.cluster for s in _with_marker(listed, marker) for p in s.placements}
            missing = []
            for cluster in known:
                if cluster in held:
                    self._seen[(cluster, marker)] = end
                elif (cluster, marker) not in self._seen:
                    missing.append(cluster)
            if not missing:
                continue
            comment = f"{schedule.comment} {marker}".strip()
            request = SilenceRequest(schedule.matchers, start, end, self.created_by, comment)
            try:
                fact = await self.service.create(request, only=missing)
            except (SourceError, ValueError) as exc:
                log.warning("maintenance silence %s: %s", marker, exc)
                errors.append(f"{schedule.name}: {exc}")
                continue
            errors.extend(f"{schedule.name}: {failure}" for failure in fact.failures)
            for placement in fact.placements:
                created.append(placement.silence_id)
                self._seen[(placement.cluster, marker)] = end
        expired = await self._expire_duplicates(
            [schedule.marker(start) for schedule, (start, _) in due]
        )
        return TickResult(tuple(created), tuple(expired), tuple(errors))

    async def _expire_duplicates(self, markers: Sequence[str]) -> list[str]:
        """In each cluster, every live silence of a marker but the smallest id, expired there."""
        listed, _failed = await self.service.list()
        expired: list[str] = []
        for marker in markers:
            by_cluster: dict[str, list[tuple[str, Silence]]] = {}
            for silence in _with_marker(listed, marker):
                for p in silence.placements:
                    one = replace(silence, id=p.silence_id, placements=(p,))
                    by_cluster.setdefault(p.cluster, []).append((p.silence_id, one))
            for found in by_cluster.values():
                for silence_id, duplicate in sorted(found, key=lambda f: f[0])[1:]:
                    try:
                        await self.service.expire(duplicate)
                    except SourceError:
                        continue  # another console expired it first
                    expired.append(silence_id)
        return expired


def _with_marker(silences: Sequence[Silence], marker: str) -> list[Silence]:
    """The live silences carrying `marker`."""
    return [s for s in silences if s.state != "expired" and marker in s.comment]
