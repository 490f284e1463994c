"""The incident clock: milestones derived once from the log, and the times between them.

Every surface that shows "time to acknowledge" (the drill's quit summary, `incidents list`,
`incidents show`, the header, the post-mortem) calls `incident_times`, so one incident never
has three different numbers. Times count from when the impact started (the first related
alert's `startsAt`, or a backdated `impact:` note), not from when a console happened to start.

- impact started: an `impact:` note (backdate it with `@21:10 impact: ...`), else the first
  related alert's `startsAt`, else its first sighting, else the declaration.
- detected: the first related alert seen by the console, else the declaration.
- acknowledged: the first alert acknowledged, else the declaration.
- fix applied: a decision marked as the fix (`decision: fix: roll back`), else the last
  successful write step before the service was restored.
- mitigated (service restored): the related alerts all cleared (and stayed clear) after the
  first of them fired; with no alerts (or a resolved incident whose log never saw them
  clear), the recorded signals back under their warn threshold; else the first `monitoring`
  (or `resolved`) status.
- resolved: the status set to resolved.

The commander corrects a milestone with a correction entry (`correct_milestone`); the entry
keeps the derived value and every earlier correction as its history.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from warroom.domain.incident import Entry, EntryKind, Incident, Status, new_entry


class Milestone(StrEnum):
    IMPACT_STARTED = "impact_started"
    DETECTED = "detected"
    DECLARED = "declared"
    ACKNOWLEDGED = "acknowledged"
    FIX_APPLIED = "fix_applied"
    MITIGATED = "mitigated"
    RESOLVED = "resolved"

    @property
    def label(self) -> str:
        return {
            "impact_started": "Impact started",
            "detected": "Detected",
            "declared": "Declared",
            "acknowledged": "Acknowledged",
            "fix_applied": "Fix applied",
            "mitigated": "Service restored",
            "resolved": "Resolved",
        }[self.value]

    @classmethod
    def parse(cls, text: str) -> Milestone:
        key = text.strip().lower().replace("-", "_").replace(" ", "_")
        aliases = {"impact": "impact_started", "fix": "fix_applied", "restored": "mitigated"}
        try:
            return cls(aliases.get(key, key))
        except ValueError:
            names = ", ".join(m.value for m in cls)
            raise ValueError(f"no milestone {text!r}: one of {names}") from None


WRITE_RISKS = frozenset({"write", "destructive"})
IMPACT_MARKER = "impact:"
FIX_MARKER = "fix:"


@dataclass(frozen=True, slots=True)
class MilestoneTime:
    """When a milestone was reached, what says so, and the values it replaced (oldest first)."""

    milestone: Milestone
    at: datetime
    source: str  # "alert HighErrorRate", "step", "correction by alice", ...
    entry_id: str | None = None
    history: tuple[tuple[datetime | None, str], ...] = ()

    @property
    def corrected(self) -> bool:
        return bool(self.history)


@dataclass(frozen=True, slots=True)
class IncidentTimes:
    """The review's key numbers, in seconds from when the impact started (None: not reached)."""

    started_at: datetime
    to_detect: float | None
    to_acknowledge: float | None
    to_mitigate: float | None
    to_resolve: float | None

    def as_dict(self) -> dict[str, float | None]:
        return {
            "time_to_detect_s": self.to_detect,
            "time_to_acknowledge_s": self.to_acknowledge,
            "time_to_mitigate_s": self.to_mitigate,
            "time_to_resolve_s": self.to_resolve,
        }


@dataclass(frozen=True, slots=True)
class IncidentClock:
    """Every milestone reached so far, and each status change, from one incident's log."""

    milestones: Mapping[Milestone, MilestoneTime]
    status_changes: tuple[tuple[Status, datetime], ...]
    related_alerts: frozenset[str]

    def at(self, milestone: Milestone) -> datetime | None:
        found = self.milestones.get(milestone)
        return found.at if found else None

    def times(self) -> IncidentTimes:
        start = self.at(Milestone.IMPACT_STARTED)
        assert start is not None  # always derived: falls back to the declaration

        def since(m: Milestone) -> float | None:
            at = self.at(m)
            return None if at is None else max(0.0, (at - start).total_seconds())

        return IncidentTimes(
            start,
            since(Milestone.DETECTED),
            since(Milestone.ACKNOWLEDGED),
            since(Milestone.MITIGATED),
            since(Milestone.RESOLVED),
        )


