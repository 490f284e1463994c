"""Acks kept alive on their own cadence, apart from the read-only alert refresh.

While the incident is open the keeper's ack silences are extended before they lapse; once it
is resolved they are released. `keep(incident)` does one round and returns what it changed, as
facts for the incident log; the UI calls it on a timer of its own.

Every console that knows an ack (it made it, or adopted it from Alertmanager) would extend it:
so each extension is claimed through the store first, a lease per ack (`IncidentStore.
claim_lease`): the holder renews it every round and extends; the others only follow what the
holder noted (the ack's silence and end), so when the holder goes away the next console takes
over from where it left, without a second silence. With the store unreachable a console acts on
the last lease it saw (its own, or one that has run out): better one extension too many than
an ack that lapses and pages everyone.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta

from warroom.domain.alerts import Placement
from warroom.domain.errors import StoreError
from warroom.domain.incident import Incident
from warroom.domain.ports import IncidentStore, Lease
from warroom.services.acks import AckKeeper
from warroom.services.polling import bounded
from warroom.services.silences import SilenceFact

KEEP_EVERY_S = 30.0  # extensions happen within AckKeeper.extend_within_s (3 min) of lapsing
LEASE_S = 3 * KEEP_EVERY_S  # the holder renews every round; three missed and another takes it


class AckKeepAlive:
    def __init__(
        self,
        keeper: AckKeeper,
        timeout_s: float = 5.0,
        *,
        leases: IncidentStore | None = None,
        console: str = "",
        watch_only: bool = False,
    ) -> None:
        self.keeper = keeper
        self.watch_only = watch_only  # a viewer's console: extends and releases nothing
        self.timeout_s = timeout_s
        self.leases = leases  # None: this console alone keeps its acks (no shared store)
        self.console = console or uuid.uuid4().hex  # who holds a lease: this console's id
        self._known: dict[str, Lease] = {}

    async def keep(self, incident: Incident | None) -> list[SilenceFact]:
        """One round: adopt, extend or release; raises a one-line SourceError on a timeout."""
        keeper = self.keeper
        if self.watch_only:
            return []
        if incident is not None and incident.is_open:
            if keeper.incident_id != incident.id:
                await bounded(keeper.adopt(incident.id), self.timeout_s, "ack adopt")
            if self.leases is None:
                return await bounded(keeper.tick(), self.timeout_s, "ack extend")
            return await bounded(self._extend_claimed(), self.timeout_s * 2, "ack extend")
        if incident is not None and keeper.incident_id == incident.id and keeper.silence_ids:
            return await bounded(keeper.release_all(), self.timeout_s, "ack release")
        return []  # acks made with no incident open simply run out

    async def _extend_claimed(self) -> list[SilenceFact]:
        keeper = self.keeper
        now = keeper.clock.now()
        facts: list[SilenceFact] = []
        for ack in keeper.ack_keys:
            key = keeper.lease_key(ack)
            lease = await self._claim(key, now)
            ack = self._follow(ack, lease)
            if lease.holder != self.console or ack not in keeper.due():
                continue
            fact = await keeper.extend(ack)
            if fact is None:
                continue
            facts.append(fact)
            if fact.placements:  # the ack's key is now its first cluster's id
                ack = fact.placements[0].silence_id
            note = {
                "placements": [[p.cluster, p.silence_id] for p in keeper.placements(ack)],
                "ends_at": keeper.ends_at(ack),
            }
            await self._claim(key, now, json.dumps(note, default=datetime.isoformat))
        return facts

    async def _claim(self, key: str, now: datetime, note: str | None = None) -> Lease:
        until = now + timedelta(seconds=LEASE_S)
        assert self.leases is not None
        try:
            lease = await self.leases.claim_lease(key, self.console, now, until, note)
        except StoreError:
            known = self._known.get(key)
            if known is not None and known.holder != self.console and known.expires_at >= now:
                return known
            lease = Lease(key, self.console, until, note or (known.note if known else ""))
        self._known[key] = lease
        return lease

    def _follow(self, ack: str, lease: Lease) -> str:
        """The ack as the lease's note has it (its silence in each cluster and its end), if that
        is newer than ours; the ack's key."""
        try:
            note = json.loads(lease.note) if lease.note else {}
            ends_at = datetime.fromisoformat(note["ends_at"])
            placements = [Placement(str(c), str(i)) for c, i in note["placements"]]
        except (ValueError, KeyError, TypeError):
            return ack
        if ends_at <= self.keeper.ends_at(ack):
            return ack
        return self.keeper.follow(ack, placements, ends_at)
