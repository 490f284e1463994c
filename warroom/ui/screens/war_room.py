"""The war room: the header, the regions the registry and layout name, and the key bar.

The screen composes regions and routes what they post (the selected alert, entries to record,
pins) to the others; regions never call each other. Every key is a declared `Action`; what
`Permissions` refuses (a viewer's writes, the commander's keys) is refused in `action_do`."""

from __future__ import annotations

import asyncio
from functools import cache

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Grid
from textual.widgets import Static
from textual.worker import Worker, WorkerState

from warroom.domain.alerts import Alert
from warroom.domain.errors import WarroomError
from warroom.domain.incident import Entry
from warroom.services.polling import AlertPoller
from warroom.ui.context import ConsoleContext
from warroom.ui.messages import (
    AlertSelected,
    EntryCommitted,
    FirstAlertsDrawn,
    RemediesLoaded,
    ServiceChanges,
    SignalPinned,
)
from warroom.ui.regions import RegionSpec, chosen
from warroom.ui.regions.base import JUMP_ACTIONS, Access, Action, Region, services_for, write_entry
from warroom.ui.screens.frame import FrameScreen
from warroom.ui.screens.header_state import header_state
from warroom.ui.screens.heartbeat import Heartbeat, nudges
from warroom.ui.screens.start_order import StartOrder
from warroom.ui.widgets.key_bar import KeyBar
from warroom.ui.widgets.war_header import HeaderState, WarHeader, drill_banner

SIGNALS_WAIT_S = 1.0  # the longest the other regions wait for the first alerts
READ = Access.READ
FIRST_ACTIONS = (  # the screen's own keys, before the regions' in the key bar and help
    Action("question_mark", "help", "Help", READ),
    Action("tab", "next_region", "Next pane", READ, show=False, priority=True),
    Action("shift+tab", "previous_region", "Prev pane", READ, show=False, priority=True),
)
LAST_ACTIONS = (  # and after them
    Action("enter", "run_step", "Open/Run", READ),  # open is a read; the run asks again
    Action("r", "refresh", "Refresh", READ, show=False),
    Action("q", "quit", "Quit", READ),
    *JUMP_ACTIONS,  # `1`-`5`: FrameScreen.action_jump_<n>
)


