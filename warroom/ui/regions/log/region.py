"""The incident-log region: the timeline as the store has it, and the ways to add to it
(declare, notes, roles, status, status updates, export).

Every write goes through the incident-log service in a worker and is shown only once the
store has it (`EntryCommitted`, routed here by the screen, as entries from other consoles).
"""

from __future__ import annotations

from collections import deque
from dataclasses import replace
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.widgets import Input

from warroom.domain.alerts import Alert
from warroom.domain.incident import Entry, EntryKind, Incident, Role, Status
from warroom.domain.note_syntax import NoteInput, parse_note
from warroom.domain.signals import Series
from warroom.domain.untrusted import clip, one_line
from warroom.ui.dialogs.clipboard import copy_text
from warroom.ui.dialogs.prompts import (
    Choose,
    Confirm,
    DeclareDialog,
    DeclareForm,
    EditText,
    TextPrompt,
)
from warroom.ui.regions.base import Access, Action, Region, Services, write_entry
from warroom.ui.regions.log.consent import CONSENT_ACTIONS, CONSENT_DIALOG_ACTIONS, Consent
from warroom.ui.regions.log.guards import ask_before_resolving, declare_from, declare_severity
from warroom.ui.regions.log.view import IncidentLogView, short_id

READ, WRITE = Access.READ, Access.WRITE
STATUS, ROLES = "changes the status", "hands over roles"  # what only the commander does
TYPED = {EntryKind.NOTE, EntryKind.DECISION, EntryKind.ACTION_ITEM, EntryKind.CORRECTION}


