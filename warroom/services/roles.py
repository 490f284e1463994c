"""Role handover through the shared log: offered by one console, accepted at another.

Handing a role to someone else writes a pending `role` entry (`domain.handover`); the person
named answers from whichever console they sit at (the entry reaches it through the store's
subscription like any other), and only an accepting answer changes the role. Taking a role
yourself, or joining as an observer, needs nobody's answer.
"""

from __future__ import annotations

from warroom.domain.errors import WarroomError
from warroom.domain.handover import (
    Handover,
    answer_data,
    answer_text,
    offer_data,
    offer_text,
    offered_to,
    pending_handovers,
)
from warroom.domain.incident import Entry, EntryKind, Role
from warroom.domain.permissions import same_person
from warroom.services.incident_log import IncidentLog, NoIncident


class RoleDesk:
    """Hand roles over and answer handovers, as the person at this console."""

    def __init__(self, log: IncidentLog, person: str) -> None:
        self.log = log
        self.person = person

    def pending(self) -> list[Handover]:
        incident = self.log.incident
        return pending_handovers(incident.entries) if incident is not None else []

    def offered_to_me(self) -> list[Handover]:
        incident = self.log.incident
        return offered_to(self.person, incident.entries) if incident is not None else []

    async def hand_over(self, role: Role, person: str) -> Entry:
        """`person` gets `role` once they accept; yourself or an observer at once."""
        incident = self.log.incident
        if incident is None:
            raise NoIncident("no incident: declare one first (d)")
        person = person.strip()
        if not person:
            raise WarroomError("whom? a role needs a person")
        if role is Role.OBSERVER or same_person(person, self.person):
            return await self.log.assign_role(role, person)
        before = incident.roles.get(role, [])
        previous = before[-1] if before else None
        if previous is not None and same_person(previous, person):
            raise WarroomError(f"{person} already holds {role.label}")
        text = offer_text(role, person, previous)
        return await self.log.write(EntryKind.ROLE, text, offer_data(role, person, previous))

    async def answer(self, entry_id: str, accepted: bool) -> Entry:
        """Accept or decline a handover offered to this console's person."""
        handover = next((h for h in self.pending() if h.entry_id == entry_id), None)
        if handover is None:
            raise WarroomError("that handover is no longer pending")
        if not same_person(handover.person, self.person):
            raise WarroomError(f"only {handover.person} can answer this handover")
        text = answer_text(handover, accepted, self.person)
        return await self.log.write(EntryKind.ROLE, text, answer_data(handover, accepted))
