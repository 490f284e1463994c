"""Acks kept alive on their own cadence, apart from the read-only alert refresh.

While the incident is open the keeper's ack silences are extended before they lapse; once it
is resolved they are released. `keep(incident)` does one round and returns what it changed, as
facts for the incident log; the UI calls it on a timer of its own.
"""

from __future__ import annotations

from warroom.domain.incident import Incident
from warroom.services.acks import AckKeeper
from warroom.services.polling import bounded
from warroom.services.silences import SilenceFact

KEEP_EVERY_S = 30.0  # extensions happen within AckKeeper.extend_within_s (3 min) of lapsing


class AckKeepAlive:
    def __init__(self, keeper: AckKeeper, timeout_s: float = 5.0) -> None:
        self.keeper = keeper
        self.timeout_s = timeout_s

    async def keep(self, incident: Incident | None) -> list[SilenceFact]:
        """One round: adopt, extend or release; raises a one-line SourceError on a timeout."""
        keeper = self.keeper
        if incident is not None and incident.is_open:
            if keeper.incident_id != incident.id:
                await bounded(keeper.adopt(incident.id), self.timeout_s, "ack adopt")
            return await bounded(keeper.tick(), self.timeout_s, "ack extend")
        if incident is not None and keeper.incident_id == incident.id and keeper.silence_ids:
            return await bounded(keeper.release_all(), self.timeout_s, "ack release")
        return []  # acks made with no incident open simply run out
