"""The incident log service: every timeline action the console offers, committed before shown.

`IncidentLog` holds the current incident (folded from its entries) and turns each commander
action into one entry: it appends the entry to the store (which returns only once durable) and
only then folds it in and returns it, so the UI never shows what a kill -9 could lose.

Pre-incident entries (alerts, silences, step runs while no incident is open) wait in a small
in-memory buffer (`PRE_INCIDENT_KEEP` entries, `PRE_INCIDENT_WINDOW_S` seconds) and join the next
declared incident with their original times. Not stored before on purpose: the store holds
incidents only, and alerts and silences are still in Alertmanager if the console dies first.
Every entry is redacted (`entry_redaction`) before the store sees it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from warroom.domain.clock import Clock, utc
from warroom.domain.errors import StoreError, WarroomError
from warroom.domain.incident import (
    DEFAULT_POLICIES,
    Entry,
    EntryKind,
    Incident,
    IncidentSeverity,
    Role,
    SeverityPolicy,
    Status,
    declare,
    new_entry,
)
from warroom.domain.log_order import carried_into
from warroom.domain.ports import IncidentStore, StoreStatus
from warroom.services.entry_redaction import redact_entry, redacted_off_loop
from warroom.services.escalation import Reminder, due_text, reminders
from warroom.services.resume import entries_once_back

PRE_INCIDENT_KEEP = 100
PRE_INCIDENT_WINDOW_S = 3600


class NoIncident(WarroomError):
    """The action needs an open incident and there is none."""


class IncidentLog:
    """The current incident and every way to add to its timeline."""

    def __init__(
        self,
        store: IncidentStore,
        clock: Clock,
        author: str,
        policies: Mapping[IncidentSeverity, SeverityPolicy] = DEFAULT_POLICIES,
        *,
        secrets: Iterable[str] = (),
        resume_poll_s: float = 1.0,
        console: str = "",
    ) -> None:
        self.store = store
        self.clock = clock
        self.author = author
        self.console = console  # this console's id: every entry it writes carries it
        self.policies = policies
        self.secrets = tuple(secrets)
        self.resume_poll_s = resume_poll_s
        self._resume_task: asyncio.Task[None] | None = None
        self.incident: Incident | None = None
        self.on_change: Callable[[Entry], None] | None = None
        self._pre: deque[Entry] = deque(maxlen=PRE_INCIDENT_KEEP)
        self._last_now: datetime | None = None
        store.subscribe(self._on_remote)

    def _now(self) -> datetime:
        """The clock, strictly increasing: entries made in one go keep their order by time."""
        now = self.clock.now()
        if self._last_now is not None and now <= self._last_now:
            now = self._last_now + timedelta(microseconds=1)
        self._last_now = now
        return now

    # ------------------------------------------------------------------ state

    @property
    def store_status(self) -> StoreStatus:
        return self.store.status

    @property
    def pre_incident(self) -> list[Entry]:
        """Entries recorded while no incident was open (they join the next declared one)."""
        return list(self._pre)

    def _require(self) -> Incident:
        """The current incident; a resolved one still takes notes, action items, corrections
        and the final status update until the next is declared."""
        if self.incident is None:
            raise NoIncident("no incident: declare one first (d)")
        return self.incident

    def policy(self) -> SeverityPolicy:
        severity = self.incident.severity if self.incident else IncidentSeverity.P2
        return self.policies.get(severity, DEFAULT_POLICIES[severity])

    async def resume(self) -> Incident | None:
        """Reopen the newest open incident from the store (on start).

        With the store unreachable this raises StoreError saying so, and keeps trying in the
        background: once the store answers, the open incident is loaded and each of its entries
        handed to `on_change` (as entries from other consoles are), unless an incident was
        declared or loaded here meanwhile."""
        try:
            incident_id = await self.store.open_incident_id()
        except StoreError as exc:
            if self.store.status.online:
                raise
            if self._resume_task is None or self._resume_task.done():
                self._resume_task = asyncio.create_task(self._await_store_then_resume())
            raise StoreError(f"{exc}; the open incident is resumed once it is back") from exc
        if incident_id is None:
            self.incident = None
            return None
        return await self.load(incident_id)

    async def _await_store_then_resume(self) -> None:
        entries = await entries_once_back(
            self.store, self.resume_poll_s, wanted=lambda: self.incident is None
        )
        if self.incident is None and entries:
            self.incident = Incident.from_entries(entries)
            for entry in entries:
                self._tell(entry)

    async def aclose(self) -> None:
        """Stop waiting for the store (the console is quitting)."""
        if self._resume_task is not None:
            self._resume_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._resume_task

    async def load(self, incident_id: str) -> Incident:
        entries = await self.store.entries(incident_id)
        if not entries:
            raise WarroomError(f"no incident {incident_id!r} in the store")
        self.incident = Incident.from_entries(entries)
        return self.incident

    async def _commit(self, entry: Entry) -> Entry:
        entry = await redacted_off_loop(entry, self.secrets)
        entry = await self.store.append(entry)  # with its commit sequence, once committed
        if self.incident is not None and entry.incident_id == self.incident.id:
            self.incident.apply(entry)
        return entry

    def _entry(
        self,
        kind: EntryKind,
        text: str,
        *,
        at: datetime | None = None,
        data: Mapping[str, Any] | None = None,
        corrects: str | None = None,
        incident_id: str | None = None,
    ) -> Entry:
        """A new entry by this console's author, now (or backdated to `at`), for the open
        incident, or for `incident_id` ("" for the pre-incident buffer)."""
        return new_entry(
            self._require().id if incident_id is None else incident_id,
            kind,
            text,
            author=self.author,
            now=self._now(),
            at=utc(at) if at is not None else None,
            data=data,
            corrects=corrects,
            console=self.console,
        )

    # ------------------------------------------------------------------ actions

    async def declare(
        self,
        title: str,
        severity: IncidentSeverity | str,
        services: Sequence[str] = (),
        impact: str = "",
        alert: str | None = None,
        drill: bool = False,
    ) -> Entry:
        if self.incident is not None and self.incident.is_open:
            raise WarroomError(f"incident {self.incident.id} is still open: resolve it first")
        if not title.strip():
            raise WarroomError("an incident needs a title")
        sev = (
            severity if isinstance(severity, IncidentSeverity) else IncidentSeverity.parse(severity)
        )
        now = self._now()
        first = declare(
            title=title.strip(),
            severity=sev,
            author=self.author,
            now=now,
            services=services,
            impact=impact,
            alert=alert,
            drill=drill,
            console=self.console,
        )
        horizon = now - timedelta(seconds=PRE_INCIDENT_WINDOW_S)
        carried = carried_into(first.incident_id, [e for e in self._pre if e.at >= horizon])
        first = await self.store.append(redact_entry(first, self.secrets))
        carried = [await self.store.append(entry) for entry in carried]
        self._pre.clear()
        self.incident = Incident.from_entries([first, *carried])
        for entry in carried:  # shown already: now part of the incident, placed by their time
            self._tell(entry)
        return first

    async def note(self, text: str, at: datetime | None = None) -> Entry:
        """A note; `at` backdates it ("happened at 14:02"), the entry keeps both times."""
        return await self._commit(self._entry(EntryKind.NOTE, _text(text), at=at))

    async def decision(self, text: str, at: datetime | None = None) -> Entry:
        return await self._commit(self._entry(EntryKind.DECISION, _text(text), at=at))

    async def action_item(self, text: str, owner: str = "", due: str = "") -> Entry:
        text = _text(text)
        parts = [f"owner {owner}"] * bool(owner) + [f"due {due}"] * bool(due)
        label = f"Action item: {text}" + (f" ({', '.join(parts)})" if parts else "")
        return await self._commit(
            self._entry(
                EntryKind.ACTION_ITEM,
                label,
                data={"action": text, "owner": owner, "due": due, "status": "Open"},
            )
        )

    async def set_status(self, status: Status | str, at: datetime | None = None) -> Entry:
        incident = self._require()
        new = status if isinstance(status, Status) else Status(str(status).lower())
        text = f"Status: {incident.status.value} → {new.value}"
        return await self._commit(
            self._entry(EntryKind.STATUS, text, at=at, data={"status": new.value})
        )

    async def resolve(self, summary: str = "") -> Entry:
        if summary.strip():
            await self.note(summary)
        return await self.set_status(Status.RESOLVED)

    async def assign_role(self, role: Role | str, person: str) -> Entry:
        incident = self._require()
        r = role if isinstance(role, Role) else Role(str(role))
        person = person.strip()
        if not person:
            raise WarroomError("whom? a role needs a person")
        before = incident.roles.get(r, [])
        if r is Role.OBSERVER:
            text = f"{person} joined as observer"
        elif before:
            text = f"{r.label} handed over: {before[-1]} → {person}"
        else:
            text = f"{r.label}: {person}"
        data = {"role": r.value, "person": person, "previous": before[-1] if before else None}
        return await self._commit(self._entry(EntryKind.ROLE, text, data=data))

    async def write(self, kind: EntryKind, text: str, data: Mapping[str, Any]) -> Entry:
        """An entry for the current incident, open or resolved (a handover, an approval)."""
        return await self._commit(self._entry(kind, _text(text), data=data))

    async def set_severity(self, severity: IncidentSeverity | str, reason: str = "") -> Entry:
        incident = self._require()
        sev = (
            severity if isinstance(severity, IncidentSeverity) else IncidentSeverity.parse(severity)
        )
        text = f"Severity: {incident.severity.value} → {sev.value}"
        if reason.strip():
            text += f" ({reason.strip()})"
        return await self._commit(
            self._entry(EntryKind.SEVERITY, text, data={"severity": sev.value})
        )

    async def record(
        self,
        kind: EntryKind,
        text: str,
        data: Mapping[str, Any] | None = None,
        at: datetime | None = None,
    ) -> Entry:
        """Anything the console observes (alerts fired/resolved/acked, silences, step runs).

        With no open incident the entry goes to the pre-incident buffer (see module doc)."""
        if self.incident is None or not self.incident.is_open:
            entry = self._entry(kind, text, at=at, data=data, incident_id="")
            entry = await redacted_off_loop(entry, self.secrets)
            self._pre.append(entry)
            return entry
        return await self._commit(self._entry(kind, text, at=at, data=data))

    async def step_run(
        self,
        runbook: str,
        step: str,
        command: str,
        exit_code: int | None,
        duration_s: float,
        output_ref: str = "",
        error: str | None = None,
    ) -> Entry:
        """A runbook step that ran: the command, its exit status and where its full output is."""
        outcome = "exit ?" if exit_code is None else f"exit {exit_code}"
        outcome += f", {error}" if error else ""
        data: dict[str, Any] = {
            "runbook": runbook,
            "step": step,
            "command": command,
            "exit_code": exit_code,
        }
        data |= {"duration_s": round(duration_s, 3), "output_ref": output_ref, "error": error}
        return await self.record(EntryKind.STEP_RUN, f"Ran {runbook} › {step}: {outcome}", data)

    async def status_update(self, kind: str, text: str) -> Entry:
        """A status update that was sent (copied); resets the cadence timer."""
        return await self._commit(
            self._entry(EntryKind.STATUS_UPDATE, text, data={"template": kind})
        )

    async def pin_snapshot(self, signal_name: str, value_text: str, sparkline: str) -> Entry:
        text = f"{signal_name}: {value_text} {sparkline}".rstrip()
        return await self._commit(
            self._entry(
                EntryKind.SNAPSHOT,
                text,
                data={"signal": signal_name, "value": value_text, "sparkline": sparkline},
            )
        )

    async def correct(self, entry_id: str, text: str) -> Entry:
        """History is never rewritten: a correction is a new entry pointing at the old one."""
        incident = self._require()
        old = next((e for e in incident.entries if e.id == entry_id), None)
        if old is None:
            raise WarroomError(f"no entry {entry_id} in incident {incident.id}")
        return await self._commit(
            self._entry(
                EntryKind.CORRECTION,
                _text(text),
                data={"kind": old.kind.value, "was": old.text},
                corrects=entry_id,
            )
        )

    # ------------------------------------------------------------------ cadence

    def next_update_due(self) -> datetime | None:
        if self.incident is None or not self.incident.is_open:
            return None
        return self.incident.next_update_due(self.policy())

    def update_overdue(self, now: datetime | None = None) -> bool:
        due = self.next_update_due()
        return due is not None and (now or self.clock.now()) > due

    def update_due_text(self, now: datetime | None = None) -> str:
        """For the header: "next update due in 7m" or "update OVERDUE by 3m"."""
        return due_text(self.next_update_due(), now or self.clock.now())

    def escalation_reminders(self, now: datetime | None = None) -> list[Reminder]:
        """Nudges when the incident outlives its severity's limits (`escalation.reminders`)."""
        if self.incident is None or not self.incident.is_open:
            return []
        return reminders(self.incident, self.policy(), now or self.clock.now())

    # ------------------------------------------------------------------ other consoles

    def _on_remote(self, entry: Entry) -> None:
        """Another console's entry, or ours committed at last (with its sequence): fold it in."""
        incident = self.incident
        if incident is not None and entry.incident_id == incident.id:
            incident.apply(entry)
        elif entry.kind is EntryKind.DECLARED and (incident is None or not incident.is_open):
            self.incident = Incident.from_entries([entry])
        else:
            return
        self._tell(entry)

    def _tell(self, entry: Entry) -> None:
        if self.on_change is not None:
            self.on_change(entry)


def _text(text: str) -> str:
    if not (text := text.strip()):
        raise WarroomError("empty entry: nothing to log")
    return text
