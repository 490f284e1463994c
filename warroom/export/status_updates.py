"""Status-update texts a commander pastes into chat or email, filled from the incident.

Plain text on purpose (chat clients mangle Markdown differently); short lines a stakeholder
reads in ten seconds: what is wrong, who is affected, what we are doing, when we speak next.
Pure functions: the UI shows the text for editing, copies it, then logs it as an entry.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

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
from warroom.domain.redaction import redact

KINDS: tuple[str, ...] = ("investigating", "update", "resolved", "can")
TITLES = {
    "investigating": "Investigating",
    "update": "Update",
    "resolved": "Resolved",
    "can": "CAN report",
}

# Entries that count as "what we did" for stakeholders (notes are too chatty for an update).
ACTION_KINDS = (
    EntryKind.DECISION,
    EntryKind.STEP_RUN,
    EntryKind.STATUS,
    EntryKind.SEVERITY,
    EntryKind.SILENCE,
    EntryKind.ALERT_ACKED,
)

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


def actions_so_far(incident: Incident, limit: int = 6) -> list[Entry]:
    """The latest things done, oldest first (corrected entries skipped)."""
    corrected = incident.corrected_ids()
    done = [
        e
        for e in incident.entries
        if e.kind in ACTION_KINDS
        and e.id not in corrected
        and not (e.kind is EntryKind.STATUS and e.at == incident.declared_at)
    ]
    return done[-limit:]


def _bullets(entries: Iterable[Entry], empty: str) -> list[str]:
    lines = [f"- {e.at:%H:%M} {e.text}" for e in entries]
    return lines or [f"- {empty}"]


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
        f"[{incident.severity.value}] INVESTIGATING: {incident.title}",
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
        f"[{incident.severity.value}] UPDATE ({incident.status.value}): {incident.title}",
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


def resolved(incident: Incident, *, now: datetime, policy: SeverityPolicy | None = None) -> str:
    """The all-clear: duration, impact, what fixed it, what follows."""
    end = incident.resolved_at or now
    open_items = [a for a in incident.action_items() if a.status.lower() != "done"]
    lines = [
        f"[{incident.severity.value}] RESOLVED: {incident.title}",
        "",
        f"Incident: {incident.id}" + (" (DRILL)" if incident.drill else ""),
        f"Duration: {hm(incident.declared_at)} to {hm(end)} "
        f"({format_duration((end - incident.declared_at).total_seconds())})",
        f"Impact: {incident.impact or '(to be summarised in the post-mortem)'}",
        f"Services affected: {_services(incident)}",
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


def can_report(incident: Incident, *, now: datetime, policy: SeverityPolicy | None = None) -> str:
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
    needs: list[str] = []
    for role in (Role.TECH_LEAD, Role.COMMS_LEAD):
        if not incident.roles.get(role):
            needs.append(f"- A {role.label.lower()} (role unassigned)")
    for item in incident.action_items():
        if not item.owner and item.status.lower() != "done":
            needs.append(f"- An owner for: {item.text}")
    needs.append("- (add what you need: people, decisions, access)")
    lines = [
        f"CAN report: {incident.title} ({incident.id}) at {hm(now)}",
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
) -> str:
    """One of KINDS, filled in and redacted, ready to edit."""
    render = {
        "investigating": investigating,
        "update": update,
        "resolved": resolved,
        "can": can_report,
    }.get(kind)
    if render is None:
        raise ValueError(f"unknown status update {kind!r}: one of {', '.join(KINDS)}")
    return redact(render(incident, now=now, policy=policy), secrets)


def suggested_kind(incident: Incident) -> str:
    """Which template fits now: the first notice, the all-clear, or a periodic update."""
    if incident.status is Status.RESOLVED:
        return "resolved"
    if incident.status_updates_sent == 0:
        return "investigating"
    return "update"