class LogRegion(Consent):
    NAME = "log"
    TITLE = "Incident log"
    ACTIONS = (
        Action("d", "declare", "Declare", WRITE),
        Action("n", "note", "Note", WRITE),
        Action("u", "status_update", "Update", WRITE),
        Action("t", "set_status", "Status", WRITE, show=False, reserved=STATUS),
        Action("o", "assign_role", "Roles", WRITE, show=False, reserved=ROLES),
        Action("e", "export", "Export", READ),
        *CONSENT_ACTIONS,
    )
    DIALOG_ACTIONS = (  # the status and role dialogs' answers pass the gate again
        Action("", "apply_status", "Set the status", WRITE, reserved=STATUS),
        Action("", "hand_over", "Hand over a role", WRITE, reserved=ROLES),
        *CONSENT_DIALOG_ACTIONS,
    )

    def __init__(self, services: Services) -> None:
        super().__init__(services)
        self.incident_log = services.incident_log
        self.alert: Alert | None = None  # the selected alert: what a declaration starts from

    def compose(self) -> ComposeResult:
        yield IncidentLogView(id="log-view")

    def _write_entry(self, write: Any) -> None:
        write_entry(self, write)

    def show_alert(self, alert: Alert | None) -> None:
        self.alert = alert  # what a declaration starts from

    def start(self) -> None:
        self.consent_start()

    def show_entry(self, entry: Entry) -> None:
        view = self.query_one(IncidentLogView)
        view.add_entry(entry)
        if entry.kind in TYPED and entry.author == self.ctx.author:
            view.follow()  # what this person just wrote is shown, wherever the cursor was
        self.consent_entry(entry)

    def show_unsaved(self, ids: frozenset[str]) -> None:
        """The store's `unsaved` ids: those entries are marked NOT SAVED until it has them."""
        self.query_one(IncidentLogView).mark_unsaved(ids)

    def action_declare(self) -> None:
        if self.incident_log.incident is not None and self.incident_log.incident.is_open:
            self.notify(
                f"{self.incident_log.incident.id} is already open (t to change status)",
                severity="warning",
            )
            return
        alert = declare_from(self.services.refresh.known, self.alert)
        title = (
            f"{alert.name}: {alert.summary}"
            if alert and alert.summary
            else (alert.name if alert else "")
        )
        severity = declare_severity(alert)
        services = alert.service if alert else ""

        def declared(form: DeclareForm | None) -> None:
            if form is None:
                return
            self._write_entry(
                self.incident_log.declare(
                    form.title,
                    form.severity,
                    form.services,
                    form.impact,
                    alert=alert.name if alert else None,
                    drill=self.ctx.sources.is_drill,
                )
            )

        policies = self.incident_log.policies
        self.app.push_screen(DeclareDialog(title, severity, services, policies), declared)

    def action_note(self, value: str = "") -> None:
        """`n`, or correct/reply from an entry (`value` prefilled: `correct 3f2a9c: `)."""

        def noted(raw: str | None) -> None:
            if not raw:
                return
            now = self.ctx.clock.now()
            try:
                note = parse_note(raw, now)
            except ValueError as exc:
                self.notify(str(exc), severity="error", markup=False)
                return
            day = note.lands_on_another_day(now)
            if day is None or note.at is None:
                self._write_note(note)
                return
            when = f"{note.at.astimezone():%H:%M} on {day:%A %d %B %Y}"
            today = f"{now.astimezone():%A %d %B %H:%M}"
            question = Confirm(
                f"Backdate to {when}?",
                f"That is not today ({today}). No: nothing is written; "
                "write the note again with the time you meant.",
            )
            self.app.push_screen(question, lambda yes: self._write_note(note) if yes else None)

        hint = "a note · @14:02 backdates · decision: … · action: … owner=bob due=…"
        self.app.push_screen(NotePrompt("Add to the log", value=value, placeholder=hint), noted)

    def _write_note(self, note: NoteInput) -> None:
        log = self.incident_log
        if note.kind is EntryKind.DECISION:
            self._write_entry(log.decision(note.text, at=note.at))
        elif note.kind is EntryKind.ACTION_ITEM:
            self._write_entry(log.action_item(note.text, owner=note.owner, due=note.due))
        elif note.kind is EntryKind.CORRECTION:
            incident = log.incident
            entries = reversed(incident.entries) if incident else ()
            target = next((e.id for e in entries if e.id.startswith(note.corrects)), None)
            if target is None:
                self.notify(
                    f"no entry id starts with {one_line(note.corrects)}",
                    severity="error",
                    markup=False,
                )
                return
            self._write_entry(log.correct(target, note.text))
        else:
            self._write_entry(log.note(note.text, at=note.at))

    @on(IncidentLogView.EntryChosen)
    def entry_chosen(self, message: IncidentLogView.EntryChosen) -> None:
        """`enter` on an entry: show it all (or fold it), correct it, reply to it. Correct and
        reply open the note prompt prefilled, through the gate (they write)."""
        message.stop()
        entry = message.entry
        short = short_id(entry.id)
        options = [("fold", "Show all / fold")] if message.folded else []
        options += [("correct", f"Correct it (correct {short}: …)")]
        options += [("reply", f"Reply to it (re {short}: …)")]

        def chosen(choice: str | None) -> None:
            if choice == "fold":
                self.query_one(IncidentLogView).toggle_open(entry.id)
            elif choice == "correct":
                self.post_message(Region.Requested("note", f"correct {short}: "))
            elif choice == "reply":
                self.post_message(Region.Requested("note", f"re {short}: "))

        title = f"Entry {short} · {entry.kind.value} by {entry.author.split('@')[0]}"
        self.app.push_screen(
            Choose(f"{title}\n\n{clip(one_line(entry.text), 300)}", options), chosen
        )

    def action_set_status(self) -> None:
        incident = self.incident_log.incident
        if incident is None:
            self.notify("no incident: press d to declare one", severity="warning")
            return

        def chosen(value: str | None) -> None:
            if value:  # resolving while alerts fire asks first
                alerts = self.services.refresh.known
                request = Region.Requested("apply_status", value)
                ask_before_resolving(self, value, alerts, lambda: self.post_message(request))

        self.app.push_screen(
            Choose("Status", [(s.value, s.value) for s in Status if s is not incident.status]),
            chosen,
        )

    def action_assign_role(self) -> None:
        if self.incident_log.incident is None:
            self.notify("no incident: press d to declare one", severity="warning")
            return

        def role_chosen(role: str | None) -> None:
            if not role:
                return

            def person_given(person: str | None) -> None:
                if person:
                    self.post_message(Region.Requested("hand_over", role, person))

            self.app.push_screen(
                TextPrompt(f"Who is {Role(role).label}?", value=self.ctx.author), person_given
            )

        self.app.push_screen(
            Choose("Assign a role", [(r.value, r.label) for r in Role]), role_chosen
        )

    def action_apply_status(self, value: str) -> None:
        self._write_entry(self.incident_log.set_status(Status(value)))

    def action_hand_over(self, role: str, person: str) -> None:
        self._write_entry(self.services.roles.hand_over(Role(role), person))

    def action_status_update(self) -> None:
        incident = self.incident_log.incident
        if incident is None:
            self.notify("no incident: press d to declare one", severity="warning")
            return
        from warroom.export import status_updates

        kinds = [(k, status_updates.TITLES.get(k, k)) for k in status_updates.KINDS]

        def kind_chosen(kind: str | None) -> None:
            if not kind:
                return
            text = status_updates.render_status_update(
                kind,
                incident,
                now=self.ctx.clock.now(),
                policy=self.incident_log.policy(),
                secrets=self.ctx.secrets,
                signals={s.spec.name: s for s in self.services.scope.series.values()},
            )

            def accepted(final: str | None) -> None:
                if not final:
                    return
                copy_text(self, final)  # OSC 52, and a local clipboard off the loop
                self._write_entry(self.incident_log.status_update(kind, final))
                self.notify("status update copied to the clipboard and logged", timeout=4)

            self.app.push_screen(EditText(f"Status update ({kind})", text), accepted)

        self.app.push_screen(Choose("Status update template", kinds), kind_chosen)

    def action_export(self) -> None:
        incident = self.incident_log.incident
        if incident is None:
            self.notify("no incident to export yet", severity="warning")
            return
        default = f"postmortem-{incident.id}.md"
        if self.app.is_web:  # served: a download in that browser, never a file on the server
            self._export(default, *self._export_snapshot(), download=True)
            return

        def chosen(path: str | None) -> None:
            if path:
                self._ask_if_exists(path)

        self.app.push_screen(TextPrompt("Export the post-mortem to", value=default), chosen)

    @work(thread=True, group="export", exit_on_error=False, description="Look at the export path")
    def _ask_if_exists(self, path: str) -> None:
        """An export never overwrites silently; the look at the disk stays off the loop."""
        from pathlib import Path

        exists = Path(path).expanduser().exists()
        self.app.call_from_thread(self._export_or_ask, path, exists)

    def _export_or_ask(self, path: str, exists: bool) -> None:
        def overwrite(yes: bool | None) -> None:
            if yes:
                self._export(path, *self._export_snapshot())

        if not exists:
            overwrite(True)
        else:
            question = Confirm(f"{path} exists. Overwrite it?", one_line(path))
            self.app.push_screen(question, overwrite)

    def _export_snapshot(self) -> tuple[Incident | None, dict[str, Series]]:
        """The incident and the signals as they are now, copied on the event loop: the export
        thread must not iterate lists and deques the loop keeps appending to."""
        incident = self.incident_log.incident
        if incident is not None:
            incident = replace(
                incident,
                entries=list(incident.entries),
                status_changes=list(incident.status_changes),
                roles={role: list(people) for role, people in incident.roles.items()},
                services=list(incident.services),
            )
        signals = {
            s.spec.name: replace(s, samples=deque(s.samples, maxlen=s.samples.maxlen))
            for s in self.services.scope.series.values()
        }
        return incident, signals

    @work(thread=True, group="export", exit_on_error=False, description="Write the post-mortem")
    def _export(
        self,
        path: str,
        incident: Incident | None,
        signals: dict[str, Series],
        *,
        download: bool = False,
    ) -> None:
        from pathlib import Path

        from warroom.export.postmortem import render_postmortem

        if incident is None:
            return
        text = render_postmortem(
            incident, signals=signals, now=self.ctx.clock.now(), secrets=self.ctx.secrets
        )
        if download:
            self.app.call_from_thread(self._offer_download, path, text)
            return
        try:
            Path(path).expanduser().write_text(text, encoding="utf-8")
        except OSError as exc:
            self.app.call_from_thread(
                self.notify, f"cannot write {path}: {exc}", severity="error", markup=False
            )
            return
        self.app.call_from_thread(self.notify, f"post-mortem written to {path}", timeout=6)

    def _offer_download(self, name: str, text: str) -> None:
        """textual-serve hands the file to the browser that asked (a single-use URL)."""
        from io import BytesIO

        self.app.deliver_binary(
            BytesIO(text.encode("utf-8")), save_filename=name, mime_type="text/markdown"
        )
        self.notify(f"post-mortem offered as a download: {name}", timeout=6, markup=False)


class NotePrompt(TextPrompt):
    """The note prompt: a prefilled start (`correct 3f2a9c: `) is typed after, not replaced
    (a prompt's Input selects its value on focus, so the first key would erase it)."""

    def on_mount(self) -> None:
        field = self.query_one(Input)
        field.select_on_focus = False
        field.cursor_position = len(field.value)
