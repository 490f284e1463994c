"""Escalation nudges: what the incident's severity policy says is overdue, as stable reminders.

Pure rules over an incident, its policy and the time; `IncidentLog.escalation_reminders` applies
them to the current incident.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from warroom.domain.clock import format_duration
from warroom.domain.incident import Incident, IncidentSeverity, SeverityPolicy, Status


@dataclass(frozen=True, slots=True)
class Reminder:
    """An escalation nudge: `key` is stable so the UI can show each one once."""

    key: str
    text: str
    since: datetime


def reminders(incident: Incident, policy: SeverityPolicy, now: datetime) -> list[Reminder]:
    """- Past the response time and still investigating: escalate per the policy.
    - Past the resolution target and still open: escalate per the policy, and for P1-P3
      consider raising the severity.
    - Status update overdue.
    """
    sev = incident.severity.value
    elapsed = (now - incident.declared_at).total_seconds()
    out: list[Reminder] = []
    if elapsed >= policy.response_s and incident.status is Status.INVESTIGATING:
        since = incident.declared_at + timedelta(seconds=policy.response_s)
        out.append(
            Reminder(
                f"response:{sev}",
                f"{sev} still investigating after {format_duration(elapsed)} "
                f"(response target {format_duration(policy.response_s)}): "
                f"escalate to {policy.escalation}",
                since,
            )
        )
    if elapsed >= policy.resolution_s:
        since = incident.declared_at + timedelta(seconds=policy.resolution_s)
        text = (
            f"{sev} open for {format_duration(elapsed)}, past its "
            f"{format_duration(policy.resolution_s)} resolution target: "
            f"escalate to {policy.escalation}"
        )
        if incident.severity is not IncidentSeverity.P0:
            text += "; consider raising the severity"
        out.append(Reminder(f"resolution:{sev}", text, since))
    due = incident.next_update_due(policy)
    if now > due:
        out.append(
            Reminder(
                f"update:{due.isoformat()}",
                f"status update overdue by {format_duration((now - due).total_seconds())}",
                due,
            )
        )
    return out


def due_text(due: datetime | None, now: datetime) -> str:
    """For the header: "next update due in 7m" or "update OVERDUE by 3m" ("" when none)."""
    if due is None:
        return ""
    delta = (due - now).total_seconds()
    if delta >= 0:
        return f"next update due in {format_duration(delta)}"
    return f"update OVERDUE by {format_duration(-delta)}"
