"""What the header says: environment, mode, who else is connected (and what they hold), the
incident with its update cadence, who holds which role, and the store's and sources' health.
Built once a second and on every committed entry; the header repaints only when the text
changed."""

from __future__ import annotations

from collections.abc import Iterable

from warroom.domain.handover import pending_holders
from warroom.domain.incident import Incident, Role
from warroom.domain.milestones import IncidentTimes, incident_times
from warroom.domain.ports import Presence
from warroom.domain.untrusted import one_line
from warroom.services.incident_log import IncidentLog
from warroom.ui.context import ConsoleContext
from warroom.ui.widgets.war_header import HeaderState, mode_text

ROLE_SHORT = {
    Role.COMMANDER: "IC",
    Role.TECH_LEAD: "TL",
    Role.COMMS_LEAD: "Comms",
    Role.SCRIBE: "Scribe",
    Role.OBSERVER: "Obs",
}


_ROLES = {role.value for role in Role}
_CLOCKS: dict[tuple[str, int], IncidentTimes] = {}


def _times(incident: Incident) -> IncidentTimes:
    """`incident_times`, derived again only when the log grew (the header asks every second)."""
    key = (incident.id, len(incident.entries))
    if key not in _CLOCKS:
        _CLOCKS.clear()
        _CLOCKS[key] = incident_times(incident)
    return _CLOCKS[key]


def present_text(others: Iterable[Presence]) -> str:
    """ "bob TL, carol viewer, alice": each other console's person and what they hold."""
    out = []
    for p in others:
        held = [ROLE_SHORT[Role(r)] for r in p.roles if r in _ROLES]
        words = [one_line(p.person.split("@")[0]), "/".join(held), "viewer" * p.viewer]
        out.append(" ".join(w for w in words if w))
    return ", ".join(out)


def header_state(
    ctx: ConsoleContext,
    log: IncidentLog | None,
    *,
    others: Iterable[Presence] = (),
    failing: Iterable[str] = (),
) -> HeaderState:
    """`others`: the other consoles (`PresenceService.others`); `failing`: the names of the
    sources that did not answer the last poll."""
    now = ctx.clock.now()
    sources = ctx.sources
    incident_text = cadence = roles = store = title = commander = incident_id = elapsed = ""
    overdue = False
    incident = log.incident if log else None
    if log is not None and incident is not None:
        times = _times(incident)  # the one incident clock: age counted from impact start
        minutes = int(max(0.0, (now - times.started_at).total_seconds()) // 60)
        incident_text = f"{incident.severity.value} {incident.status.value.upper()}"
        incident_id, elapsed = incident.id, f"{minutes}m since impact"
        title = one_line(incident.title)
        cadence = log.update_due_text(now)
        if cadence.endswith("s") and "m " in cadence:  # minutes: no repaint every second
            cadence = cadence.rsplit(" ", 1)[0]
        overdue = log.update_overdue(now)
        holders: dict[Role, str] = {
            role: one_line(people[-1].split("@")[0])
            for role, people in incident.roles.items()
            if people and role is not Role.OBSERVER
        }
        holders |= pending_holders(incident)  # "alice → bob (pending)" until bob accepts
        commander = f"IC: {holders.pop(Role.COMMANDER)}" if Role.COMMANDER in holders else ""
        roles = " ".join(f"{ROLE_SHORT[role]}: {who}" for role, who in holders.items())
    status = log.store_status if log is not None else None
    if status is not None and status.problem:  # DISK FULL, READ-ONLY: said loudly, with the count
        store = f"STORE {status.problem}: {len(status.unsaved) or status.queued} not saved"
    elif status is not None and not status.online:
        store = f"store offline · {status.queued} queued"
    return HeaderState(
        environment=sources.environment,
        mode=mode_text(drill=sources.is_drill, production=sources.is_production, viewer=ctx.viewer),
        now=now.replace(second=0, microsecond=0),
        incident=incident_text,
        cadence=cadence,
        overdue=overdue,
        store=store,
        roles=roles,
        title=title,
        commander=commander,
        incident_id=incident_id,
        elapsed=elapsed,
        failing=tuple(one_line(name) for name in failing),
        present=present_text(others),
    )