def incident_times(incident: Incident) -> IncidentTimes:
    """TTD, TTA, TTM, TTR: the one function every surface calls."""
    return incident_clock(incident).times()


def _live(incident: Incident) -> list[Entry]:
    corrected = incident.corrected_ids()
    ordered = sorted(incident.entries, key=lambda e: (e.at, e.recorded_at, e.id))
    return [e for e in ordered if e.id not in corrected]


def alert_name(entry: Entry) -> str:
    data = entry.data
    return str(data.get("alertname") or data.get("alert") or data.get("name") or "")


def alert_started(entry: Entry) -> datetime:
    """An alert entry's `startsAt` when it was recorded, else when the console saw it."""
    raw = entry.data.get("starts_at")
    if isinstance(raw, str) and raw:
        try:
            started = datetime.fromisoformat(raw)
            if started.tzinfo is not None:
                return min(started, entry.at)
        except ValueError:
            pass
    return entry.at


def related_alert_entries(incident: Incident, entries: Sequence[Entry]) -> list[Entry]:
    """Alerts fired that belong to the incident: its declared alert or services; if none
    match, every alert the log holds (the console carried them in on declaring)."""
    fired = [e for e in entries if e.kind is EntryKind.ALERT_FIRED and alert_name(e)]
    declared = next((e for e in entries if e.kind is EntryKind.DECLARED), None)
    wanted = str(declared.data.get("alert") or "") if declared else ""
    services = set(incident.services)

    def matches(e: Entry) -> bool:
        labels = e.data.get("labels") or {}
        if wanted and alert_name(e) == wanted:
            return True
        return isinstance(labels, Mapping) and bool(
            services & {str(labels.get(k, "")) for k in ("service", "job", "app")}
        )

    return [e for e in fired if matches(e)] or fired


def _cleared_at(names: set[str], entries: Sequence[Entry]) -> Entry | None:
    """The entry of the last related alert to resolve, if none fired again after it."""
    firing: set[str] = set()
    cleared: Entry | None = None
    for e in entries:
        name = alert_name(e)
        if name not in names:
            continue
        if e.kind is EntryKind.ALERT_FIRED:
            firing.add(name)
            cleared = None
        elif e.kind is EntryKind.ALERT_RESOLVED and name in firing:
            firing.discard(name)
            if not firing:
                cleared = e
    return cleared if not firing else None


def _under_warn_at(series: Iterable[Entry], after: datetime) -> datetime | None:
    """The first recorded moment after `after` when every signal is back under warn."""
    points: dict[datetime, list[bool]] = {}
    count = 0
    for e in series:
        warn = e.data.get("warn")
        if warn is None:
            continue
        count += 1
        worse = bool(e.data.get("higher_is_worse", True))
        for at, value in series_points(e):
            if at >= after and not math.isnan(value):
                ok = value < warn if worse else value > warn
                points.setdefault(at, []).append(ok)
    for at in sorted(points):
        if len(points[at]) == count and all(points[at]):
            return at
    return None


def series_points(entry: Entry) -> list[tuple[datetime, float]]:
    """The (time, value) pairs of a recorded series entry (None values are gaps: NaN)."""
    from datetime import timedelta

    data = entry.data
    try:
        start = datetime.fromisoformat(str(data["start"]))
        step = float(data["step_s"])
        values = list(data["values"])
    except (KeyError, TypeError, ValueError):
        return []
    return [
        (start + timedelta(seconds=i * step), math.nan if v is None else float(v))
        for i, v in enumerate(values)
    ]


def _successful_write(e: Entry) -> bool:
    d = e.data
    return (
        e.kind is EntryKind.STEP_RUN
        and str(d.get("risk", "")) in WRITE_RISKS
        and d.get("exit_code") == 0
        and not d.get("cancelled")
        and not d.get("timed_out")
        and not d.get("error")
    )


def is_fix_decision(e: Entry) -> bool:
    return e.kind is EntryKind.DECISION and (
        bool(e.data.get("fix")) or e.text.strip().lower().startswith(FIX_MARKER)
    )


