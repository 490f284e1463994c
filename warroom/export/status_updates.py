"""Status-update texts a commander pastes into chat or email, filled from the incident.

Plain text on purpose (chat clients mangle Markdown differently); short lines a stakeholder
reads in ten seconds: what is wrong, who is affected, what we are doing, when we speak next.
Pure functions: the UI shows the text for editing, copies it, then logs it as an entry.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from warroom.domain.clock import format_duration
from warroom.domain.incident import (
    DEFAULT_POLICIES,
    Entry,
    EntryKind,
    Incident,
    Role,
    SeverityPolicy,
    Status,
)
from warroom.domain.milestones import (
    FIX_MARKER,
    WRITE_RISKS,
    Milestone,
    alert_name,
    incident_clock,
    is_fix_decision,
    related_alert_entries,
)
from warroom.domain.redaction import redact
from warroom.domain.signals import format_value
from warroom.domain.untrusted import inert

KINDS: tuple[str, ...] = ("investigating", "update", "resolved", "can")
TITLES = {
    "investigating": "Investigating",
    "update": "Update",
    "resolved": "Resolved",
    "can": "CAN report",
}

_SEVERITY_RANK = {"critical": 0, "error": 1, "warning": 2, "info": 3}

_STATUS_LINES = {
    Status.INVESTIGATING: "We are aware of the problem and are investigating the cause.",
    Status.IDENTIFIED: "We have identified the cause and are working on a fix.",
    Status.MITIGATING: "A fix is being applied; service may still be degraded.",
    Status.MONITORING: "A fix is in place; we are watching to confirm recovery.",
    Status.RESOLVED: "The incident is resolved; service is back to normal.",
}


def hm(at: datetime) -> str:
    return f"{at:%H:%M} UTC"


def next_update_at(incident: Incident, now: datetime, policy: SeverityPolicy) -> datetime:
    """When the next update is due once this one is sent: now + cadence, to the next minute."""
    due = now + timedelta(seconds=policy.update_every_s)
    minutes = math.ceil(due.timestamp() / 60)
    return datetime.fromtimestamp(minutes * 60, tz=due.tzinfo)


def _plain(entry: Entry) -> str | None:
    """What a stakeholder reads for one entry (None: internal, not for them)."""
    d = entry.data
    if entry.kind is EntryKind.DECISION:
        text = entry.text.strip()
        return "Decided: " + (text[len(FIX_MARKER) :].strip() if is_fix_decision(entry) else text)
    if entry.kind is EntryKind.STATUS:
        return f"Status changed to {d.get('status', '')}"
    if entry.kind is EntryKind.SEVERITY:
        return f"Severity changed to {d.get('severity', '')}"
    if entry.kind is EntryKind.STEP_RUN:
        if str(d.get("risk", "")) not in WRITE_RISKS or d.get("exit_code") != 0 or d.get("error"):
            return None  # looking is not doing; a failed change changed nothing
        name = d.get("step") or d.get("description") or d.get("title")
        if name:
            return f"Applied a change: {name}"
        phase = d.get("phase")
        return f"Applied a change from the runbook ({phase})" if phase else "Applied a change"
    return None


def actions_so_far(incident: Incident, limit: int = 6) -> list[tuple[datetime, str]]:
    """The latest things done, in plain words, oldest first (corrected entries skipped,
    corrections applied); no matchers, ids or commands."""
    corrected = {e.corrects: e for e in incident.entries if e.corrects}
    done: list[tuple[datetime, str]] = []
    for e in incident.entries:
        if e.kind is EntryKind.STATUS and e.at == incident.declared_at:
            continue
        text = _plain(e)
        if text is None:
            continue
        fix = corrected.get(e.id)
        if fix is not None:
            text = f"Decided: {fix.text}" if e.kind is EntryKind.DECISION else None
        if text:
            done.append((e.at, text))
    return done[-limit:]


def _bullets(done: Iterable[tuple[datetime, str]], empty: str) -> list[str]:
    lines = [f"- {at:%H:%M} {text}" for at, text in done]
    return lines or [f"- {empty}"]


def headline(incident: Incident) -> str:
    """The title, unless a more severe related alert is firing now: then that alert says it
    (a title reading "above 5 %" after the 10 % critical fired would understate it)."""
    entries = sorted(incident.entries, key=lambda e: (e.at, e.recorded_at))
    related = {alert_name(e) for e in related_alert_entries(incident, entries)}
    firing: dict[str, Entry] = {}
    for e in entries:
        name = alert_name(e)
        if name not in related:
            continue
        if e.kind is EntryKind.ALERT_FIRED:
            firing[name] = e
        elif e.kind is EntryKind.ALERT_RESOLVED:
            firing.pop(name, None)
    if not firing:
        return incident.title

    def rank(e: Entry) -> int:
        labels = e.data.get("labels") or {}
        sev = labels.get("severity", "") if isinstance(labels, Mapping) else ""
        return _SEVERITY_RANK.get(str(sev or e.data.get("severity", "")).lower(), 9)

    worst = min(firing.values(), key=rank)
    declared_alert = next(
        (str(e.data.get("alert") or "") for e in entries if e.kind is EntryKind.DECLARED), ""
    )
    declared_rank = min(
        (
            rank(e)
            for e in entries
            if e.kind is EntryKind.ALERT_FIRED and alert_name(e) == declared_alert
        ),
        default=9,
    )
    if rank(worst) >= declared_rank or alert_name(worst) == declared_alert:
        return incident.title
    _, _, summary = worst.text.partition("firing: ")
    return f"{alert_name(worst)}: {summary.strip()}" if summary.strip() else alert_name(worst)


def _services(incident: Incident) -> str:
    return ", ".join(incident.services) or "(to be confirmed)"


def _people(incident: Incident) -> list[str]:
    lines = [f"Incident commander: {incident.commander or '(unassigned)'}"]
    for role in (Role.TECH_LEAD, Role.COMMS_LEAD):
        people = incident.roles.get(role)
        if people:
            lines.append(f"{role.label}: {people[-1]}")
    return lines


def investigating(
    incident: Incident, *, now: datetime, policy: SeverityPolicy | None = None
) -> str:
    """The first notice: what, since when, who is affected, who leads, next update."""
    policy = policy or DEFAULT_POLICIES[incident.severity]
    lines = [
        f"[{incident.severity.value}] INVESTIGATING: {headline(incident)}",
        "",
        f"Incident: {incident.id}" + (" (DRILL)" if incident.drill else ""),
        f"Started: {hm(incident.declared_at)} ({format_duration(incident.elapsed(now).total_seconds())} ago)",
        f"Impact: {incident.impact or '(being assessed)'}",
        f"Services affected: {_services(incident)}",
        f"Status: {_STATUS_LINES[Status.INVESTIGATING]}",
        *_people(incident),
        "",
        "Actions in progress:",
        *_bullets(actions_so_far(incident), "Assessing impact and gathering data."),
        "",
        f"Next update: by {hm(next_update_at(incident, now, policy))}",
    ]
    return "\n".join(lines)


def update(incident: Incident, *, now: datetime, policy: SeverityPolicy | None = None) -> str:
    """A periodic update: current status, actions since the start, next update time."""
    policy = policy or DEFAULT_POLICIES[incident.severity]
    lines = [
        f"[{incident.severity.value}] UPDATE ({incident.status.value}): {headline(incident)}",
        "",
        f"Incident: {incident.id}" + (" (DRILL)" if incident.drill else ""),
        f"Started: {hm(incident.declared_at)}, {format_duration(incident.elapsed(now).total_seconds())} ago",
        f"Impact: {incident.impact or '(being assessed)'}",
        f"Services affected: {_services(incident)}",
        f"Status: {_STATUS_LINES[incident.status]}",
        *_people(incident),
        "",
        "Actions so far:",
        *_bullets(actions_so_far(incident), "Investigation ongoing."),
        "",
        f"Next update: by {hm(next_update_at(incident, now, policy))}",
    ]
    return "\n".join(lines)


def _fix_and_decisions(incident: Incident) -> list[str]:
    """What fixed it (the incident clock's fix) and the decisions taken, for the all-clear."""
    clock = incident_clock(incident)
    fix = clock.milestones.get(Milestone.FIX_APPLIED)
    lines = []
    entry = next((e for e in incident.entries if fix and e.id == fix.entry_id), None)
    if entry is not None:
        lines.append(f"Fixed by: {_plain(entry) or entry.text} (at {hm(entry.at)})")
    else:
        lines.append("Fixed by: (to be confirmed in the post-mortem)")
    corrected = {e.corrects: e for e in incident.entries if e.corrects}
    decisions = [
        corrected[e.id].text if e.id in corrected else e.text
        for e in incident.entries
        if e.kind is EntryKind.DECISION
    ]
    lines += [f"Decision: {d}" for d in decisions]
    return lines


def resolved(incident: Incident, *, now: datetime, policy: SeverityPolicy | None = None) -> str:
    """The all-clear: duration, impact, what fixed it and what was decided, what follows."""
    times = incident_clock(incident).times()
    end = incident.resolved_at or now
    open_items = [a for a in incident.action_items() if a.status.lower() != "done"]
    lines = [
        f"[{incident.severity.value}] RESOLVED: {incident.title}",
        "",
        f"Incident: {incident.id}" + (" (DRILL)" if incident.drill else ""),
        f"Duration: {hm(times.started_at)} to {hm(end)} "
        f"({format_duration((end - times.started_at).total_seconds())})",
        f"Impact: {incident.impact or '(to be summarised in the post-mortem)'}",
        f"Services affected: {_services(incident)}",
        *_fix_and_decisions(incident),
        "Root cause: (to be confirmed in the post-mortem)",
        "",
        "What we did:",
        *_bullets(actions_so_far(incident), "See the incident timeline."),
        "",
        "Follow-up: a post-mortem review will be scheduled"
        + (f"; {len(open_items)} action item(s) are open." if open_items else "."),
        *_people(incident),
    ]
    return "\n".join(lines)


def current_values(signals: Mapping[str, Any] | None) -> list[str]:
    """`- Error rate: 16.2 % (critical from 10 %)` for each signal with a latest value."""
    from warroom.export.signals_view import track_from_data

    lines = []
    for name, data in (signals or {}).items():
        track = track_from_data(name, data)
        values = track.values()
        if not values:
            continue
        latest = values[-1]
        limit = ""
        if track.critical is not None and track.warn is not None:
            limit = f" (warn {format_value(track.warn, track.unit)}, critical {format_value(track.critical, track.unit)})"
        lines.append(f"- {track.name}: {format_value(latest, track.unit)}{limit}")
    return lines


def can_report(
    incident: Incident,
    *,
    now: datetime,
    policy: SeverityPolicy | None = None,
    signals: Mapping[str, Any] | None = None,
) -> str:
    """Conditions, Actions, Needs: the briefing an incoming commander or manager asks for."""
    policy = policy or DEFAULT_POLICIES[incident.severity]
    firing = _still_firing(incident.entries)
    conditions = [
        f"- Severity {incident.severity.value}, status {incident.status.value}, "
        f"open for {format_duration(incident.elapsed(now).total_seconds())}",
        f"- Impact: {incident.impact or '(being assessed)'}",
        f"- Services affected: {_services(incident)}",
    ]
    if firing:
        conditions.append(f"- Alerts still firing: {', '.join(firing)}")
    values = current_values(signals)
    if values:
        conditions += ["- Signals now:", *("  " + v for v in values)]
    needs: list[str] = []
    for role in (Role.TECH_LEAD, Role.COMMS_LEAD):
        if not incident.roles.get(role):
            needs.append(f"- A {role.label.lower()} (role unassigned)")
    for item in incident.action_items():
        if not item.owner and item.status.lower() != "done":
            needs.append(f"- An owner for: {item.text}")
    needs.append("- (add what you need: people, decisions, access)")
    lines = [
        f"CAN report: {headline(incident)} ({incident.id}) at {hm(now)}",
        "",
        "Conditions:",
        *conditions,
        "",
        "Actions:",
        *_bullets(actions_so_far(incident), "None logged yet."),
        "",
        "Needs:",
        *needs,
        "",
        f"Next update: by {hm(next_update_at(incident, now, policy))}",
    ]
    return "\n".join(lines)


def _still_firing(entries: Sequence[Entry]) -> list[str]:
    state: dict[str, bool] = {}
    for e in entries:
        name = str(e.data.get("alert") or e.data.get("name") or "")
        if not name:
            continue
        if e.kind is EntryKind.ALERT_FIRED:
            state[name] = True
        elif e.kind is EntryKind.ALERT_RESOLVED:
            state[name] = False
    return [name for name, firing in state.items() if firing]


def render_status_update(
    kind: str,
    incident: Incident,
    *,
    now: datetime,
    policy: SeverityPolicy | None = None,
    secrets: Iterable[str] = (),
    signals: Mapping[str, Any] | None = None,
) -> str:
    """One of KINDS, filled in, redacted and inert, ready to edit. `signals` (name to a live
    `Series`) gives the CAN report its current values."""
    if kind not in KINDS:
        raise ValueError(f"unknown status update {kind!r}: one of {', '.join(KINDS)}")
    if kind == "can":
        text = can_report(incident, now=now, policy=policy, signals=signals)
    else:
        render = {"investigating": investigating, "update": update, "resolved": resolved}[kind]
        text = render(incident, now=now, policy=policy)
    return inert(redact(text, secrets))


def suggested_kind(incident: Incident) -> str:
    """Which template fits now: the first notice, the all-clear, or a periodic update."""
    if incident.status is Status.RESOLVED:
        return "resolved"
    if incident.status_updates_sent == 0:
        return "investigating"
    return "update"
