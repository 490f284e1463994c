"""Role handover: handing a role to someone else is asked, not done.

The commander's `role` entry names the new holder and is marked pending (`data.pending`);
the role changes only when the person named answers with a `role` entry of their own that
accepts it (`data.answers`, `data.accepted`). Every console folds the same entries, so the
pending handover shows on each, and the prompt appears wherever the named person sits.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from warroom.domain.incident import Entry, EntryKind, Incident, Role
from warroom.domain.permissions import same_person, short_name


@dataclass(frozen=True, slots=True)
class Handover:
    """A role offered to `person` by `by`, waiting for their answer."""

    entry_id: str
    role: Role
    person: str
    previous: str | None
    by: str
    at: datetime

    @property
    def text(self) -> str:
        was = short_name(self.previous) if self.previous else "nobody"
        return f"{self.role.label}: {was} → {short_name(self.person)} (pending)"


def offer_data(role: Role, person: str, previous: str | None) -> dict[str, Any]:
    return {"role": role.value, "person": person, "previous": previous, "pending": True}


def offer_text(role: Role, person: str, previous: str | None) -> str:
    was = previous or "nobody"
    return f"{role.label} handover: {was} → {person} (pending until {person} accepts)"


def answer_data(handover: Handover, accepted: bool) -> dict[str, Any]:
    """The new holder's answer; an accepting one is the entry that changes the role."""
    return {
        "role": handover.role.value,
        "person": handover.person,
        "previous": handover.previous,
        "answers": handover.entry_id,
        "accepted": accepted,
    }


def answer_text(handover: Handover, accepted: bool, by: str) -> str:
    if accepted:
        return f"{by} accepted {handover.role.label} (handed over by {handover.by})"
    keeps = handover.previous or "nobody"
    return f"{by} declined {handover.role.label}; it stays with {keeps}"


def _offer(entry: Entry) -> Handover | None:
    data = entry.data
    if entry.kind is not EntryKind.ROLE or not data.get("pending"):
        return None
    try:
        role = Role(str(data.get("role")))
    except ValueError:
        return None
    previous = data.get("previous")
    return Handover(
        entry.id,
        role,
        str(data.get("person") or ""),
        str(previous) if previous else None,
        entry.author,
        entry.at,
    )


def pending_handovers(entries: Iterable[Entry]) -> list[Handover]:
    """Offers not yet answered, one per role: a newer offer, or the role changing by other
    means, replaces an older one."""
    pending: dict[Role, Handover] = {}
    for entry in entries:
        if entry.kind is not EntryKind.ROLE:
            continue
        offer = _offer(entry)
        if offer is not None:
            pending[offer.role] = offer
            continue
        answered = entry.data.get("answers")
        for role, waiting in list(pending.items()):
            if answered == waiting.entry_id or (
                not answered and role.value == entry.data.get("role")
            ):
                del pending[role]
    return list(pending.values())


def offered_to(person: str, entries: Iterable[Entry]) -> list[Handover]:
    return [h for h in pending_handovers(entries) if same_person(h.person, person)]


_MEMO: dict[tuple[str, int], dict[Role, str]] = {}


def pending_holders(incident: Incident) -> dict[Role, str]:
    """For the header: each role with a pending handover as "alice → bob (pending)" (derived
    again only when the log grew: the header asks every second)."""
    key = (incident.id, len(incident.entries))
    if key not in _MEMO:
        _MEMO.clear()
        _MEMO[key] = {
            h.role: f"{short_name(h.previous) if h.previous else '-'} → {short_name(h.person)} (pending)"
            for h in pending_handovers(incident.entries)
        }
    return _MEMO[key]
