"""The alerts region: polls through the alert-refresh service, shows the list and its filter,
and posts up what the log should record (fired, resolved, silences, acks).

Poll → render → re-arm: each refresh is an exclusive worker; its answer is rendered here and
the next one scheduled (backing off while it fails). Acks are kept alive on their own timer.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.widgets import Input, Static
from textual.worker import Worker, WorkerState

from warroom.domain.alerts import Alert, AlertFilter, Severity
from warroom.domain.errors import WarroomError
from warroom.domain.incident import Entry
from warroom.services.ack_keepalive import KEEP_EVERY_S
from warroom.services.alert_events import alert_events
from warroom.ui.dialogs.prompts import plain
from warroom.ui.messages import AlertsRefreshed
from warroom.ui.regions.alerts.alert_list import AlertList
from warroom.ui.regions.alerts.memory import HistoryLoaded, MemoryBanner, TripwireRaised
from warroom.ui.regions.alerts.silencing import Silencer, group_members
from warroom.ui.regions.alerts.title import alerts_title
from warroom.ui.regions.base import Access, Action, Region, Services

READ, WRITE = Access.READ, Access.WRITE


class AlertsRegion(Region):
    NAME = "alerts"
    TITLE = "Firing alerts"
    WAITS = False
    TALL = True
    DEFAULT_CSS = """
    AlertsRegion > #alert-filter { display: none; height: 3; }
    AlertsRegion > #alert-filter.-visible { display: block; }
    AlertsRegion > #alert-problems {
        display: none; height: auto; max-height: 8; overflow-y: auto; color: $error;
    }
    AlertsRegion > #alert-problems.-visible { display: block; }
    """
    ACTIONS = (
        Action("slash", "filter", "Filter", READ),
        Action("g", "group", "Group", READ),
        Action("h", "toggle_suppressed", "Hide silenced", READ, show=False),
        Action("s", "silence", "Silence", WRITE),
        Action("S", "bulk_silence", "Silence filtered", WRITE, show=False),
        Action("a", "ack", "Ack", WRITE),
        Action("x", "silences", "Silences", READ, show=False),
        Action("i", "detail", "Alert details", READ, show=False),
        Action("m", "show_muted", "Show the tripwire's silence", READ, show=False),
        Action("M", "expire_muted", "Expire the tripwire's silence", WRITE, show=False),
        Action("escape", "escape", "Clear the filter", READ, show=False),
    )
    # reached from a dialog (the silences view), not from a key of its own
    DIALOG_ACTIONS = (
        Action("", "expire", "Expire a silence", WRITE),
        Action("", "edit_silence", "Extend or edit a silence", WRITE),
    )

    def __init__(self, services: Services) -> None:
        super().__init__(services)
        self.alerts: list[Alert] = []
        self.fetched_at: datetime | None = None  # of `alerts`: the detail's "updated"
        self._first = True
        self._timer: Any = None

    def compose(self) -> ComposeResult:
        yield Input(
            placeholder="filter: words, label=value, @state=active|suppressed|silenced|acked, "
            "@receiver=NAME · enter applies, esc clears",
            id="alert-filter",
        )
        yield Static("", id="alert-problems")  # each failing source's reason, wrapped in full
        yield MemoryBanner(
            self.services.memory,
            self.services.remedies,
            maintain=not self.ctx.viewer,
            id="alert-tripwire",
        )
        yield AlertList(id="alert-list")
        yield Silencer(self.services, id="alert-silencer")

    @property
    def alert_list(self) -> AlertList:
        return self.query_one(AlertList)

    @property
    def silencer(self) -> Silencer:
        return self.query_one(Silencer)

    @property
    def selected(self) -> Alert | None:
        return self.alert_list.highlighted

    def on_mount(self) -> None:
        self.alert_list.show_origins = len(self.ctx.sources.alert_sources) > 1
        self.alert_list.focus()
        self.poll()
        self.set_interval(KEEP_EVERY_S, self.keep_acks)

    def focus_first(self) -> None:
        self.alert_list.focus()

    def start(self) -> None:
        self.query_one(MemoryBanner).start()

    def show_entry(self, entry: Entry) -> None:
        self.services.remedies.add(entry)

    # ------------------------------------------------------------ refresh

    def refresh_now(self) -> None:
        self.poll()

    @work(exclusive=True, group="poll-alerts", exit_on_error=False, description="Fetch alerts")
    async def poll(self) -> None:
        self.post_message(AlertsRefreshed(await self.services.refresh.refresh()))

    @on(AlertsRefreshed)
    def refreshed(self, message: AlertsRefreshed) -> None:
        snapshot = message.snapshot
        self.alerts, self.fetched_at = snapshot.alerts, snapshot.fetched_at
        self.silencer.alerts = snapshot.alerts
        self.alert_list.mark_stale(snapshot.failed)  # what only a failing source holds
        self.alert_list.show(snapshot.alerts, snapshot.fetched_at)
        said = alerts_title(snapshot, self.TITLE)
        hidden = f" · {self.alert_list.hidden}" if self.alert_list.hidden else ""
        self.retitle(said.title + hidden, said.subtitle)
        problems = self.query_one("#alert-problems", Static)
        problems.update(plain(said.problems))
        problems.set_class(bool(said.problems), "-visible")
        if not self._first:  # (on the first, every alert is "new")
            critical = [a for a in snapshot.fired if a.severity is Severity.CRITICAL]
            if critical:
                self.alert_list.flash({a.fingerprint for a in critical})
                # a muted one rings through the tripwire (once, on every console), not here
                heard = any(not a.is_silenced for a in critical)
                if heard and self.ctx.settings.bell and not self.ctx.viewer:
                    self.app.bell()
        self._first = False
        self.query_one(MemoryBanner).observe(snapshot)
        for event in alert_events(snapshot.fired, snapshot.resolved):
            self.post_message(Region.Record(event.kind, event.text, event.data))
        self.schedule()

    def schedule(self, delay: float | None = None) -> None:
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(delay or self.ctx.settings.refresh_s, self.poll)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR and event.worker.group == "poll-alerts":
            self.schedule(self.ctx.settings.refresh_s * 2)  # (the screen says what broke)

    @work(group="acks", exit_on_error=False, description="Keep acks alive")
    async def keep_acks(self) -> None:
        """Extend own acks while the incident is open, release them after (own cadence)."""
        try:
            facts = await self.services.keepalive.keep(self.services.incident_log.incident)
        except WarroomError as exc:
            self.notify(f"acks: {exc}", severity="warning", timeout=6, markup=False)
            return
        for fact in facts:
            self.silencer.record_fact(fact)

    # ------------------------------------------------------------ filter, group, hide

    def action_filter(self) -> None:
        box = self.query_one("#alert-filter", Input)
        box.add_class("-visible")
        box.focus()

    @on(Input.Changed, "#alert-filter")
    def filter_changed(self, event: Input.Changed) -> None:
        self.alert_list.set_filter(AlertFilter.parse(event.value))

    @on(Input.Submitted, "#alert-filter")
    def filter_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if not event.value.strip():
            event.input.remove_class("-visible")
        self.alert_list.focus()

    def action_escape(self) -> None:
        box = self.query_one("#alert-filter", Input)
        if box.has_class("-visible"):
            box.value = ""
            box.remove_class("-visible")
            self.alert_list.set_filter(AlertFilter())
            self.alert_list.focus()

    def action_detail(self) -> None:
        """The selected alert in full, the silences and inhibitions that apply, its history."""
        from warroom.ui.regions.alerts.detail import open_detail

        if self.selected is not None:
            open_detail(self, self.selected, self.silencer.listed)

    # ------------------------------------------------------------ memory and the tripwire

    @on(HistoryLoaded)
    def history_loaded(self, message: HistoryLoaded) -> None:
        self.alert_list.set_history(message.index)

    @on(TripwireRaised)
    def tripwire_raised(self, message: TripwireRaised) -> None:
        self.query_one(MemoryBanner).show_trip(message.trips[0])
        for trip in message.trips:
            self.silencer.listed[trip.silence.id] = trip.silence
        if self.ctx.settings.bell:  # on every console, viewers too: a shared screen needs it most
            self.app.bell()

    def action_show_muted(self) -> None:
        self.query_one(MemoryBanner).show_silence()

    def action_expire_muted(self) -> None:
        self.query_one(MemoryBanner).ask_expire()

    def action_group(self) -> None:
        from warroom.ui.regions.alerts.grouping import ask_group_by

        ask_group_by(self, self.alert_list)

    def action_toggle_suppressed(self) -> None:
        self.alert_list.show_suppressed = not self.alert_list.show_suppressed

    # ------------------------------------------------------------ silences and acks (Silencer)

    def action_silence(self) -> None:
        self.silencer.silence(self.selected, group_members(self.alert_list))

    def action_bulk_silence(self) -> None:
        self.silencer.bulk_silence(self.alert_list.filter)

    def action_ack(self) -> None:
        self.silencer.ack(self.selected)

    def action_silences(self) -> None:
        self.silencer.open_view()

    def action_expire(self, silence_id: str) -> None:
        self.silencer.expire(silence_id)

    def action_edit_silence(self, silence_id: str, minutes: float, comment: str | None) -> None:
        self.silencer.edit(silence_id, minutes, comment)

    @on(Silencer.Changed)
    def silences_changed(self) -> None:
        self.poll()
