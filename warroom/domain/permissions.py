"""Who may do what, now: the one answer the console's gate asks before any action runs.

Three things decide: whether this console only watches (viewer mode: every write refused),
whether the action reads or writes, and the incident's roles (the status and the roles are
the commander's to change, or anyone's while no commander is assigned or the commander's
console has gone, unless the config says `who_changes_status = "anyone"`). A refusal is one sentence that says why.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum

from warroom.domain.incident import Incident

COMMANDER_ONLY = "commander"
ANYONE = "anyone"


class Access(StrEnum):
    READ = "read"  # looks, moves, filters, copies, exports: allowed to a viewer
    WRITE = "write"  # changes the incident, an Alertmanager or a system: never from a viewer


def person_key(person: str) -> str:
    """Who a name is, for comparing: the login before any `@host`, case-folded ("Alice" and
    "alice@bastion" are one person, at any console)."""
    return person.strip().split("@", 1)[0].strip().casefold()


def same_person(a: str, b: str) -> bool:
    return bool(person_key(a)) and person_key(a) == person_key(b)


def short_name(person: str) -> str:
    """How the header and refusals name someone: the login without the host."""
    return person.strip().split("@", 1)[0].strip() or person


@dataclass(frozen=True, slots=True)
class Permissions:
    """The console's standing: who sits at it, whether it only watches, and the setting."""

    person: str
    viewer: bool = False
    who_changes_status: str = COMMANDER_ONLY

    def refusal(
        self,
        what: str,
        access: Access,
        incident: Incident | None,
        *,
        reserved: str = "",
        present: Collection[str] | None = None,
    ) -> str | None:
        """Why this action may not run now, or None. `what` names it ("set status");
        `reserved` is what only the commander does ("changes the status"), "" when anyone
        may. `present`: who sits at the other live consoles (None: not known yet); when the
        commander is at none of them, their console has gone and anyone may take over, or
        the war room would be stuck until they came back."""
        if access is Access.READ:
            return None
        if self.viewer:
            return f"viewer mode: {what} is a change; this console only watches"
        if not reserved or self.who_changes_status == ANYONE or incident is None:
            return None
        commander = incident.commander
        if not commander or same_person(commander, self.person):
            return None
        if present is not None and not any(same_person(commander, p) for p in present):
            return None  # the commander's console is gone: someone must be able to take over
        return f"only the commander ({short_name(commander)}) {reserved}"
