"""The alerts region: polls through the alert-refresh service, shows the list and its filter,
and posts up what the log should record (fired, resolved, silences, acks).

Poll → render → re-arm: each refresh is an exclusive worker; its answer is rendered here and
the next one scheduled (backing off while it fails). Acks are kept alive on their own timer.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.widgets import Input
from textual.worker import Worker, WorkerState

from warroom.domain.alerts import Alert, AlertFilter, Matcher, Severity, Silence, SilenceRequest
from warroom.domain.errors import WarroomError
from warroom.domain.incident import Entry, EntryKind
from warroom.domain.untrusted import one_line
from warroom.services.ack_keepalive import KEEP_EVERY_S
from warroom.services.alert_events import alert_events
from warroom.services.polling import bounded
from warroom.services.silence_guard import log_override
from warroom.services.silences import SilenceFact, identifying_matchers
from warroom.ui.dialogs.silence import SilenceDialog, SilenceForm
from warroom.ui.dialogs.silences_view import SilencesView
from warroom.ui.messages import AlertsRefreshed
from warroom.ui.regions.alerts.alert_list import AlertList
from warroom.ui.regions.alerts.memory import HistoryLoaded, MemoryBanner, TripwireRaised
from warroom.ui.regions.base import (
    SOURCE_TIMEOUT_S,
    Access,
    Action,
    Region,
    Services,
    write_entry,
)

READ, WRITE = Access.READ, Access.WRITE
_FACT_KIND = {
    "acked": EntryKind.ALERT_ACKED,
    "ack-extended": EntryKind.SILENCE,
    "ack-released": EntryKind.SILENCE,
}


class AlertsRegion(Region):
    NAME = "alerts"
    TITLE = "Firing alerts"
    WAITS = False
    TALL = True
    DEFAULT_CSS = """
    AlertsRegion > #alert-filter { display: none; height: 3; }
    AlertsRegion > #alert-filter.-visible { display: block; }
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
    DIALOG_ACTIONS = (Action("", "expire", "Expire a silence", WRITE),)

    def __init__(self, services: Services) -> None:
        super().__init__(services)
        self.alerts: list[Alert] = []
        self.fetched_at: datetime | None = None  # of `alerts`: the detail's "updated"
        self._first = True
        self._timer: Any = None
        self._listed: dict[str, Silence] = {}  # what the silences view showed, by id

    def compose(self) -> ComposeResult:
        yield Input(
            placeholder="filter: words, label=value, @state=active|suppressed|silenced|acked, "
            "@receiver=NAME · enter applies, esc clears",
            id="alert-filter",
        )
        yield MemoryBanner(
            self.services.memory,
            self.services.remedies,
            maintain=not self.ctx.viewer,
            id="alert-tripwire",
        )
        yield AlertList(id="alert-list")

    @property
    def alert_list(self) -> AlertList:
        return self.query_one(AlertList)

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
        self.alert_list.show(snapshot.alerts, snapshot.fetched_at)
        errors = "; ".join(f"{k}: {v}" for k, v in snapshot.errors.items())
        hidden = f" · {self.alert_list.hidden}" if self.alert_list.hidden else ""
        title = f"Firing alerts ({snapshot.firing}){hidden}"
        self.retitle(title, f"⚠ {errors}" if errors else "")
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
            self.record_fact(fact)

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
            open_detail(self, self.selected, self._listed)

    # ------------------------------------------------------------ memory and the tripwire

    @on(HistoryLoaded)
    def history_loaded(self, message: HistoryLoaded) -> None:
        self.alert_list.set_history(message.index)

    @on(TripwireRaised)
    def tripwire_raised(self, message: TripwireRaised) -> None:
        self.query_one(MemoryBanner).show_trip(message.trips[0])
        for trip in message.trips:
            self._listed[trip.silence.id] = trip.silence
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

    # ------------------------------------------------------------ silences and acks

    def record_fact(self, fact: SilenceFact) -> None:
        data: dict[str, Any] = {
            "silence_id": fact.silence_id,
            "action": fact.action,
            "matchers": " ".join(str(m) for m in fact.matchers),
            "source": fact.source,
        }
        kind = _FACT_KIND.get(fact.action, EntryKind.SILENCE)
        self.post_message(Region.Record(kind, fact.describe(), data))

    def _can_change(self, what: str) -> bool:
        if not any(s.can_silence for s in self.ctx.sources.alert_sources):
            self.notify(
                f"cannot {what}: alerts come from Prometheus, which is read-only "
                "(configure an Alertmanager)",
                severity="warning",
            )
            return False
        return True

    def action_silence(self) -> None:
        alert = self.selected
        if alert is not None and self._can_change("silence"):
            self._open_silence(list(identifying_matchers(alert)), f"Silence {alert.name}", alert)

    def action_bulk_silence(self) -> None:
        flt = self.alert_list.filter
        if not flt.matchers:
            self.notify("bulk silence needs a label=value filter first (/)", severity="warning")
        elif self._can_change("silence"):
            self._open_silence(flt.as_matchers(), "Silence everything matching the filter", None)

    def _open_silence(
        self,
        matchers: list[Matcher],
        title: str,
        alert: Alert | None,
        form: SilenceForm | None = None,
        refused: str = "",
    ) -> None:
        def done(answer: SilenceForm | None) -> None:
            if answer is not None:
                self._create_silence(answer, alert, title)

        minutes = self.ctx.settings.silence_hours * 60
        policy = self.ctx.settings.silence_policy
        dialog = SilenceDialog(
            matchers, self.alerts, minutes=minutes, title=one_line(title), policy=policy,
            form=form, refused=refused,
        )  # fmt: skip
        self.app.push_screen(dialog, done)
        self._find_similar(dialog)

    @work(group="silences", exit_on_error=False, description="Find similar silences")
    async def _find_similar(self, dialog: SilenceDialog) -> None:
        known = await self.services.guard.known(SOURCE_TIMEOUT_S)
        if known and dialog.is_attached:
            dialog.show_known(known, self.ctx.clock.now())

    @work(group="silences", exit_on_error=False, description="Create a silence")
    async def _create_silence(self, form: SilenceForm, alert: Alert | None, title: str) -> None:
        now = self.ctx.clock.now()
        request = SilenceRequest(
            form.matchers, now, now + timedelta(minutes=form.minutes), self.ctx.author, form.comment
        )
        decision = await self.services.guard.verdict(
            request, self.alerts, override_reason=form.override_reason, timeout_s=SOURCE_TIMEOUT_S
        )
        if not decision.allowed:
            self.notify(decision.message, severity="warning", timeout=8, markup=False)
            self._open_silence(list(form.matchers), title, alert, form, decision.message)
            return
        if decision.override is not None:
            log = self.services.incident_log
            write_entry(self, log_override(log, decision.override, request))
        try:
            fact = await bounded(
                self.services.silences.create(request, alert=alert, alerts=self.alerts),
                SOURCE_TIMEOUT_S,
                "silence",
            )
        except WarroomError as exc:
            self.notify(f"silence failed: {exc}", severity="error", markup=False)
            return
        self.record_fact(fact)
        matchers = one_line(" ".join(str(m) for m in form.matchers))
        self.notify(f"silenced: {matchers}", timeout=4, markup=False)
        self.poll()

    def action_ack(self) -> None:
        alert = self.selected
        if alert is not None and self._can_change("acknowledge"):
            self._ack(alert)

    @work(group="silences", exit_on_error=False, description="Acknowledge an alert")
    async def _ack(self, alert: Alert) -> None:
        incident = self.services.incident_log.incident
        incident_id = incident.id if incident is not None and incident.is_open else None
        keeper = self.services.keepalive.keeper
        try:
            fact = await bounded(
                keeper.ack(alert, self.ctx.author, incident_id), SOURCE_TIMEOUT_S, "ack"
            )
        except WarroomError as exc:
            self.notify(f"ack failed: {exc}", severity="error", markup=False)
            return
        minutes = self.ctx.settings.ack_minutes
        text = f"Acknowledged {alert.name} ({alert.service or alert.instance}) for {minutes:g} min"
        data = {"silence_id": fact.silence_id, "alertname": alert.name}
        data["fingerprint"] = alert.fingerprint
        self.post_message(Region.Record(EntryKind.ALERT_ACKED, text, data))
        self.notify(f"acknowledged {one_line(alert.name)}", timeout=4, markup=False)
        self.poll()

    def action_silences(self) -> None:
        if not any(s.can_silence for s in self.ctx.sources.alert_sources):
            self.notify(
                "no Alertmanager configured: there are no silences to list", severity="warning"
            )
            return
        self._show_silences()

    @work(group="silences", exit_on_error=False, description="List silences")
    async def _show_silences(self) -> None:
        try:
            silences, errors = await bounded(
                self.services.silences.list(), SOURCE_TIMEOUT_S, "silences"
            )
        except WarroomError as exc:
            self.notify(f"silences: {exc}", severity="error", markup=False)
            return

        self._listed = {s.id: s for s in silences}

        def chosen(silence: Silence | None) -> None:
            if silence is not None:
                self.post_message(Region.Requested("expire", silence.id))

        view = SilencesView(silences, errors, self.ctx.clock.now())
        self.app.push_screen(view, chosen)

    def action_expire(self, silence_id: str) -> None:
        self._expire(silence_id)

    @work(group="silences", exit_on_error=False, description="Expire a silence")
    async def _expire(self, silence_id: str) -> None:
        silence = self._listed.get(silence_id)
        if silence is None:
            return
        try:
            fact = await bounded(self.services.silences.expire(silence), SOURCE_TIMEOUT_S, "expire")
        except WarroomError as exc:
            self.notify(f"expire failed: {exc}", severity="error", markup=False)
            return
        self.record_fact(fact)
        self.notify(f"expired silence {silence_id[:8]}", timeout=4, markup=False)
        self.poll()
