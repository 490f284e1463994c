"""Remedy memory: which runbook steps preceded an alert's recovery in past incidents.

Read from the incident log only (step runs and alert fired/resolved entries), so it needs no
store of its own and never runs anything. For each past firing of the alert (a fired entry
and the resolved entry that closed it, in one incident), the steps that ran successfully
while it fired were *tried*; the last of them, if the alert resolved within `window` after
it, *fixed it*. A firing that resolved with no successful step before it "recovered alone".
So "step 5 · restart: fixed it 4 of 5 times, median 2m" means: tried in 5 firings, the last
step before recovery in 4, and recovery came a median 2 minutes after it. A resolve that is
followed within `stable` (10 min) by the alert firing again is a relapse, not a recovery.

A step is known by its runbook and step number when the entry has them (`runbook`, `step`),
else by its line in the runbook and its command (what `services.steps.step_entry` records).
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from warroom.domain.clock import format_age
from warroom.domain.incident import Entry, EntryKind, Incident
from warroom.domain.untrusted import clip, one_line

DEFAULT_WINDOW = timedelta(minutes=30)
DEFAULT_STABLE = timedelta(minutes=10)  # a re-fire sooner than this after a resolve: relapse
StepKey = tuple[str, str]  # (runbook, step number or "line N: command")


@dataclass(frozen=True, slots=True)
class AlertIdentity:
    """Which alert to remember: by name, narrowed by labels (e.g. service) when given."""

    name: str
    labels: Mapping[str, str] = field(default_factory=dict)

    def matches(self, data: Mapping[str, Any]) -> bool:
        if data.get("alertname") != self.name:
            return False
        labels = data.get("labels") or {}
        return all(labels.get(k) == v for k, v in self.labels.items())


@dataclass(frozen=True, slots=True)
class RemedyStat:
    key: StepKey
    label: str  # "step 5 · restart"
    fixed: int
    tried: int
    median_s: float | None  # from the step to the recovery, over the times it fixed it

    @property
    def text(self) -> str:
        tail = f", median {format_age(self.median_s)}" if self.median_s is not None else ""
        times = "time" if self.tried == 1 else "times"
        return f"{self.label}: fixed it {self.fixed} of {self.tried} {times}{tail}"


@dataclass(frozen=True, slots=True)
class RemedyMemory:
    ranked: tuple[RemedyStat, ...]
    firings: int  # past firings that recovered, in the incidents looked at
    recovered_alone: int
    incidents: tuple[str, ...]  # the incidents the alert took part in, oldest first


def _ok(data: Mapping[str, Any]) -> bool:
    return (
        data.get("exit_code") == 0
        and not data.get("error")
        and not data.get("cancelled")
        and not data.get("timed_out")
    )


def step_key(data: Mapping[str, Any]) -> tuple[StepKey, str]:
    """A step run's identity and its label, from the entry's data."""
    runbook = str(data.get("runbook") or "")
    step = data.get("step")
    command = str(data.get("command") or "").strip()
    first = command.splitlines()[0] if command else ""
    title = str(data.get("title") or data.get("description") or "") or first
    if step not in (None, ""):
        number = str(step)
        label = f"step {number}" if number.isdigit() else number
        key: StepKey = (runbook, number)
    else:
        label = f"line {data.get('line')}" if data.get("line") is not None else "step"
        key = (runbook, f"{label}: {first}")
    if title and title != label:
        label = f"{label} · {title}"
    return key, clip(one_line(label), 60)


def _firings(
    incident: Incident, alert: AlertIdentity, stable: timedelta
) -> list[tuple[datetime, datetime]]:
    """(fired, recovered) spans of this alert in one incident, in time order. The alert fires
    while any matching alert (fingerprint) fires; a resolve followed within `stable` by a new
    fire is a relapse, not a recovery, so the span goes on (a step that only buys a minute
    does not get the credit)."""
    spans: list[tuple[datetime, datetime]] = []
    active: set[str] = set()
    began: datetime | None = None
    for entry in incident.entries:
        if entry.kind not in (EntryKind.ALERT_FIRED, EntryKind.ALERT_RESOLVED):
            continue
        if not alert.matches(entry.data):
            continue
        which = str(entry.data.get("fingerprint") or "")
        if entry.kind is EntryKind.ALERT_FIRED:
            if not active and began is None:
                relapse = bool(spans) and entry.at - spans[-1][1] <= stable
                began = spans.pop()[0] if relapse else entry.at
            active.add(which)
        elif began is not None:
            active.discard(which)
            if not active:
                spans.append((began, entry.at))
                began = None
    return spans


def remember(
    incidents: Iterable[Incident],
    alert: AlertIdentity,
    *,
    window: timedelta = DEFAULT_WINDOW,
    stable: timedelta = DEFAULT_STABLE,
    limit: int = 5,
) -> RemedyMemory:
    """The steps ranked by how often they fixed this alert, best first."""
    fixed: dict[StepKey, list[float]] = {}
    tried: dict[StepKey, int] = {}
    labels: dict[StepKey, str] = {}
    firings = alone = 0
    took_part: list[tuple[datetime, str]] = []
    for incident in incidents:
        corrected = incident.corrected_ids()
        pairs = _firings(incident, alert, stable)
        if not pairs:
            continue
        took_part.append((incident.declared_at, incident.id))
        runs: list[tuple[Entry, StepKey]] = []
        for entry in incident.entries:
            if entry.kind is EntryKind.STEP_RUN and _ok(entry.data) and entry.id not in corrected:
                key, label = step_key(entry.data)
                labels.setdefault(key, label)
                runs.append((entry, key))
        for start, end in pairs:
            firings += 1
            during = [(e, k) for e, k in runs if start <= e.at <= end]
            for key in dict.fromkeys(k for _, k in during):
                tried[key] = tried.get(key, 0) + 1
            if not during:
                alone += 1
                continue
            last, key = during[-1]
            if end - last.at <= window:
                fixed.setdefault(key, []).append((end - last.at).total_seconds())
    stats = [
        RemedyStat(
            key,
            labels[key],
            len(fixed.get(key, ())),
            count,
            statistics.median(fixed[key]) if fixed.get(key) else None,
        )
        for key, count in tried.items()
    ]
    stats.sort(key=lambda s: (-s.fixed, -(s.fixed / s.tried), s.median_s or 0.0, s.label))
    ranked = tuple(s for s in stats if s.fixed)[:limit]
    return RemedyMemory(ranked, firings, alone, tuple(i for _, i in sorted(took_part)))