class WarRoomScreen(FrameScreen):
    def __init__(self, ctx: ConsoleContext, alert_poller: AlertPoller) -> None:
        super().__init__(ctx)
        self.alert_poller = alert_poller  # the app's: its first poll began with the app
        self.services = services_for(ctx, alert_poller)
        self.incident_log = self.services.incident_log
        self.regions = [spec.load()(self.services) for spec in self.specs]
        self.actions: dict[str, tuple[Region | None, Action]] = {
            a.name: (None, a) for a in (*FIRST_ACTIONS, *LAST_ACTIONS)
        }
        for region in self.regions:
            for action in (*region.ACTIONS, *region.DIALOG_ACTIONS):
                self.actions[action.name] = (region, action)
        show = lambda: self.remove_class("-alerts-first")  # noqa: E731 (the waiting regions)
        self.start_order = StartOrder(self.regions, self, SIGNALS_WAIT_S, show)
        self._reminded: set[str] = set()
        self._selected: Alert | None = None

    def compose(self) -> ComposeResult:
        self.add_class("-alerts-first")  # the other regions show once the alerts are drawn
        yield WarHeader(header_state(self.ctx, None), id="header")
        if self.ctx.sources.is_drill:
            yield Static(drill_banner(self.ctx.scenario), id="drill-banner")
        yield Static("", id="region-tabs")
        with Grid(id="regions"):
            yield from self.regions
        yield KeyBar()
        yield Heartbeat(self.services.presence, self.incident_log)

    def on_mount(self) -> None:
        env = self.ctx.settings.active_environment
        color = env.color if env else ""
        try:  # a per-environment mark chosen in config (checked there: #rgb, a name...)
            self.query_one(WarHeader).styles.background = color or None
        except Exception:  # a colour name Textual does not know: say so, keep going
            self.notify(f"environment colour {color!r} is unknown", severity="warning")
        production = self.ctx.sources.is_production
        self.set_class(production, "-production")
        self.query_one(WarHeader).set_class(production, "-production")
        self.set_timer(SIGNALS_WAIT_S, self._start_regions)
        self.set_interval(1.0, self._tick)
        self.incident_log.on_change = self._remote_entry  # other consoles' entries (any thread)
        self.call_after_refresh(self._resume_incident)  # the store opens once this is drawn

    def region_named(self, name: str) -> Region | None:
        return next((r for r in self.regions if name == r.NAME), None)

    # ------------------------------------------------------------ routing

    @on(FirstAlertsDrawn)
    def _start_regions(self) -> None:
        """The signals start once the first alerts are drawn (or after SIGNALS_WAIT_S); the
        other regions show with their values, and start after (`StartOrder`)."""
        self.start_order.start_first()

    @on(Region.Drawn)
    def _region_drawn(self, message: Region.Drawn) -> None:
        self.start_order.drawn(message.region)

    @on(AlertSelected)
    @on(RemediesLoaded)  # past incidents read: the selected alert shown again, with them
    def alert_selected(self, message: AlertSelected | RemediesLoaded) -> None:
        if isinstance(message, AlertSelected):
            self._selected = message.alert
        for region in self.regions:
            region.show_alert(self._selected)

    def _remote_entry(self, entry: Entry) -> None:
        self.post_message(EntryCommitted(entry))

    @work(group="incident-log", exit_on_error=False, description="Resume the open incident")
    async def _resume_incident(self) -> None:
        try:
            await asyncio.wait_for(self.ctx.store.open(), 10)
            incident = await asyncio.wait_for(self.incident_log.resume(), 10)
        except (WarroomError, TimeoutError) as exc:
            self.notify(f"incident store: {exc}", severity="error")
            return
        self.query_one(Heartbeat).beat()
        if incident is not None:
            for entry in incident.entries:
                self.post_message(EntryCommitted(entry))
            self.notify(f"resumed {incident.id}: {incident.title}", timeout=4)

    def _header(self) -> HeaderState:
        others, failing = self.services.presence.others(), tuple(sorted(self.alert_poller.failing))
        return header_state(self.ctx, self.incident_log, others=others, failing=failing)

    @on(Region.Requested)
    def requested(self, message: Region.Requested) -> None:
        self.action_do(message.name, *message.args)

    @on(Region.Record)
    def record(self, m: Region.Record) -> None:
        """What happened goes to the log; a viewer writes nothing, not even what it observed."""
        if not self.ctx.viewer:
            write_entry(self, self.incident_log.record(m.kind, m.text, m.data, m.at))

    @on(ServiceChanges)
    def service_changes(self, message: ServiceChanges) -> None:
        for region in self.regions:
            region.show_changes(message.changes)

    @on(EntryCommitted)
    def entry_committed(self, message: EntryCommitted) -> None:
        for region in self.regions:
            region.show_entry(message.entry)
        self.query_one(WarHeader).update_state(self._header())

    @on(SignalPinned)
    def signal_pinned(self, m: SignalPinned) -> None:
        write_entry(self, self.incident_log.pin_snapshot(m.name, m.value, m.spark))

    def _tick(self) -> None:
        """Once a second: the header (repainted if changed), unsaved marks, notices, nudges."""
        self.query_one(WarHeader).update_state(self._header())
        status = self.incident_log.store_status
        for region in self.regions:
            region.show_unsaved(status.unsaved)
        for title, text, timeout in nudges(self.incident_log, self._reminded):
            self.notify(text, title=title, severity="warning", timeout=timeout, markup=False)

    # ------------------------------------------------------------ actions: the one gate

    def action_do(self, name: str, *args: object) -> None:
        """The one gate for keys, palette, clicks and dialog answers: `Permissions` decides."""
        target, action = self.actions[name]
        what, incident = action.description or name.replace("_", " "), self.incident_log.incident
        permissions, present = self.services.permissions, self.services.presence.present()
        if reason := permissions.refusal(
            what, action.access, incident, reserved=action.reserved, present=present
        ):
            self.notify(reason, severity="warning", markup=False)
            return
        getattr(target or self, f"action_{name}")(*args)

    def action_run_step(self) -> None:
        """Enter: from the alert list to its runbook; in the runbook, run the step (a write)."""
        if (runbook := self.region_named("runbook")) is None:
            return
        if runbook.has_focus_within:
            self.action_do("run_selected_step")
        else:
            self.show_region(self.regions.index(runbook))

    def action_refresh(self) -> None:
        for region in self.regions:
            region.refresh_now()
        self.notify("refreshing now", timeout=2)

    def action_quit(self) -> None:
        incident = self.incident_log.incident
        if incident is None or not incident.is_open or self.ctx.viewer:
            self.app.exit()
            return
        from warroom.ui.dialogs.prompts import Confirm

        question = Confirm(
            f"{incident.id} is still open. Quit anyway?",
            "The incident stays open in the store; reopening the console resumes it.",
        )
        self.app.push_screen(question, lambda yes: self.app.exit() if yes else None)

    def action_help(self) -> None:
        from warroom.ui.dialogs.help import HelpScreen

        self.app.push_screen(HelpScreen(self.BINDINGS, self.ctx.settings.keymap))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The one place a worker's failure is said; the region owning a poll re-arms it."""
        if event.state is WorkerState.ERROR:
            what = (worker := event.worker).description or worker.name
            self.notify(f"{what}: {worker.error}", severity="error", timeout=8, markup=False)

    # ------------------------------------------------------------ layout

    def show_region(self, index: int, focus: bool = True) -> None:
        super().show_region(index, focus)
        if focus:
            self.regions[self.region_index].focus_first()


@cache
def screen_class(specs: tuple[RegionSpec, ...]) -> type[WarRoomScreen]:
    """The war room for these regions: its keys are the screen's and every region's actions
    (Textual reads BINDINGS per class, and the registry may have grown since import)."""
    actions = [*FIRST_ACTIONS, *(a for s in specs for a in s.load().ACTIONS), *LAST_ACTIONS]
    bindings = [a.binding() for a in actions]
    return type("WarRoomScreen", (WarRoomScreen,), {"BINDINGS": bindings, "specs": specs})


def war_room(ctx: ConsoleContext, poller: AlertPoller) -> WarRoomScreen:
    """The one way to make the war room (the app and the boot frame use it)."""
    specs = tuple(chosen(getattr(ctx.settings, "layout", None), ctx.sources))
    return screen_class(specs)(ctx, poller)
