"""The post-mortem as data: built once from the incident, written by separate writers.

Pure and deterministic (the same incident, signals and `now` give the same model). Every
string that came from outside (what people typed, alert text, step output) is redacted with
the configured secrets and made inert (control characters visible) here, in one place, so no
writer (Markdown, JSON, CSV) can leak a secret or a raw escape byte.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from warroom.domain.incident import (
    DEFAULT_POLICIES,
    Entry,
    EntryKind,
    Incident,
    Policies,
    Role,
    policy_for,
)
from warroom.domain.milestones import (
    IncidentClock,
    IncidentTimes,
    Milestone,
    alert_name,
    alert_started,
    incident_clock,
)
from warroom.export.changes import nearest_change
from warroom.export.clean import Clean
from warroom.export.signals_view import (
    WINDOW_MARGIN_S,
    SignalTrack,
    did_not_help,
    scaled_sparkline,
    tracks,
)

SCHEMA_VERSION = "1.0"
ACTION_TYPES = ("prevent", "mitigate", "detect", "process")
_FIELD = re.compile(r"\b(type|ticket|owner|due)=(\S+)")


@dataclass(frozen=True, slots=True)
class MilestoneRow:
    key: str
    label: str
    at: datetime
    source: str
    history: tuple[tuple[datetime | None, str], ...] = ()


@dataclass(frozen=True, slots=True)
class TimelineRow:
    at: datetime
    recorded_at: datetime | None  # set when backdated: both times are shown
    kind: str
    text: str
    who: str
    milestones: tuple[str, ...] = ()
    corrected: bool = False


@dataclass(frozen=True, slots=True)
class CommandRun:
    entry_id: str
    at: datetime
    who: str
    label: str  # runbook › section › step, as far as the log knows
    command: str
    params: tuple[str, ...]
    risk: str
    exit_code: int | None
    status: str  # "ok (0)", "failed (1)", "cancelled", "timed out", "error: ..."
    duration_s: float | None
    output_head: tuple[str, ...]
    output_tail: tuple[str, ...]
    helped: bool | None  # False: under "What did not help"
    hidden_lines: int = 0  # output lines between the head and the tail, not shown


@dataclass(frozen=True, slots=True)
class UpdateSent:
    at: datetime
    who: str
    template: str
    text: str


@dataclass(frozen=True, slots=True)
class ActionItemRow:
    action: str
    type: str
    owner: str
    due: str
    ticket: str
    status: str


@dataclass(frozen=True, slots=True)
class SignalSummary:
    key: str
    name: str
    unit: str
    source: str
    minimum: float | None
    at_declare: float | None
    peak: float | None
    at_resolve: float | None
    warn: float | None
    critical: float | None
    sparkline: str
    samples: int


@dataclass(frozen=True, slots=True)
class AlertInterval:
    name: str
    severity: str
    start: datetime
    end: datetime | None


@dataclass(slots=True)
class PostMortem:
    incident_id: str
    title: str
    status: str
    drill: bool
    exported_at: datetime
    authors: list[str]
    severity: str
    severity_declared: str
    services: list[str]
    impact: str
    commander: str
    roles: dict[str, list[str]]
    milestones: list[MilestoneRow]
    times: IncidentTimes
    window: tuple[datetime, datetime]
    updates_sent: int
    updates_due: int
    update_every_s: int
    timeline: list[TimelineRow] = field(default_factory=list)
    commands: list[CommandRun] = field(default_factory=list)
    updates: list[UpdateSent] = field(default_factory=list)
    decisions: list[TimelineRow] = field(default_factory=list)
    action_items: list[ActionItemRow] = field(default_factory=list)
    signals: list[SignalSummary] = field(default_factory=list)
    snapshots: list[TimelineRow] = field(default_factory=list)
    alerts: list[AlertInterval] = field(default_factory=list)
    trigger: str = ""
    trigger_change: str = ""  # "revision 14 rolled out 3 min before the first alert"
    resolution: str = ""
    incident_status: str = ""

    def milestone(self, key: Milestone) -> MilestoneRow | None:
        return next((m for m in self.milestones if m.key == key.value), None)


def _status(d: Mapping[str, Any], clean: Clean) -> str:
    if d.get("cancelled"):
        return "cancelled"
    if d.get("timed_out"):
        return "timed out"
    code = d.get("exit_code")
    text = "—" if code is None else ("ok (0)" if code == 0 else f"failed ({code})")
    if d.get("error"):
        text = f"{text}: {clean(d['error'])}" if code is not None else f"error: {clean(d['error'])}"
    return text


def _label(e: Entry, clean: Clean) -> str:
    d = e.data
    step = d.get("step") or d.get("description") or d.get("title")
    if not step:
        command = str(d.get("command") or e.text).strip()
        step = command.splitlines()[0] if command else "step"
        step = step if len(step) <= 60 else step[:59] + "…"
    parts = [d.get("runbook"), d.get("section") or d.get("phase"), step]
    return " › ".join(clean(p) for p in parts if p)


def _lines(value: Any, clean: Clean) -> tuple[str, ...]:
    if not isinstance(value, list | tuple):
        return ()
    return tuple(clean(line) for line in value)


def _who(e: Entry, clean: Clean) -> str:
    """A `change` was made elsewhere (a deploy, a crash) and only seen by the console that
    logged it: `kubernetes (seen by alice)`, never `alice` as if she had rolled it out."""
    source = str(e.data.get("source") or "") if e.kind is EntryKind.CHANGE else ""
    if not source:
        return clean(e.author)
    return clean(f"{source} (seen by {e.author})" if e.author else source)


def _command(e: Entry, clean: Clean, helped: bool | None) -> CommandRun:
    d = e.data
    head = _lines(d.get("output_head"), clean)
    tail = _lines(d.get("output_tail"), clean)
    if not head and not tail and d.get("output"):
        lines = str(d["output"]).splitlines()
        head = tuple(clean(x) for x in lines[:10])
        tail = tuple(clean(x) for x in lines[10:][-10:])
    total = len(str(d.get("output") or "").splitlines())
    hidden = max(0, total - len(head) - len(tail))
    duration = d.get("duration_s")
    return CommandRun(
        entry_id=e.id,
        at=e.at,
        who=clean(e.author),
        label=_label(e, clean),
        command=clean(d.get("command") or ""),
        params=tuple(clean(p) for p in d.get("params") or ()),
        risk=str(d.get("risk") or ""),
        exit_code=d.get("exit_code") if isinstance(d.get("exit_code"), int) else None,
        status=_status(d, clean),
        duration_s=float(duration) if isinstance(duration, int | float) else None,
        output_head=head,
        output_tail=tail,
        helped=helped,
        hidden_lines=hidden,
    )


def _action_item(e: Entry, text: str, clean: Clean) -> ActionItemRow:
    d = e.data
    fields = {m.group(1): m.group(2) for m in _FIELD.finditer(text)}
    body = " ".join(_FIELD.sub("", text).split())
    kind = str(d.get("type") or fields.get("type") or "").lower()
    return ActionItemRow(
        action=clean(body),
        type=kind if kind in ACTION_TYPES else "",
        owner=clean(d.get("owner") or fields.get("owner") or ""),
        due=clean(d.get("due") or fields.get("due") or ""),
        ticket=clean(d.get("ticket") or fields.get("ticket") or ""),
        status=clean(d.get("status") or "Open"),
    )


def _alerts(entries: Iterable[Entry], clean: Clean) -> list[AlertInterval]:
    open_: dict[str, AlertInterval] = {}
    done: list[AlertInterval] = []
    for e in entries:
        name = alert_name(e)
        if not name:
            continue
        if e.kind is EntryKind.ALERT_FIRED and name not in open_:
            labels = e.data.get("labels") or {}
            sev = labels.get("severity", "") if isinstance(labels, Mapping) else ""
            sev = sev or e.data.get("severity", "")
            open_[name] = AlertInterval(clean(name), clean(sev), alert_started(e), None)
        elif e.kind is EntryKind.ALERT_RESOLVED and name in open_:
            first = open_.pop(name)
            done.append(AlertInterval(first.name, first.severity, first.start, e.at))
    return sorted([*done, *open_.values()], key=lambda a: (a.start, a.name))


def _summary(track: SignalTrack, clock: IncidentClock) -> SignalSummary:
    values = track.values()
    peak = track.worst()
    low = (min(values) if track.higher_is_worse else max(values)) if values else None
    return SignalSummary(
        key=track.key,
        name=track.name,
        unit=track.unit,
        source=track.source,
        minimum=low,
        at_declare=track.value_at(clock.at(Milestone.DECLARED)),
        peak=peak,
        at_resolve=track.value_at(clock.at(Milestone.RESOLVED)),
        warn=track.warn,
        critical=track.critical,
        sparkline=scaled_sparkline(track),
        samples=len(values),
    )


def incident_window(
    incident: Incident, clock: IncidentClock, now: datetime
) -> tuple[datetime, datetime]:
    """From 15 minutes before the impact started to 15 minutes after it was resolved."""
    margin = timedelta(seconds=WINDOW_MARGIN_S)
    start = min(clock.at(Milestone.IMPACT_STARTED) or incident.declared_at, incident.declared_at)
    end = incident.resolved_at or now
    return start - margin, end + margin


def build_postmortem(
    incident: Incident,
    *,
    now: datetime,
    signals: Mapping[str, Any] | None = None,
    policies: Policies = DEFAULT_POLICIES,
    secrets: Iterable[str] = (),
) -> PostMortem:
    """The model every writer renders."""
    clean = Clean(secrets)
    clean.prime(e.text for e in incident.entries if e.kind is not EntryKind.SERIES)
    policy = policy_for(incident.severity, policies)
    entries = sorted(incident.entries, key=lambda e: (e.at, e.recorded_at, e.id))
    corrected = incident.corrected_ids()
    clock = incident_clock(incident)
    window = incident_window(incident, clock, now)
    signal_tracks = tracks(entries, signals, window)
    by_entry: dict[str, list[str]] = {}
    for m in clock.milestones.values():
        if m.entry_id:
            by_entry.setdefault(m.entry_id, []).append(m.milestone.label)
    declared = next((e for e in entries if e.kind is EntryKind.DECLARED), None)
    pm = PostMortem(
        incident_id=clean(incident.id),
        title=clean(incident.title),
        status="draft",
        drill=incident.drill,
        exported_at=now,
        authors=sorted(
            {clean(e.author) for e in entries if e.author and e.kind is not EntryKind.SERIES}
        ),
        severity=incident.severity.value,
        severity_declared=str(declared.data.get("severity", "")) if declared else "",
        services=[clean(s) for s in incident.services],
        impact=clean(incident.impact),
        commander=clean(incident.commander or ""),
        roles={
            r.value: [clean(p) for p in incident.roles[r]] for r in Role if incident.roles.get(r)
        },
        milestones=[
            MilestoneRow(m.value, m.label, t.at, clean(t.source), t.history)
            for m in Milestone
            if (t := clock.milestones.get(m)) is not None
        ],
        times=clock.times(),
        window=window,
        updates_sent=incident.status_updates_sent,
        updates_due=incident.status_updates_due(policy, incident.resolved_at or now),
        update_every_s=policy.update_every_s,
        incident_status=incident.status.value,
    )
    steps = [e for e in entries if e.kind is EntryKind.STEP_RUN and e.id not in corrected]
    unhelpful = did_not_help(steps, signal_tracks)
    writes = {e.id for e in steps if str(e.data.get("risk", "")) in ("write", "destructive")}
    corrections = {e.corrects: e for e in entries if e.corrects}
    for e in entries:
        if e.kind is EntryKind.SERIES:
            continue
        text = e.text
        if e.kind is EntryKind.STATUS_UPDATE:  # its first line; Communications has it all
            text = (text.strip().splitlines() or [""])[0]
        row = TimelineRow(
            at=e.at,
            recorded_at=e.recorded_at if e.backdated else None,
            kind=e.kind.value,
            text=clean(text),
            who=_who(e, clean),
            milestones=tuple(by_entry.get(e.id, ())),
            corrected=e.id in corrected,
        )
        pm.timeline.append(row)
        if e.kind is EntryKind.ACTION_ITEM:  # a corrected item keeps its place, new text
            text = str(e.data.get("action") or e.text)
            if e.id in corrections:
                text = corrections[e.id].text
            pm.action_items.append(_action_item(e, text, clean))
        if e.id in corrected:
            continue
        if e.kind is EntryKind.STEP_RUN:
            helped = None if e.id not in writes else e.id not in unhelpful
            if e.id in writes and not signal_tracks:
                helped = None
            pm.commands.append(_command(e, clean, helped))
        elif e.kind is EntryKind.STATUS_UPDATE:
            pm.updates.append(
                UpdateSent(e.at, row.who, str(e.data.get("template", "")), clean(e.text))
            )
        elif e.kind is EntryKind.DECISION:
            pm.decisions.append(row)
        elif e.kind is EntryKind.SNAPSHOT:
            pm.snapshots.append(row)
    pm.signals = [_summary(t, clock) for t in signal_tracks]
    pm.alerts = _alerts(entries, clean)
    first = next((a for a in pm.alerts), None)
    pm.trigger = first.name if first else ""
    if first is not None:
        pm.trigger_change = nearest_change(entries, corrected, first.start, clean)
    fix = clock.milestones.get(Milestone.FIX_APPLIED)
    if fix is not None and fix.entry_id:
        fixed = next((e for e in entries if e.id == fix.entry_id), None)
        if fixed is not None:
            pm.resolution = clean(fixed.text)
    return pm
