"""The war room: four regions on one screen, fed by workers, never waiting on IO.

Poll → render → re-arm: each poll runs in a worker with a timeout, posts a fact, and the
handler renders it and schedules the next poll. Nothing here awaits a source directly.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Container, Grid, Vertical
from textual.css.query import NoMatches
from textual.widget import Widget
from textual.widgets import Footer, Input, Static
from textual.worker import Worker, WorkerState

from warroom.config import Settings
from warroom.domain.alerts import (
    Alert,
    AlertFilter,
    Severity,
)
from warroom.domain.errors import WarroomError
from warroom.domain.incident import (
    DEFAULT_POLICIES,
    EntryKind,
    IncidentSeverity,
    Role,
    SeverityPolicy,
    Status,
)
from warroom.domain.note_syntax import parse_note
from warroom.domain.ports import RenderedStep, StepResult
from warroom.domain.runbooks import Risk, Section, Step
from warroom.domain.signals import format_value, sparkline_text
from warroom.services.acks import mark_acked
from warroom.services.incident_log import IncidentLog
from warroom.services.polling import AlertPoller, SignalPoller, bounded
from warroom.ui.context import ConsoleContext
from warroom.ui.messages import (
    AlertsRefreshed,
    EntryCommitted,
    SignalsRefreshed,
    StepFinished,
    StepOutput,
)
from warroom.ui.screens.dialogs import (
    Choose,
    Confirm,
    DeclareDialog,
    DeclareForm,
    EditText,
    TextPrompt,
)
from warroom.ui.screens.silence_actions import SilenceActions
from warroom.ui.widgets.alert_list import AlertList
from warroom.ui.widgets.incident_log import IncidentLogView
from warroom.ui.widgets.runbook_pane import RunbookPane
from warroom.ui.widgets.signal_panel import SignalPanel
from warroom.ui.widgets.war_header import HeaderState, WarHeader

REGIONS = ("alerts-region", "signals-region", "runbook-region", "log-region")
REGION_TITLES = {
    "alerts-region": "Firing alerts",
    "signals-region": "Golden signals",
    "runbook-region": "Runbook",
    "log-region": "Incident log",
}
SOURCE_TIMEOUT_S = 5.0
ROLE_SHORT = {
    Role.COMMANDER: "IC",
    Role.TECH_LEAD: "TL",
    Role.COMMS_LEAD: "Comms",
    Role.SCRIBE: "Scribe",
    Role.OBSERVER: "Obs",
}


class WarRoomScreen(SilenceActions):
    BINDINGS = [
        Binding("question_mark", "help", "Help", id="warroom.help"),
        Binding("slash", "filter", "Filter", id="warroom.filter"),
        Binding("g", "group", "Group", id="warroom.group"),
        Binding(
            "tab", "next_region", "Next pane", show=False, id="warroom.next_region", priority=True
        ),
        Binding(
            "shift+tab",
            "previous_region",
            "Prev pane",
            show=False,
            id="warroom.previous_region",
            priority=True,
        ),
        Binding("d", "declare", "Declare", id="warroom.declare"),
        Binding("n", "note", "Note", id="warroom.note"),
        Binding("enter", "run_step", "Open/Run", id="warroom.run_step"),
        Binding("s", "silence", "Silence", id="warroom.silence"),
        Binding("S", "bulk_silence", "Silence filtered", show=False, id="warroom.bulk_silence"),
        Binding("a", "ack", "Ack", id="warroom.ack"),
        Binding("x", "silences", "Silences", show=False, id="warroom.silences"),
        Binding("v", "pick_service", "Service", show=False, id="warroom.pick_service"),
        Binding("u", "status_update", "Update", id="warroom.status_update"),
        Binding("t", "set_status", "Status", show=False, id="warroom.set_status"),
        Binding("o", "assign_role", "Roles", show=False, id="warroom.assign_role"),
        Binding("p", "pin", "Pin signal", show=False, id="warroom.pin"),
        Binding(
            "h", "toggle_suppressed", "Hide silenced", show=False, id="warroom.toggle_suppressed"
        ),
        Binding("r", "refresh_now", "Refresh", show=False, id="warroom.refresh"),
        Binding("e", "export", "Export", id="warroom.export"),
        Binding(
            "ctrl+c",
            "cancel_step",
            "Cancel step",
            show=False,
            id="warroom.cancel_step",
            priority=True,
        ),
        Binding("escape", "escape", show=False, id="warroom.escape"),
        Binding("q", "quit", "Quit", id="warroom.quit"),
    ]

    def __init__(self, ctx: ConsoleContext) -> None:
        super().__init__()
        self.ctx = ctx
        settings = ctx.settings
        self.alert_poller = AlertPoller(ctx.sources.alert_sources, ctx.clock, SOURCE_TIMEOUT_S)
        self.signal_poller = SignalPoller(
            settings.signals, ctx.sources.signal_sources, ctx.clock, SOURCE_TIMEOUT_S
        )
        self.incident_log = IncidentLog(ctx.store, ctx.clock, ctx.author, policies_for(settings))
        self.alerts: list[Alert] = []
        self.service: str | None = None
        self.selected: Alert | None = None
        self.region_index = 0
        self._step_worker: Worker[Any] | None = None
        self._alert_timer: Any = None
        self._signal_timer: Any = None
        self._reminded: set[str] = set()
        self._first_alert_poll = True
        self._runner: Any = None
        self._setup_silences()

    # ------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        yield WarHeader(self._header_state(), id="header")
        if self.ctx.sources.is_drill:
            scenario = f" · {self.ctx.scenario}" if self.ctx.scenario else ""
            yield Static(
                f"▚▚ DRILL ▚▚ simulated incident{scenario} · no real command runs ▚▚ DRILL ▚▚",
                id="drill-banner",
            )
        yield Static("", id="region-tabs")
        with Grid(id="regions"):
            with Vertical(id="alerts-region", classes="region"):
                yield Input(
                    placeholder="filter: words or label=value, enter to apply, esc to clear",
                    id="alert-filter",
                )
                yield AlertList(id="alert-list")
            with Container(id="signals-region", classes="region"):
                for spec in self.ctx.settings.signals:
                    yield SignalPanel(self.signal_poller.series[spec.key], id=f"signal-{spec.key}")
            yield RunbookPane(id="runbook-region", classes="region")
            yield IncidentLogView(id="log-region", classes="region")
        yield Footer()

    def on_mount(self) -> None:
        for region_id, title in REGION_TITLES.items():
            self.query_one(f"#{region_id}").border_title = title
        self.query_one(AlertList).focus()
        self.set_class(self.ctx.sources.is_production, "-production")
        self.query_one(WarHeader).set_class(self.ctx.sources.is_production, "-production")
        self.incident_log.on_change = self._remote_entry
        self._update_compact()
        self._resume_incident()
        self._start_signals()
        self.poll_alerts()
        self.set_interval(1.0, self._tick)

    def on_resize(self) -> None:
        self._update_compact()

    def _update_compact(self) -> None:
        compact = self.size.width < 110 or self.size.height < 32
        self.set_class(compact, "-compact")
        self._show_region(REGIONS[self.region_index], focus=False)

    def _show_region(self, region_id: str, focus: bool = True) -> None:
        for rid in REGIONS:
            self.query_one(f"#{rid}").set_class(rid == region_id, "-current")
        tabs = Text()
        for i, rid in enumerate(REGIONS):
            style = "reverse bold" if rid == region_id else ""
            tabs.append(f" {i + 1} {REGION_TITLES[rid]} ", style)
            tabs.append(" ")
        tabs.append("  tab: next pane", "dim")
        self.query_one("#region-tabs", Static).update(tabs)
        if focus:
            self._focus_region(region_id)

    def _focus_region(self, region_id: str) -> None:
        target = {
            "alerts-region": "#alert-list",
            "signals-region": "#signals-region",
            "runbook-region": "#runbook-steps",
            "log-region": "#log-region",
        }[region_id]
        try:
            widget = self.query_one(target)
        except NoMatches:
            return
        if widget.focusable:
            widget.focus()
        else:
            self.set_focus(None)

    # ------------------------------------------------------------------ ticking

    def _tick(self) -> None:
        """Once a second: the header (which repaints only when its text changes) and nudges."""
        self.query_one(WarHeader).update_state(self._header_state())
        for reminder in self.incident_log.escalation_reminders():
            if reminder.key not in self._reminded:
                self._reminded.add(reminder.key)
                self.notify(reminder.text, title="Escalation", severity="warning", timeout=15)

    def _header_state(self) -> HeaderState:
        now = self.ctx.clock.now()
        modes = []
        if self.ctx.sources.is_drill:
            modes.append("DRILL")
        elif self.ctx.sources.is_production:
            modes.append("PRODUCTION")
        else:
            modes.append("LIVE")
        if self.ctx.viewer:
            modes.append("VIEWER (runs nothing)")
        incident_text = cadence = roles = ""
        overdue = False
        log = getattr(self, "incident_log", None)
        incident = log.incident if log else None
        if incident is not None:
            elapsed = incident.elapsed(now).total_seconds()
            minutes = int(elapsed // 60)
            incident_text = (
                f"{incident.id} {incident.severity.value} {incident.status.value.upper()} · "
                f"{incident.title} · {minutes}m"
            )
            cadence = log.update_due_text(now) if log else ""
            if cadence:
                # minute resolution keeps the header from repainting every second
                cadence = (
                    cadence.rsplit(" ", 1)[0]
                    if cadence.endswith("s") and "m " in cadence
                    else cadence
                )
            overdue = log.update_overdue(now) if log else False
            named = [
                f"{ROLE_SHORT[role]}: {people[-1].split('@')[0]}"
                for role, people in incident.roles.items()
                if people and role is not Role.OBSERVER
            ]
            roles = " ".join(named)
        store = ""
        if log is not None:
            status = log.store_status
            if not status.online:
                store = f"store offline, {status.queued} queued"
        return HeaderState(
            environment=self.ctx.sources.environment,
            mode=" · ".join(modes),
            now=now.replace(second=0, microsecond=0),
            incident=incident_text,
            cadence=cadence,
            overdue=overdue,
            store=store,
            roles=roles,
        )

    # ------------------------------------------------------------------ alerts

    @work(
        exclusive=True, group="poll-alerts", exit_on_error=False, description="Fetch firing alerts"
    )
    async def poll_alerts(self) -> None:
        snapshot = await self.alert_poller.poll()
        try:
            await self._keep_acks()
        except WarroomError as exc:
            self.notify(f"acks: {exc}", severity="warning", timeout=6)
        if any(a.silenced_by for a in snapshot.alerts):
            # acks are silences: mark the alerts they cover with who and when
            silences, _errors = await bounded(
                self.silence_service.list(), SOURCE_TIMEOUT_S, "silences"
            )
            snapshot = replace(snapshot, alerts=mark_acked(snapshot.alerts, silences))
        self.post_message(AlertsRefreshed(snapshot))

    @on(AlertsRefreshed)
    def alerts_refreshed(self, message: AlertsRefreshed) -> None:
        snapshot = message.snapshot
        self.alerts = snapshot.alerts
        alert_list = self.query_one(AlertList)
        alert_list.show(snapshot.alerts, snapshot.fetched_at)
        region = self.query_one("#alerts-region")
        count = sum(1 for a in snapshot.alerts if not a.is_silenced and not a.is_inhibited)
        errors = (
            "⚠ " + "; ".join(f"{k}: {v}" for k, v in snapshot.errors.items())
            if snapshot.errors
            else ""
        )
        _retitle(region, f"Firing alerts ({count})", errors)
        new_critical = {a.fingerprint for a in snapshot.fired if a.severity is Severity.CRITICAL}
        if new_critical and not self._first_alert_poll:
            alert_list.flash(new_critical)
            if self.ctx.settings.bell and not self.ctx.viewer:
                self.app.bell()
        self._first_alert_poll = False
        for alert in snapshot.fired:
            self._log(
                EntryKind.ALERT_FIRED,
                f"{alert.severity.word} {alert.name} firing: {alert.summary}".strip(),
                {
                    "alertname": alert.name,
                    "labels": dict(alert.labels),
                    "fingerprint": alert.fingerprint,
                },
            )
        for alert in snapshot.resolved:
            self._log(
                EntryKind.ALERT_RESOLVED,
                f"{alert.name} resolved",
                {"alertname": alert.name, "fingerprint": alert.fingerprint},
            )
        self._schedule_alert_poll()

    def _schedule_alert_poll(self, delay: float | None = None) -> None:
        if self._alert_timer is not None:
            self._alert_timer.stop()
        self._alert_timer = self.set_timer(delay or self.ctx.settings.refresh_s, self.poll_alerts)

    @on(AlertList.Highlighted)
    def alert_highlighted(self, message: AlertList.Highlighted) -> None:
        alert = message.alert
        self.selected = alert
        pane = self.query_one(RunbookPane)
        if alert is None:
            pane.show_section(None, None)
            return
        pane.show_section(self.ctx.library.section_for(alert.name, alert.annotations), alert.name)
        self._scope(alert.service or None)

    # ------------------------------------------------------------------ signals

    def action_pick_service(self) -> None:
        if self.ctx.sources.catalog is None:
            self.notify(
                "no service catalog: the signals follow the selected alert", severity="warning"
            )
            return
        self._pick_service()

    @work(group="catalog", exit_on_error=False, description="List services")
    async def _pick_service(self) -> None:
        catalog = self.ctx.sources.catalog
        assert catalog is not None
        try:
            services = await bounded(catalog.services(), SOURCE_TIMEOUT_S, "services")
        except WarroomError as exc:
            self.notify(f"services: {exc}", severity="error")
            return

        def chosen(service: str | None) -> None:
            if service is not None:
                self._scope(service or None)

        options = [("", "all services"), *((s, s) for s in services)]
        self.app.push_screen(Choose("Signals for which service?", options), chosen)

    def _scope(self, service: str | None) -> None:
        """Point the golden signals at another service (the selected alert's, or a pick)."""
        if service == self.service:
            return
        self.service = service
        self.signal_poller.reset_scope()
        now = self.ctx.clock.now()
        for panel in self.query(SignalPanel):
            panel.update_series(self.signal_poller.series[panel.series.spec.key], now)
        self._start_signals()

    def _start_signals(self) -> None:
        self.backfill_and_poll_signals()

    @work(
        exclusive=True,
        group="poll-signals",
        exit_on_error=False,
        description="Sample golden signals",
    )
    async def backfill_and_poll_signals(self) -> None:
        await self.signal_poller.backfill(self.service)
        await self._poll_signals_once()

    @work(
        exclusive=True,
        group="poll-signals",
        exit_on_error=False,
        description="Sample golden signals",
    )
    async def poll_signals(self) -> None:
        await self._poll_signals_once()

    async def _poll_signals_once(self) -> None:
        await self.signal_poller.poll(self.service)
        self.post_message(SignalsRefreshed(ok=self.signal_poller.failures == 0))

    @on(SignalsRefreshed)
    def signals_refreshed(self, message: SignalsRefreshed) -> None:
        now = self.ctx.clock.now()
        for panel in self.query(SignalPanel):
            panel.update_series(self.signal_poller.series[panel.series.spec.key], now)
        region = self.query_one("#signals-region")
        _retitle(
            region,
            f"Golden signals · {self.service}" if self.service else "Golden signals",
        )
        if self._signal_timer is not None:
            self._signal_timer.stop()
        self._signal_timer = self.set_timer(
            self.signal_poller.next_delay(self.ctx.settings.refresh_s), self.poll_signals
        )

    def action_refresh_now(self) -> None:
        self.poll_alerts()
        self.poll_signals()
        self.notify("refreshing now", timeout=2)

    # ------------------------------------------------------------------ incident

    def _log(self, kind: EntryKind, text: str, data: dict[str, Any] | None = None) -> None:
        """Write an entry in a worker; it is shown once the store has it."""
        self._write_entry(self.incident_log.record(kind, text, data))

    @work(group="incident-log", exit_on_error=False, description="Write to the incident log")
    async def _write_entry(self, write: Any) -> None:
        try:
            entry = await write
        except WarroomError as exc:
            self.notify(str(exc), severity="error")
            return
        self.post_message(EntryCommitted(entry))

    @on(EntryCommitted)
    def entry_committed(self, message: EntryCommitted) -> None:
        self.query_one(IncidentLogView).add_entry(message.entry)
        self.query_one(WarHeader).update_state(self._header_state())

    def _remote_entry(self, entry: Any) -> None:
        self.post_message(EntryCommitted(entry))

    @work(group="incident-log", exit_on_error=False, description="Resume the open incident")
    async def _resume_incident(self) -> None:
        try:
            await asyncio.wait_for(self.ctx.store.open(), 10)
            incident = await asyncio.wait_for(self.incident_log.resume(), 10)
        except (WarroomError, TimeoutError) as exc:
            self.notify(f"incident store: {exc}", severity="error")
            return
        if incident is not None:
            for entry in incident.entries:
                self.post_message(EntryCommitted(entry))
            self.notify(f"resumed {incident.id}: {incident.title}", timeout=4)

    def action_declare(self) -> None:
        if self.ctx.viewer:
            self.notify(
                "viewer mode: declaring is done from a commander's console", severity="warning"
            )
            return
        if self.incident_log.incident is not None and self.incident_log.incident.is_open:
            self.notify(
                f"{self.incident_log.incident.id} is already open (t to change status)",
                severity="warning",
            )
            return
        alert = self.selected
        title = (
            f"{alert.name}: {alert.summary}"
            if alert and alert.summary
            else (alert.name if alert else "")
        )
        severity = (
            IncidentSeverity.P1
            if alert and alert.severity is Severity.CRITICAL
            else IncidentSeverity.P2
        )
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
            self._after_declare()

        self.app.push_screen(DeclareDialog(title, severity, services), declared)

    @work(group="incident-log", exit_on_error=False)
    async def _after_declare(self) -> None:
        # entries carried over from before the declaration are now in the incident
        await asyncio.sleep(0.2)
        incident = self.incident_log.incident
        if incident is not None:
            for entry in incident.entries:
                self.post_message(EntryCommitted(entry))

    def action_note(self) -> None:
        def noted(raw: str | None) -> None:
            if not raw:
                return
            try:
                note = parse_note(raw, self.ctx.clock.now())
            except ValueError as exc:
                self.notify(str(exc), severity="error")
                return
            log = self.incident_log
            if note.kind is EntryKind.DECISION:
                self._write_entry(log.decision(note.text, at=note.at))
            elif note.kind is EntryKind.ACTION_ITEM:
                self._write_entry(log.action_item(note.text, owner=note.owner, due=note.due))
            elif note.kind is EntryKind.CORRECTION:
                incident = log.incident
                target = (
                    next(
                        (
                            e.id
                            for e in reversed(incident.entries)
                            if e.id.startswith(note.corrects)
                        ),
                        None,
                    )
                    if incident
                    else None
                )
                if target is None:
                    self.notify(f"no entry id starts with {note.corrects}", severity="error")
                    return
                self._write_entry(log.correct(target, note.text))
            else:
                self._write_entry(log.note(note.text, at=note.at))

        self.app.push_screen(
            TextPrompt(
                "Add to the log",
                placeholder="a note · @14:02 backdates · decision: … · action: … owner=bob due=…",
            ),
            noted,
        )

    def action_set_status(self) -> None:
        incident = self.incident_log.incident
        if incident is None:
            self.notify("no incident: press d to declare one", severity="warning")
            return

        def chosen(value: str | None) -> None:
            if value:
                self._write_entry(self.incident_log.set_status(Status(value)))

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
                    self._write_entry(self.incident_log.assign_role(Role(role), person))

            self.app.push_screen(
                TextPrompt(f"Who is {Role(role).label}?", value=self.ctx.author), person_given
            )

        self.app.push_screen(
            Choose("Assign a role", [(r.value, r.label) for r in Role]), role_chosen
        )

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
                kind, incident, now=self.ctx.clock.now(), policy=self.incident_log.policy()
            )

            def accepted(final: str | None) -> None:
                if not final:
                    return
                self.app.copy_to_clipboard(final)
                _pyperclip_copy(final)
                self._write_entry(self.incident_log.status_update(kind, final))
                self.notify("status update copied to the clipboard and logged", timeout=4)

            self.app.push_screen(EditText(f"Status update ({kind})", text), accepted)

        self.app.push_screen(Choose("Status update template", kinds), kind_chosen)

    def action_pin(self) -> None:
        focused = self.focused
        panels = list(self.query(SignalPanel))
        panel = focused if isinstance(focused, SignalPanel) else (panels[0] if panels else None)
        if panel is None:
            return
        series = panel.series
        latest = series.latest
        value = format_value(latest.value if latest else None, series.spec.unit)
        spark = sparkline_text(series.values(), 30)
        self._write_entry(self.incident_log.pin_snapshot(series.spec.name, value, spark))

    def action_export(self) -> None:
        incident = self.incident_log.incident
        if incident is None:
            self.notify("no incident to export yet", severity="warning")
            return
        default = f"postmortem-{incident.id}.md"

        def chosen(path: str | None) -> None:
            if path:
                self._export(path)

        self.app.push_screen(TextPrompt("Export the post-mortem to", value=default), chosen)

    @work(thread=True, group="export", exit_on_error=False, description="Write the post-mortem")
    def _export(self, path: str) -> None:
        from pathlib import Path

        from warroom.export.postmortem import render_postmortem

        incident = self.incident_log.incident
        if incident is None:
            return
        signals = {s.spec.name: s for s in self.signal_poller.series.values()}
        text = render_postmortem(incident, signals=signals, now=self.ctx.clock.now())
        try:
            Path(path).expanduser().write_text(text, encoding="utf-8")
        except OSError as exc:
            self.app.call_from_thread(self.notify, f"cannot write {path}: {exc}", severity="error")
            return
        self.app.call_from_thread(self.notify, f"post-mortem written to {path}", timeout=6)

    # ------------------------------------------------------------------ runbook steps

    def action_run_step(self) -> None:
        focused = self.focused
        if isinstance(focused, AlertList):
            self.region_index = REGIONS.index("runbook-region")
            self._show_region("runbook-region")
            return
        if isinstance(focused, Input):
            return
        pane = self.query_one(RunbookPane)
        step = pane.selected_step
        if step is not None and pane.section is not None:
            self._start_step(step, pane.section)

    @on(RunbookPane.StepChosen)
    def step_chosen(self, message: RunbookPane.StepChosen) -> None:
        self._start_step(message.step, message.section)

    def _start_step(self, step: Step, section: Section) -> None:
        from warroom.domain.placeholders import missing_values, render_step

        if not step.kind.runnable:
            self.notify("this block is text: shown, never run", timeout=3)
            return
        if self.ctx.viewer:
            self.notify("viewer mode: steps are shown, never run", severity="warning")
            return
        if self._step_worker is not None and self._step_worker.is_running:
            self.notify("a step is already running (ctrl+c cancels it)", severity="warning")
            return
        labels = dict(self.selected.labels) if self.selected else {}
        if self.selected:
            labels.setdefault("alertname", self.selected.name)
        values: dict[str, str] = {}
        missing = list(missing_values(step, labels))

        def ask_next() -> None:
            if missing:
                name = missing[0]

                def given(value: str | None) -> None:
                    if value is None:
                        return
                    values[name] = value
                    missing.pop(0)
                    ask_next()

                self.app.push_screen(TextPrompt(f"Value for <{name}>", hint=step.first_line), given)
                return
            try:
                rendered = render_step(step, labels, values)
            except WarroomError as exc:
                self.notify(str(exc), severity="error")
                return
            self._confirm_and_run(rendered)

        ask_next()

    def _confirm_and_run(self, rendered: RenderedStep) -> None:
        risk = rendered.risk
        if risk is Risk.READ:
            self._run(rendered, confirmed=False, typed=None)
        elif risk is Risk.WRITE:

            def answered(yes: bool | None) -> None:
                if yes:
                    self._run(rendered, confirmed=True, typed=None)

            self.app.push_screen(
                Confirm("This step changes state. Run it?", rendered.command), answered
            )
        else:

            def typed(value: str | None) -> None:
                if value is not None:
                    self._run(rendered, confirmed=True, typed=value)

            self.app.push_screen(
                TextPrompt(
                    "DESTRUCTIVE: type the target's name to run",
                    hint=f"{rendered.command}\n\ntarget: {rendered.target}",
                    must_equal=rendered.target,
                ),
                typed,
            )

    def _run(self, rendered: RenderedStep, *, confirmed: bool, typed: str | None) -> None:
        pane = self.query_one(RunbookPane)
        pane.write_output(Text(f"$ {rendered.command}", style="bold"))
        self._step_worker = self._run_step_worker(rendered, confirmed, typed)

    @work(group="steps", exit_on_error=False, description="Run a runbook step")
    async def _run_step_worker(
        self, rendered: RenderedStep, confirmed: bool, typed: str | None
    ) -> None:
        from warroom.services.steps import StepRunner

        if self._runner is None:
            self._runner = StepRunner(
                self.ctx.sources.executors,
                viewer=self.ctx.viewer,
                default_timeout_s=self.ctx.settings.step_timeout_s,
            )
        try:
            result = await self._runner.run(
                rendered,
                lambda line: self.post_message(StepOutput(line)),
                confirmed=confirmed,
                typed_target=typed,
            )
        except asyncio.CancelledError:
            result = StepResult(exit_code=None, duration_s=0.0, cancelled=True, error="cancelled")
            self.post_message(StepFinished(rendered, result))
            raise
        except WarroomError as exc:
            self.notify(str(exc), severity="error")
            return
        self.post_message(StepFinished(rendered, result))

    @on(StepOutput)
    def step_output(self, message: StepOutput) -> None:
        self.query_one(RunbookPane).write_output(message.line)

    @on(StepFinished)
    def step_finished(self, message: StepFinished) -> None:
        from warroom.services.steps import step_entry

        result = message.result
        if result.cancelled:
            status = "cancelled"
        elif result.timed_out:
            status = "timed out"
        else:
            status = f"exit {result.exit_code}"
        style = "bold green" if result.ok else "bold red"
        self.query_one(RunbookPane).write_output(
            Text(f"└ {status} in {result.duration_s:.1f} s", style=style)
        )
        entry = step_entry(
            self.incident_log.incident.id if self.incident_log.incident else "",
            message.rendered,
            result,
            author=self.ctx.author,
            now=self.ctx.clock.now(),
        )
        self._log(entry.kind, entry.text, dict(entry.data))

    def action_cancel_step(self) -> None:
        if self._step_worker is not None and self._step_worker.is_running:
            self._step_worker.cancel()
            self.notify("step cancelled", timeout=3)

    # ------------------------------------------------------------------ filter, group, help

    def action_filter(self) -> None:
        pane = self.query_one(RunbookPane)
        if pane.has_focus_within:
            self._search_output(pane)
            return
        box = self.query_one("#alert-filter", Input)
        box.add_class("-visible")
        self.region_index = 0
        self._show_region("alerts-region", focus=False)
        box.focus()

    def _search_output(self, pane: RunbookPane) -> None:
        def search(term: str | None) -> None:
            if not term:
                return
            hits = pane.search(term)
            text = "\n".join(hits) if hits else f"nothing in the step output matches {term!r}"
            self.app.push_screen(
                EditText(f"Step output matching {term!r}", text, hint="esc closes")
            )

        self.app.push_screen(TextPrompt("Search the steps' output", placeholder="text"), search)

    @on(Input.Changed, "#alert-filter")
    def filter_changed(self, event: Input.Changed) -> None:
        self.query_one(AlertList).set_filter(AlertFilter.parse(event.value))

    @on(Input.Submitted, "#alert-filter")
    def filter_submitted(self, event: Input.Submitted) -> None:
        if not event.value.strip():
            event.input.remove_class("-visible")
        self.query_one(AlertList).focus()

    def action_escape(self) -> None:
        box = self.query_one("#alert-filter", Input)
        if box.has_class("-visible"):
            box.value = ""
            box.remove_class("-visible")
            self.query_one(AlertList).set_filter(AlertFilter())
            self.query_one(AlertList).focus()

    def action_group(self) -> None:
        alert_list = self.query_one(AlertList)
        alert_list.grouped = not alert_list.grouped
        self.notify(
            "grouped by alertname" if alert_list.grouped else "one line per alert", timeout=2
        )

    def action_toggle_suppressed(self) -> None:
        alert_list = self.query_one(AlertList)
        alert_list.show_suppressed = not alert_list.show_suppressed

    def action_next_region(self) -> None:
        self.region_index = (self.region_index + 1) % len(REGIONS)
        self._show_region(REGIONS[self.region_index])

    def action_previous_region(self) -> None:
        self.region_index = (self.region_index - 1) % len(REGIONS)
        self._show_region(REGIONS[self.region_index])

    def action_help(self) -> None:
        from warroom.ui.screens.help import HelpScreen

        self.app.push_screen(HelpScreen(self.BINDINGS))

    def action_quit(self) -> None:
        incident = self.incident_log.incident
        if incident is not None and incident.is_open and not self.ctx.viewer:

            def answered(yes: bool | None) -> None:
                if yes:
                    self.app.exit()

            self.app.push_screen(
                Confirm(
                    f"{incident.id} is still open. Quit anyway?",
                    "The incident stays open in the store; reopening the console resumes it.",
                ),
                answered,
            )
            return
        self.app.exit()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return not (action == "run_step" and isinstance(self.focused, Input))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """One place for worker failures: say what broke, keep the console alive, re-arm polls."""
        worker = event.worker
        if event.state is not WorkerState.ERROR:
            return
        error = worker.error
        self.notify(f"{worker.description or worker.name}: {error}", severity="error", timeout=8)
        if worker.group == "poll-alerts":
            self._schedule_alert_poll(self.ctx.settings.refresh_s * 2)
        elif worker.group == "poll-signals":
            self._signal_timer = self.set_timer(self.ctx.settings.refresh_s * 2, self.poll_signals)


def policies_for(settings: Settings) -> dict[IncidentSeverity, SeverityPolicy]:
    """Severity policies, with the configured status-update cadence when one is set."""
    if settings.update_every_s <= 0:
        return dict(DEFAULT_POLICIES)
    return {
        sev: replace(policy, update_every_s=settings.update_every_s)
        for sev, policy in DEFAULT_POLICIES.items()
    }


def _retitle(widget: Widget, title: str, subtitle: str | None = None) -> None:
    """Setting a border title repaints the whole region: only do it when the text changed."""
    if widget.border_title != title:
        widget.border_title = title
    if subtitle is not None and widget.border_subtitle != subtitle:
        widget.border_subtitle = subtitle


def _pyperclip_copy(text: str) -> None:
    """OSC 52 (already sent) works over SSH and tmux; pyperclip covers a local desktop too."""
    try:
        import pyperclip

        pyperclip.copy(text)
    except Exception:  # no clipboard on a headless bastion: OSC 52 has it covered
        pass