def incident_clock(incident: Incident) -> IncidentClock:
    """Derive every milestone from the log, then apply the commander's corrections."""
    entries = _live(incident)
    found: dict[Milestone, MilestoneTime] = {}

    def put(m: Milestone, at: datetime | None, source: str, entry: Entry | None = None) -> None:
        if at is not None:
            found[m] = MilestoneTime(m, at, source, entry.id if entry else None)

    related = related_alert_entries(incident, entries)
    names = {alert_name(e) for e in related}
    declared = incident.declared_at
    put(Milestone.DECLARED, declared, f"declared by {incident.declared_by}")
    first_alert = related[0] if related else None
    put(
        Milestone.DETECTED,
        first_alert.at if first_alert else declared,
        f"alert {alert_name(first_alert)} seen" if first_alert else "declared",
        first_alert,
    )
    impact_note = next(
        (
            e
            for e in entries
            if e.kind is EntryKind.NOTE and e.text.strip().lower().startswith(IMPACT_MARKER)
        ),
        None,
    )
    if impact_note is not None:
        put(Milestone.IMPACT_STARTED, impact_note.at, f"noted by {impact_note.author}", impact_note)
    elif related:
        earliest = min(related, key=alert_started)
        put(
            Milestone.IMPACT_STARTED,
            alert_started(earliest),
            f"alert {alert_name(earliest)} started",
            earliest,
        )
    else:
        put(Milestone.IMPACT_STARTED, declared, "declared")
    ack = next((e for e in entries if e.kind is EntryKind.ALERT_ACKED), None)
    put(
        Milestone.ACKNOWLEDGED,
        ack.at if ack else declared,
        f"acknowledged by {ack.author}" if ack else "declared",
        ack,
    )
    restored = _restored(incident, entries, names)
    if restored is not None:
        put(Milestone.MITIGATED, restored[0], restored[1], restored[2])
    fix = next((e for e in entries if is_fix_decision(e)), None)
    if fix is None and restored is not None:
        fix = next(
            (e for e in reversed(entries) if _successful_write(e) and e.at <= restored[0]), None
        )
    if fix is not None:
        source = "decision" if fix.kind is EntryKind.DECISION else "step"
        put(Milestone.FIX_APPLIED, fix.at, f"{source} by {fix.author}", fix)
    put(Milestone.RESOLVED, incident.resolved_at, "status set to resolved")
    _apply_corrections(found, entries)
    return IncidentClock(found, tuple(incident.status_changes), frozenset(names))


def _restored(
    incident: Incident, entries: Sequence[Entry], names: set[str]
) -> tuple[datetime, str, Entry | None] | None:
    if names:
        cleared = _cleared_at(names, entries)
        if cleared is not None:
            return cleared.at, "related alerts cleared", cleared
        if incident.resolved_at is None:
            return None  # still firing as far as the log knows
        # resolved, yet the log never saw the alerts clear (no console was watching): the
        # signals or the commander's status say when service came back
    series = [e for e in entries if e.kind is EntryKind.SERIES]
    if series:
        under = _under_warn_at(series, incident.declared_at)
        return (under, "signals back under warn", None) if under else None
    status = next(
        (
            e
            for e in entries
            if e.kind is EntryKind.STATUS
            and e.data.get("status") in (Status.MONITORING.value, Status.RESOLVED.value)
        ),
        None,
    )
    if status is None:
        return None
    return status.at, f"status set to {status.data.get('status')}", status  # as it was set


def _apply_corrections(found: dict[Milestone, MilestoneTime], entries: Sequence[Entry]) -> None:
    for e in entries:
        if e.kind is not EntryKind.CORRECTION or "milestone" not in e.data:
            continue
        try:
            milestone = Milestone.parse(str(e.data["milestone"]))
            at = datetime.fromisoformat(str(e.data["at"]))
        except (KeyError, ValueError):
            continue
        if at.tzinfo is None:
            continue
        old = found.get(milestone)
        history = (*old.history, (old.at, old.source)) if old else ((None, "not reached"),)
        source = f"corrected by {e.author}" + (f": {e.text}" if e.text else "")
        found[milestone] = MilestoneTime(milestone, at, source, e.id, history)


def correct_milestone(
    incident: Incident,
    milestone: Milestone,
    at: datetime,
    *,
    reason: str,
    author: str,
    now: datetime,
) -> Entry:
    """The correction entry that moves a milestone (history is kept: nothing is rewritten)."""
    before = incident_clock(incident).at(milestone)
    was = f"{before:%Y-%m-%d %H:%M:%S}Z" if before else "not reached"
    data: dict[str, Any] = {
        "milestone": milestone.value,
        "at": at.isoformat(),
        "was": before.isoformat() if before else None,
    }
    text = f"{milestone.label}: {at:%Y-%m-%d %H:%M:%S}Z (was {was})"
    if reason.strip():
        text += f"; {reason.strip()}"
    return new_entry(incident.id, EntryKind.CORRECTION, text, author=author, now=now, data=data)
