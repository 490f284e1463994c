"""Remedy memory for the runbook pane: past incidents loaded once, ranked per alert on demand.

Reading and folding every past incident costs a few hundred milliseconds for a busy store
(benchmarks/bench_history.py), too slow to do on each selection. So the library loads the
newest `max_incidents` once (in a worker, after the first frame), folds live entries in as the
store delivers them, and answers `for_alert` from memory: the ranking alone takes milliseconds.
Nothing here runs a step; it only reads the incident log.
"""

from __future__ import annotations

from collections.abc import Iterable

from warroom.domain.alerts import Alert
from warroom.domain.incident import Entry, EntryKind, Incident
from warroom.domain.ports import IncidentStore
from warroom.domain.remedy_memory import AlertIdentity, RemedyMemory, remember

DEFAULT_MAX_INCIDENTS = 500
EARLY_LIMIT = 1000  # entries held for incidents not yet declared here


def identity_of(alert: Alert) -> AlertIdentity:
    """The alert by name, narrowed to its service when its labels name one."""
    for label in ("service", "job"):
        if alert.labels.get(label):
            return AlertIdentity(alert.name, {label: alert.labels[label]})
    return AlertIdentity(alert.name)


class RemedyLibrary:
    def __init__(self, store: IncidentStore, max_incidents: int = DEFAULT_MAX_INCIDENTS) -> None:
        self.store = store
        self.max_incidents = max_incidents
        self._incidents: dict[str, Incident] = {}
        self._by_alert: dict[str, set[str]] = {}  # alertname -> incidents it fired in
        self._early: dict[str, list[Entry]] = {}

    async def load(self) -> int:
        """Read and fold the newest incidents; returns how many. StoreError propagates."""
        summaries = sorted(await self.store.incidents(), key=lambda s: s.declared_at)
        for summary in summaries[-self.max_incidents :]:
            entries = await self.store.entries(summary.id)
            try:
                incident = Incident.from_entries(entries)
            except ValueError:
                continue
            self._incidents[incident.id] = incident
            self._index(incident.id, entries)
        return len(self._incidents)

    def _index(self, incident_id: str, entries: Iterable[Entry]) -> None:
        for entry in entries:
            if entry.kind is EntryKind.ALERT_FIRED and entry.data.get("alertname"):
                self._by_alert.setdefault(str(entry.data["alertname"]), set()).add(incident_id)

    def add(self, entry: Entry) -> None:
        """Fold one committed entry in (this console's or another's)."""
        incident = self._incidents.get(entry.incident_id)
        if incident is not None:
            incident.apply(entry)
        elif entry.kind is EntryKind.DECLARED:
            early = self._early.pop(entry.incident_id, [])
            self._incidents[entry.incident_id] = Incident.from_entries([entry, *early])
            self._index(entry.incident_id, early)
        else:  # an entry of an incident whose declaration has not arrived (yet)
            if sum(map(len, self._early.values())) < EARLY_LIMIT:
                self._early.setdefault(entry.incident_id, []).append(entry)
            return
        self._index(entry.incident_id, [entry])

    def incidents_for(self, alert: Alert, limit: int = 10) -> list[Incident]:
        """The incidents this alert (by name) fired in, newest first (the alert detail)."""
        ids = self._by_alert.get(alert.name, set())
        found = sorted((self._incidents[i] for i in ids), key=lambda i: i.declared_at)
        return found[::-1][:limit]

    def for_alert(self, alert: Alert) -> RemedyMemory:
        """The ranked remedies for this alert from the incidents it took part in."""
        ids = self._by_alert.get(alert.name, set())
        return remember((self._incidents[i] for i in ids), identity_of(alert))
