"""The incident: an append-only log of entries, and the state folded from it.

History is never rewritten. Declaring, changing status, handing over a role and correcting a
mistake are all entries; `Incident.from_entries` derives the current state from them, so a
store only ever appends and two consoles that hold the same entries agree on everything.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from warroom.domain.log_order import goes_last, stays, timeline


class IncidentSeverity(StrEnum):
    P0 = "P0"
    P1 = "P1"
    P2 = "P2"
    P3 = "P3"

    @classmethod
    def parse(cls, text: str) -> IncidentSeverity:
        key = text.strip().upper()
        if not key.startswith("P"):
            key = "P" + key
        try:
            return cls(key)
        except ValueError:
            raise ValueError(f"severity must be P0, P1, P2 or P3, not {text!r}") from None


@dataclass(frozen=True, slots=True)
class SeverityPolicy:
    """Response expectations per level (defaults from the reference escalation matrix)."""

    response_s: int
    resolution_s: int
    escalation: str
    update_every_s: int = 900


DEFAULT_POLICIES: Mapping[IncidentSeverity, SeverityPolicy] = {
    IncidentSeverity.P0: SeverityPolicy(5 * 60, 30 * 60, "Immediate all-hands", 15 * 60),
    IncidentSeverity.P1: SeverityPolicy(15 * 60, 2 * 3600, "Technical leads", 15 * 60),
    IncidentSeverity.P2: SeverityPolicy(30 * 60, 8 * 3600, "Operations team", 30 * 60),
    IncidentSeverity.P3: SeverityPolicy(2 * 3600, 24 * 3600, "Next business day", 60 * 60),
}
Policies = Mapping[IncidentSeverity, SeverityPolicy]


def policy_for(severity: IncidentSeverity, policies: Policies) -> SeverityPolicy:
    """The configured policy for `severity`, else the default (a config may set only some)."""
    return policies.get(severity, DEFAULT_POLICIES[severity])


class Status(StrEnum):
    INVESTIGATING = "investigating"
    IDENTIFIED = "identified"
    MITIGATING = "mitigating"
    MONITORING = "monitoring"
    RESOLVED = "resolved"


class Role(StrEnum):
    COMMANDER = "commander"
    TECH_LEAD = "tech_lead"
    COMMS_LEAD = "comms_lead"
    SCRIBE = "scribe"
    OBSERVER = "observer"

    @property
    def label(self) -> str:
        return {
            "commander": "Incident commander",
            "tech_lead": "Tech lead",
            "comms_lead": "Communications lead",
            "scribe": "Scribe",
            "observer": "Observer",
        }[self.value]


class EntryKind(StrEnum):
    DECLARED = "declared"
    NOTE = "note"
    DECISION = "decision"
    ACTION_ITEM = "action_item"
    STATUS = "status"
    ROLE = "role"
    SEVERITY = "severity"
    ALERT_FIRED = "alert_fired"
    ALERT_RESOLVED = "alert_resolved"
    ALERT_ACKED = "alert_acked"
    SILENCE = "silence"
    STEP_RUN = "step_run"
    STATUS_UPDATE = "status_update"
    SNAPSHOT = "snapshot"
    CORRECTION = "correction"
    CHANGE = "change"  # a container/pod/rollout change seen inside the incident window
    SERIES = "series"  # a signal's recorded history over the incident window (for the export)
    APPROVAL = "approval"  # four eyes: a destructive step asked for, approved, declined (`domain.approvals`)


# kinds whose `data["key"]` names the fact itself (a change's key, an alert's fingerprint and
# start): entries for one fact share one id, so every console writes it once between them
ONE_FACT = frozenset({EntryKind.CHANGE, EntryKind.ALERT_FIRED, EntryKind.ALERT_RESOLVED})


@dataclass(frozen=True, slots=True)
class Entry:
    """One line of the timeline.

    `at` is when it happened (may be backdated); `recorded_at` is when it was written. Both UTC.
    `data` carries kind-specific fields (JSON-able): status, role/person, exit code, etc.
    `console` is the console that wrote it (its own id, kept with the entry wherever it goes);
    `seq` is the store's commit sequence (None until committed): the shared log's one order.
    """

    id: str
    incident_id: str
    kind: EntryKind
    text: str
    author: str
    at: datetime
    recorded_at: datetime
    data: Mapping[str, Any] = field(default_factory=dict)
    corrects: str | None = None
    console: str = ""
    seq: int | None = None  # set by the store, never part of the stored body

    @property
    def backdated(self) -> bool:
        return abs((self.recorded_at - self.at).total_seconds()) > 1

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "incident_id": self.incident_id,
            "kind": self.kind.value,
            "text": self.text,
            "author": self.author,
            "at": self.at.isoformat(),
            "recorded_at": self.recorded_at.isoformat(),
            "data": dict(self.data),
            "corrects": self.corrects,
            "console": self.console,
        }

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> Entry:
        return cls(
            id=str(raw["id"]),
            incident_id=str(raw["incident_id"]),
            kind=EntryKind(raw["kind"]),
            text=str(raw["text"]),
            author=str(raw["author"]),
            at=datetime.fromisoformat(raw["at"]),
            recorded_at=datetime.fromisoformat(raw["recorded_at"]),
            data=dict(raw.get("data") or {}),
            corrects=raw.get("corrects"),
            console=str(raw.get("console") or ""),
        )


def role_changes(data: Mapping[str, Any]) -> bool:
    """Whether a `role` entry changes who holds the role: a handover offered (`pending`) or
    declined (`accepted` false) does not (`domain.handover`)."""
    return not data.get("pending") and data.get("accepted", True) is not False


def new_entry(
    incident_id: str,
    kind: EntryKind,
    text: str,
    *,
    author: str,
    now: datetime,
    at: datetime | None = None,
    data: Mapping[str, Any] | None = None,
    corrects: str | None = None,
    console: str = "",
) -> Entry:
    key = (data or {}).get("key") if kind in ONE_FACT and incident_id else None
    return Entry(
        # a change, an alert firing or resolving is one fact however many consoles see it
        # (or a restarted one sees again): one id per incident, kind and key, so the store
        # keeps the first and drops the others (`ON CONFLICT DO NOTHING`, `INSERT OR IGNORE`)
        id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"{incident_id}/{kind.value}/{key}"))
        if key
        else str(uuid.uuid4()),
        incident_id=incident_id,
        kind=kind,
        text=text,
        author=author,
        at=at or now,
        recorded_at=now,
        data=dict(data or {}),
        corrects=corrects,
        console=console,
    )


def new_incident_id(now: datetime) -> str:
    """Readable and unique enough across consoles: INC-20261124-0312-ab12."""
    return f"INC-{now:%Y%m%d-%H%M}-{uuid.uuid4().hex[:4]}"


def declare(
    *,
    title: str,
    severity: IncidentSeverity,
    author: str,
    now: datetime,
    services: Sequence[str] = (),
    impact: str = "",
    alert: str | None = None,
    drill: bool = False,
    incident_id: str | None = None,
    console: str = "",
) -> Entry:
    """The first entry of an incident; declaring makes the author its commander."""
    iid = incident_id or new_incident_id(now)
    return new_entry(
        iid,
        EntryKind.DECLARED,
        f"Incident declared: {title} ({severity.value})",
        author=author,
        now=now,
        data={
            "title": title,
            "severity": severity.value,
            "services": list(services),
            "impact": impact,
            "alert": alert,
            "drill": drill,
        },
        console=console,
    )


@dataclass(slots=True)
class ActionItem:
    entry_id: str
    text: str
    owner: str
    due: str
    status: str = "Open"


@dataclass(slots=True)
class Incident:
    """The current state of one incident, folded from its entries in the log's one order
    (`log_order.timeline`: as the store committed them, backdated ones by their time)."""

    id: str
    title: str
    severity: IncidentSeverity
    declared_at: datetime
    declared_by: str
    services: list[str]
    impact: str
    drill: bool = False
    status: Status = Status.INVESTIGATING
    status_changes: list[tuple[Status, datetime]] = field(default_factory=list)
    roles: dict[Role, list[str]] = field(default_factory=dict)
    entries: list[Entry] = field(default_factory=list)
    last_status_update_at: datetime | None = None
    status_updates_sent: int = 0

    @property
    def is_open(self) -> bool:
        return self.status is not Status.RESOLVED

    @property
    def resolved_at(self) -> datetime | None:
        for status, at in reversed(self.status_changes):
            if status is Status.RESOLVED:
                return at
        return None

    @property
    def commander(self) -> str | None:
        people = self.roles.get(Role.COMMANDER)
        return people[-1] if people else None

    def elapsed(self, now: datetime) -> timedelta:
        end = self.resolved_at or now
        return end - self.declared_at

    def next_update_due(self, policy: SeverityPolicy) -> datetime:
        since = self.last_status_update_at or self.declared_at
        return since + timedelta(seconds=policy.update_every_s)

    def status_updates_due(self, policy: SeverityPolicy, now: datetime) -> int:
        """How many status updates the cadence asked for over the incident's life."""
        seconds = self.elapsed(now).total_seconds()
        return max(1, int(seconds // policy.update_every_s))

    def corrected_ids(self) -> set[str]:
        return {e.corrects for e in self.entries if e.corrects}

    @classmethod
    def from_entries(cls, entries: Iterable[Entry]) -> Incident:
        ordered = timeline(entries)
        declared = next((e for e in ordered if e.kind is EntryKind.DECLARED), None)
        if declared is None:
            raise ValueError("an incident needs a 'declared' entry")
        d = declared.data
        incident = cls(
            id=declared.incident_id,
            title=str(d.get("title", "")),
            severity=IncidentSeverity(d.get("severity", "P2")),
            declared_at=declared.at,
            declared_by=declared.author,
            services=list(d.get("services") or []),
            impact=str(d.get("impact", "")),
            drill=bool(d.get("drill", False)),
        )
        incident.roles[Role.COMMANDER] = [declared.author]
        incident.status_changes.append((Status.INVESTIGATING, declared.at))
        for entry in ordered:
            incident._apply(entry)
        return incident

    def apply(self, entry: Entry) -> None:
        """Fold one more entry in (entries arriving live, usually newest). An entry already
        held comes again once the store has committed it (its `seq`): it moves to its place."""
        held = next((i for i, e in enumerate(self.entries) if e.id == entry.id), None)
        if held is None and goes_last(self.entries, entry):
            self._apply(entry)
            return
        if held is not None and entry.seq in (None, self.entries[held].seq):
            return
        if held is not None and stays(self.entries, held, entry):
            self.entries[held] = entry  # numbered where it already stood: nothing to refold
            return
        others = [e for e in self.entries if e.id != entry.id]
        rebuilt = Incident.from_entries([*others, entry])
        for f in fields(self):
            setattr(self, f.name, getattr(rebuilt, f.name))

    def _apply(self, entry: Entry) -> None:
        self.entries.append(entry)
        data = entry.data
        if entry.kind is EntryKind.STATUS:
            status = Status(data["status"])
            self.status = status
            self.status_changes.append((status, entry.at))
        elif entry.kind is EntryKind.ROLE and role_changes(data):
            role = Role(data["role"])
            person = str(data["person"])
            if role is Role.OBSERVER:
                self.roles.setdefault(role, []).append(person)
            else:
                self.roles[role] = [person]
        elif entry.kind is EntryKind.SEVERITY:
            self.severity = IncidentSeverity(data["severity"])
        elif entry.kind is EntryKind.STATUS_UPDATE:
            self.last_status_update_at = entry.at
            self.status_updates_sent += 1
        elif entry.kind is EntryKind.DECLARED:
            pass

    def action_items(self) -> list[ActionItem]:
        items: list[ActionItem] = []
        for entry in self.entries:
            if entry.kind is EntryKind.ACTION_ITEM:
                items.append(
                    ActionItem(
                        entry.id,
                        str(entry.data.get("action") or entry.text),
                        str(entry.data.get("owner") or ""),
                        str(entry.data.get("due") or ""),
                        str(entry.data.get("status") or "Open"),
                    )
                )
        return items
