"""The war room: four regions on one screen, fed by workers, never waiting on IO.

Poll → render → re-arm: each poll runs in a worker with a timeout, posts a fact, and the
handler renders it and schedules the next poll. Nothing here awaits a source directly.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Container, Grid, Vertical
from textual.css.query import NoMatches
from textual.widget import Widget
from textual.widgets import Input, Static
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
    IncidentSeverity,
    Role,
    SeverityPolicy,
)
from warroom.domain.runbooks import RunbookLibrary
from warroom.domain.scope import DEFAULT_SCOPE_LABELS, service_scope
from warroom.services.acks import mark_acked
from warroom.services.alert_events import alert_events
from warroom.services.incident_log import IncidentLog
from warroom.services.polling import THREAD_AT, AlertPoller, SignalPoller, bounded
from warroom.ui.context import ConsoleContext
from warroom.ui.messages import (
    AlertsRefreshed,
    SignalsRefreshed,
)
from warroom.ui.screens.base import REGION_TITLES, REGIONS, SOURCE_TIMEOUT_S
from warroom.ui.screens.dialogs import (
    Choose,
    Confirm,
)
from warroom.ui.screens.incident_actions import IncidentActions
from warroom.ui.screens.silence_actions import SilenceActions
from warroom.ui.screens.step_actions import StepActions
from warroom.ui.widgets.alert_list import AlertList
from warroom.ui.widgets.incident_log import IncidentLogView
from warroom.ui.widgets.key_bar import KeyBar
from warroom.ui.widgets.runbook_pane import RunbookPane
from warroom.ui.widgets.signal_panel import SignalPanel
from warroom.ui.widgets.war_header import HeaderState, WarHeader, drill_banner, mode_text

SIGNALS_WAIT_S = 1.0  # the longest the golden signals wait for the first alerts
SCOPE_REST_S = 0.3  # how long the cursor rests before the signals follow it (while running)
ROLE_SHORT = {
    Role.COMMANDER: "IC",
    Role.TECH_LEAD: "TL",
    Role.COMMS_LEAD: "Comms",
    Role.SCRIBE: "Scribe",
    Role.OBSERVER: "Obs",
}


class WarRoomScreen(IncidentActions, StepActions, SilenceActions):
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

    def __init__(self, ctx: ConsoleContext, alert_poller: AlertPoller) -> None:
        super().__init__()
        self.ctx = ctx
        settings = ctx.settings
        self.alert_poller = alert_poller  # the app's: its first poll began with the app
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
        self._after_first_alerts_done = False
        self._highlighted_at = 0.0
        self._scope_timer: Any = None
        self._runner: Any = None
        self._setup_silences()
        self.library = ctx.library or RunbookLibrary()

    # ------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        self.add_class("-alerts-first")  # the other regions show once the alerts are drawn
        yield WarHeader(self._header_state(), id="header")
        if self.ctx.sources.is_drill:
            yield Static(drill_banner(self.ctx.scenario), id="drill-banner")
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
        yield KeyBar()

    def on_mount(self) -> None:
        for region_id, title in REGION_TITLES.items():
            self.query_one(f"#{region_id}").border_title = title
        alert_list = self.query_one(AlertList)
        alert_list.show_origins = len(self.ctx.sources.alert_sources) > 1
        alert_list.focus()
        env = self.ctx.settings.active_environment
        if env is not None and env.color:  # a per-environment mark chosen in config
            try:
                self.query_one(WarHeader).styles.background = env.color
            except Exception:  # a colour name Textual does not know: say so, keep going
                self.notify(
                    f"environment colour {env.color!r} is not one Textual knows", severity="warning"
                )
        self.set_class(self.ctx.sources.is_production, "-production")
        self.query_one(WarHeader).set_class(self.ctx.sources.is_production, "-production")
        self.incident_log.on_change = self._remote_entry
        self._update_compact()
        # fetching overlaps this screen's first render; the store opens once it is drawn.
        # Alerts come first: the signals start once the first alerts are drawn (their service
        # sets the scope anyway), or after SIGNALS_WAIT_S if the Alertmanager is slow
        # (see _after_first_alerts).
        self.poll_alerts()
        self.set_timer(SIGNALS_WAIT_S, self._after_first_alerts)
        self.call_after_refresh(self._start)

    def _start(self) -> None:
        self._resume_incident()
        self.set_interval(1.0, self._tick)

    @on(AlertList.Drawn)
    def _after_first_alerts(self) -> None:
        """What competes with drawing the first alerts for the interpreter (laying out and
        drawing the other regions, the signals' queries, parsing the runbooks) starts once
        they are on screen, or after SIGNALS_WAIT_S when the Alertmanager is slow."""
        if self._after_first_alerts_done:
            return
        self._after_first_alerts_done = True
        self.remove_class("-alerts-first")
        self._start_signals()  # (a scope chosen before this only set the service)
        if self.ctx.library is None:
            self._load_runbooks()

    @work(thread=True, group="runbooks", exit_on_error=False, description="Read the runbooks")
    def _load_runbooks(self) -> None:
        """Parsing Markdown runbooks waits until the first frame is on screen."""
        from warroom.services.runbook_library import load_library

        library = load_library(list(self.ctx.runbook_paths))
        self.app.call_from_thread(self._runbooks_loaded, library)

    def _runbooks_loaded(self, library: RunbookLibrary) -> None:
        self.library = library
        for runbook in library.runbooks:
            for problem in runbook.errors[:3]:
                self.notify(str(problem), title="Runbook", severity="warning", timeout=8)
        alert = self.selected
        if alert is not None:
            self.query_one(RunbookPane).show_section(
                library.section_for(alert.name, alert.annotations), alert.name
            )

    def on_resize(self) -> None:
        self._update_compact()

    def _update_compact(self) -> None:
        compact = self.size.width < 110 or self.size.height < 32
        if compact != self.has_class("-compact"):  # a class change restyles the whole screen
            self.set_class(compact, "-compact")
            self._show_region(REGIONS[self.region_index], focus=False)

    def _show_region(self, region_id: str, focus: bool = True) -> None:
        if self.has_class("-compact"):  # only the compact layout shows one region at a time
            for rid in REGIONS:
                region = self.query_one(f"#{rid}")
                if region.has_class("-current") != (rid == region_id):
                    region.set_class(rid == region_id, "-current")
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
        sources = self.ctx.sources
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
            mode=mode_text(
                drill=sources.is_drill, production=sources.is_production, viewer=self.ctx.viewer
            ),
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
            alerts = snapshot.alerts
            marked = (
                await asyncio.to_thread(mark_acked, alerts, silences)
                if len(alerts) >= THREAD_AT
                else mark_acked(alerts, silences)
            )
            snapshot = replace(snapshot, alerts=marked)
        self.post_message(AlertsRefreshed(snapshot))

    @on(AlertsRefreshed)
    def alerts_refreshed(self, message: AlertsRefreshed) -> None:
        snapshot = message.snapshot
        self.alerts = snapshot.alerts
        alert_list = self.query_one(AlertList)
        alert_list.show(snapshot.alerts, snapshot.fetched_at)
        region = self.query_one("#alerts-region")
        errors = (
            "⚠ " + "; ".join(f"{k}: {v}" for k, v in snapshot.errors.items())
            if snapshot.errors
            else ""
        )
        _retitle(region, f"Firing alerts ({snapshot.firing})", errors)
        if not self._first_alert_poll:  # (on the first, every alert is "new")
            new_critical = {
                a.fingerprint for a in snapshot.fired if a.severity is Severity.CRITICAL
            }
            if new_critical:
                alert_list.flash(new_critical)
                if self.ctx.settings.bell and not self.ctx.viewer:
                    self.app.bell()
        self._first_alert_poll = False
        for event in alert_events(snapshot.fired, snapshot.resolved):
            self._log(event.kind, event.text, event.data)
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
        pane.show_section(self.library.section_for(alert.name, alert.annotations), alert.name)
        env = self.ctx.settings.active_environment
        self._follow(service_scope(alert.labels, env.scope_labels if env else DEFAULT_SCOPE_LABELS))

    def _follow(self, service: str | None) -> None:
        """The signals follow the selected alert: at once after a single step, but while the
        cursor runs through a list (keys held or pressed quickly) only once it rests, so that
        scrolling through a storm does not restart every panel's queries at each line."""
        now = time.monotonic()
        running = now - self._highlighted_at < SCOPE_REST_S
        self._highlighted_at = now
        if self._scope_timer is not None:
            self._scope_timer.stop()
            self._scope_timer = None
        if running:
            self._scope_timer = self.set_timer(SCOPE_REST_S, lambda: self._scope(service))
        else:
            self._scope(service)

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
        if self._after_first_alerts_done:  # else they start, in this scope, once drawn
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
