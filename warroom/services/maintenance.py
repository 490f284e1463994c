"""Maintenance windows made into plain Alertmanager silences, a few minutes before each.

Alertmanager needs no change: a window is an ordinary silence whose comment carries a marker
(`[warroom-maintenance <name> <start>]`). Every console (or a cron'd `warroom maintenance
sync`) may run this; before creating, each looks for the marker among the silences, so a
window is created once. Two consoles that look at the same moment may both create one; every
tick therefore also keeps only the oldest-id silence per marker and expires the rest, so they
converge on exactly one within one tick, whoever runs it. A window's silence that someone
expires early (the work finished) is not made again by a console that saw it: Alertmanager's
list drops expired silences, so each console remembers the windows it has seen (a console
started after that expiry would make it again; the marker says where it came from).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from warroom.domain.alerts import Silence, SilenceRequest
from warroom.domain.clock import Clock
from warroom.domain.errors import SourceError
from warroom.domain.maintenance import Maintenance
from warroom.domain.ports import AlertSource

log = logging.getLogger(__name__)

DEFAULT_LEAD = timedelta(minutes=10)


@dataclass(frozen=True, slots=True)
class TickResult:
    created: tuple[str, ...] = ()  # silence ids made this tick
    expired: tuple[str, ...] = ()  # duplicates removed
    errors: tuple[str, ...] = ()  # one line per source that failed


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
    ) -> None:
        self.sources = sources
        self.schedules = schedules
        self.clock = clock
        self.lead = lead
        self.created_by = created_by
        self._seen: dict[tuple[str, str], datetime] = {}  # (source, marker) seen or made -> end

    async def tick(self) -> TickResult:
        now = self.clock.now()
        due = [(s, w) for s in self.schedules if (w := s.window_at(now, self.lead)) is not None]
        self._seen = {k: end for k, end in self._seen.items() if end > now}
        created: list[str] = []
        expired: list[str] = []
        errors: list[str] = []
        for source in self.sources:
            if not source.can_silence:
                continue
            try:
                silences = await source.list_silences()
                for schedule, (start, end) in due:
                    marker = schedule.marker(start)
                    if _with_marker(silences, marker):
                        self._seen[(source.name, marker)] = end
                    elif (source.name, marker) not in self._seen:
                        comment = f"{schedule.comment} {marker}".strip()
                        request = SilenceRequest(
                            schedule.matchers, start, end, self.created_by, comment
                        )
                        created.append(await source.create_silence(request))
                        self._seen[(source.name, marker)] = end
                if due:
                    silences = await source.list_silences()
                for schedule, (start, _end) in due:
                    for duplicate in _with_marker(silences, schedule.marker(start))[1:]:
                        try:
                            await source.expire_silence(duplicate.id)
                        except SourceError:
                            continue  # another console expired it first
                        expired.append(duplicate.id)
            except SourceError as exc:
                log.warning("maintenance silences on %s: %s", source.name, exc)
                errors.append(f"{source.name}: {exc}")
        return TickResult(tuple(created), tuple(expired), tuple(errors))


def _with_marker(silences: Sequence[Silence], marker: str) -> list[Silence]:
    """The live silences carrying `marker`, the one to keep (smallest id) first."""
    return sorted(
        (s for s in silences if s.state != "expired" and marker in s.comment), key=lambda s: s.id
    )
