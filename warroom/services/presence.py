"""Who else is in the war room: every console writes a heartbeat to the shared store (its id,
the person at it, the roles they hold, whether it only watches) and reads the others'.

A console that missed `STALE_AFTER` beats is gone from the list (quit, crashed, cut off): the
header never claims someone is watching who is not. Missed is judged on this console's own
clock, by when each heartbeat last changed, never by comparing the writer's clock with ours:
a console whose clock is behind still shows, and one long gone never does. The screen calls
`beat` in a worker every `every_s`; the header reads `others(now)` (no IO).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from warroom.domain.clock import Clock
from warroom.domain.incident import Incident, Role
from warroom.domain.ports import IncidentStore, Presence
from warroom.services.polling import bounded

BEAT_EVERY_S = 10.0
STALE_AFTER = 3  # beats missed
LOOK_BACK = timedelta(days=1)  # rows older than this (by their writer's clock) are not read


def roles_held(incident: Incident | None, person: str) -> tuple[str, ...]:
    """The roles `person` holds in the incident (the latest holder of each; any observer)."""
    if incident is None:
        return ()
    return tuple(
        role.value
        for role, people in incident.roles.items()
        if people and (person in people if role is Role.OBSERVER else people[-1] == person)
    )


class PresenceService:
    def __init__(
        self,
        store: IncidentStore,
        clock: Clock,
        console: str,
        person: str,
        *,
        viewer: bool = False,
        every_s: float = BEAT_EVERY_S,
        timeout_s: float = 5.0,
    ) -> None:
        self.store = store
        self.clock = clock
        self.console = console
        self.person = person
        self.viewer = viewer
        self.every_s = every_s
        self.timeout_s = timeout_s
        self._others: list[Presence] = []
        self._heard_at: datetime | None = None  # when the store last told us who is here
        self._heard_since: datetime | None = None  # and since when it has, without a gap
        self._changed: dict[str, tuple[datetime, datetime]] = {}  # beat seen, when (our clock)

    @property
    def stale_after_s(self) -> float:
        return self.every_s * STALE_AFTER

    async def beat(self, incident: Incident | None) -> list[Presence]:
        """Write this console's heartbeat and read who else is here; raises a one-line
        SourceError/StoreError when the store cannot be reached (the list then ages out)."""
        now = self.clock.now()
        me = Presence(
            self.console, self.person, now, roles_held(incident, self.person), self.viewer
        )
        await bounded(self.store.heartbeat(me), self.timeout_s, "presence")
        seen = await bounded(self.store.consoles(now - LOOK_BACK), self.timeout_s, "presence")
        self._others = [p for p in seen if p.console != self.console]
        if self._heard_at is None or (now - self._heard_at).total_seconds() > self.stale_after_s:
            self._heard_since = now
        self._heard_at = now
        stale = timedelta(seconds=self.stale_after_s)
        for p in self._others:
            before = self._changed.get(p.console)
            if before is None:  # first sight: fresh only if its clock agrees it is recent
                recent = abs(now - p.last_seen) <= stale
                self._changed[p.console] = (p.last_seen, now if recent else now - stale * 2)
            elif before[0] != p.last_seen:
                self._changed[p.console] = (p.last_seen, now)
        return self.others(now)

    def present(self, now: datetime | None = None) -> list[str] | None:
        """Who sits at the other live consoles that act (not viewers), or None unless the store
        has told us for a whole stale window without a gap (then nobody is taken to be away:
        a console that just started has not yet heard the others' beats)."""
        now = now or self.clock.now()
        heard, since = self._heard_at, self._heard_since
        if heard is None or since is None or (now - heard).total_seconds() > self.stale_after_s:
            return None
        if (now - since).total_seconds() < self.stale_after_s:
            return None
        return [p.person for p in self.others(now) if not p.viewer]

    def others(self, now: datetime | None = None) -> list[Presence]:
        """The other consoles whose heartbeat changed within the last `STALE_AFTER` beats (on
        this console's clock), by person."""
        horizon = (now or self.clock.now()) - timedelta(seconds=self.stale_after_s)
        return [p for p in self._others if self._changed[p.console][1] >= horizon]
