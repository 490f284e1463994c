"""When a drill ends: its signals go into the incident store, and the summary reads the log.

The drill's series are a pure function of the scenario, the seed and what was run, so the
whole incident window (±15 minutes) is recorded once at the end, as `series` entries: the
post-mortem exported later (`warroom postmortem export`) shows the incident's own numbers.
The quit summary's times come from the same incident clock as every other surface.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from warroom.domain.clock import format_duration
from warroom.domain.incident import Entry, EntryKind, Incident
from warroom.domain.incident_series import series_entry
from warroom.domain.milestones import IncidentTimes, incident_clock
from warroom.domain.ports import IncidentStore
from warroom.domain.signals import SignalSpec
from warroom.drill.world import DrillSummary, DrillWorld

RECORD_STEP_S = 10
MARGIN_S = 15 * 60


AUTHOR = "warroom drill"  # the machine recorded these, not a person: not a post-mortem author


def drill_series(world: DrillWorld, incident: Incident, specs: Sequence[SignalSpec]) -> list[Entry]:
    """One `series` entry per drill signal over the incident window (up to drill now), in
    the order of the panels (each a microsecond after the last: timelines sort by time)."""
    now = world.clock.now()
    clock = incident_clock(incident)
    started = min(clock.times().started_at, incident.declared_at)
    start = started - timedelta(seconds=MARGIN_S)
    end = min(now, (incident.resolved_at or now) + timedelta(seconds=MARGIN_S))
    count = max(1, int((end - start).total_seconds() // RECORD_STEP_S) + 1)
    out = []
    for order, spec in enumerate(specs):
        if spec.key not in world.scenario.signals:
            continue
        values = [
            world.value(spec.key, world.seconds(start + timedelta(seconds=i * RECORD_STEP_S)))
            for i in range(count)
        ]
        out.append(
            series_entry(
                incident.id,
                key=spec.key,
                name=spec.name,
                unit=spec.unit,
                warn=spec.warn,
                critical=spec.critical,
                higher_is_worse=spec.higher_is_worse,
                start=start,
                step_s=RECORD_STEP_S,
                values=values,
                author=AUTHOR,
                now=now + timedelta(microseconds=order),
                source=f"drill {world.scenario.name}",
            )
        )
    return out


async def finish_drill(
    store: IncidentStore, world: DrillWorld, specs: Sequence[SignalSpec]
) -> Incident | None:
    """Record the signals of the drill's newest incident (once) and return it, reloaded."""
    summaries = await store.incidents()
    if not summaries:
        return None
    entries = await store.entries(summaries[0].id)
    try:
        incident = Incident.from_entries(entries)
    except ValueError:
        return None
    if not any(e.kind is EntryKind.SERIES for e in entries):
        for entry in drill_series(world, incident, specs):
            await store.append(entry)
        incident = Incident.from_entries(await store.entries(incident.id))
    return incident


def summary_lines(summary: DrillSummary, times: IncidentTimes | None) -> list[str]:
    """The quit summary: the incident clock's times (the post-mortem's), then the remedies."""

    def show(value: float | None) -> str:
        return "not reached" if value is None else format_duration(value)

    lines = [
        f"Drill summary: {summary.scenario} (seed {summary.seed}, speed {summary.speed:g}x)",
        f"  drill time          {format_duration(summary.elapsed_s)}",
    ]
    if times is None:
        lines.append("  no incident was declared (d): nothing was timed")
    else:
        lines.append(f"  impact started      {times.started_at:%H:%M:%S}Z")
    lines += [
        f"  time to detect      {show(times.to_detect if times else None)}",
        f"  time to acknowledge {show(times.to_acknowledge if times else None)}",
        f"  time to mitigate    {show(times.to_mitigate if times else None)}",
        f"  time to resolve     {show(times.to_resolve if times else None)}",
    ]
    lines += [
        f"  remedies run        {', '.join(summary.remedies) or 'none'}",
        f"  decoys run          {', '.join(summary.decoys) or 'none'}",
    ]
    if summary.simulated:
        lines.append(f"  other commands      {summary.simulated} (simulated, none was run)")
    return lines
