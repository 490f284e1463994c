"""The Service region: what is running for the service in scope and what changed.

Read-only. The scope is the golden signals' (`services.scope`, the selected alert's scope
label, after the same rest rule), read once the screen has handed every region the alert.
Poll → render → re-arm on the console's refresh, as the signals: each source has its own
timeout and backoff inside `ServiceContextPoller`. After each poll the changes go up
(`ServiceChanges`: the screen hands them to the signals, which mark them), and those inside
the incident window not yet in the log go up as `change` entries (`Region.Record`; the
screen writes none for a viewer).
"""

from __future__ import annotations

from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.message import Message
from textual.worker import Worker, WorkerState

from warroom.domain.alerts import Alert
from warroom.domain.incident import Entry, EntryKind
from warroom.services.service_context import ContextView, ServiceContextPoller, change_entry
from warroom.ui.messages import ServiceChanges
from warroom.ui.regions.base import SOURCE_TIMEOUT_S, Region, Services
from warroom.ui.regions.service.view import ServiceLines, ServiceView

SCOPE_SETTLE_S = 0.05  # after the signals' rest time: their scope has been set by then


class ContextPolled(Message):
    """A poll of the context sources finished (posted by the worker, handled here)."""

    def __init__(self, view: ContextView) -> None:
        super().__init__()
        self.view = view


class ServiceRegion(Region):
    NAME = "service"
    TITLE = "Service"
    ACTIONS = ()  # read-only: it moves (j/k...) and refreshes with `r`, nothing else

    def __init__(self, services: Services) -> None:
        super().__init__(services)
        self.add_class("-wide")  # the grid gives it a whole row (app.tcss)
        sources = services.ctx.sources.context_sources
        self.poller = ServiceContextPoller(sources, services.ctx.clock, SOURCE_TIMEOUT_S)
        if services.ctx.settings.signals:
            longest = max(s.range_s for s in services.ctx.settings.signals)
            self.poller.lookback_s = max(self.poller.lookback_s, float(longest))
        self._started = False
        self._timer: Any = None
        self._scope_timer: Any = None
        self._view: ContextView | None = None

    def compose(self) -> ComposeResult:
        with ServiceView(id="service-view"):
            yield ServiceLines(id="service-lines")

    def start(self) -> None:
        self._started = True
        self._follow_scope()
        self.poll()

    def show_alert(self, alert: Alert | None) -> None:
        """The signals follow the cursor now or once it rests: look at their scope after every
        region has been told, and again once a rest would be over."""
        self.call_later(self._follow_scope)
        if self._scope_timer is not None:
            self._scope_timer.stop()
        wait = self.services.scope.rest_s + SCOPE_SETTLE_S
        self._scope_timer = self.set_timer(wait, self._follow_scope)

    def _follow_scope(self) -> None:
        if not self.poller.set_scope(self.services.scope.service):
            return
        self._view = None
        self.query_one(ServiceLines).show(self.poller.view(), self.ctx.clock.now())
        if self._started:
            self.poll()

    def refresh_now(self) -> None:
        self.poll()

    @work(exclusive=True, group="poll-context", exit_on_error=False, description="Service context")
    async def poll(self) -> None:
        incident = self.services.incident_log.incident
        self.post_message(ContextPolled(await self.poller.poll(incident)))

    @on(ContextPolled)
    def polled(self, message: ContextPolled) -> None:
        message.stop()
        view = message.view
        self._view = view
        self.query_one(ServiceLines).show(view, self.ctx.clock.now())
        service = view.service
        failing = ", ".join(a.name for a in view.failing)
        self.retitle(
            f"Service · {service}" if service else "Service · every service",
            f"{failing} failing" if failing else "",
        )
        self.post_message(ServiceChanges(view.changes))
        self._record(view)
        self.schedule(self.ctx.settings.refresh_s)

    def show_entry(self, entry: Entry) -> None:
        """An incident was declared: the changes already seen in its window go to its log
        now, not at the next poll."""
        if entry.kind is EntryKind.DECLARED and self._view is not None:
            self._record(self._view)

    def _record(self, view: ContextView) -> None:
        log = self.services.incident_log
        for change in self.poller.unrecorded(view.changes, log.incident, log.pre_incident):
            text, data = change_entry(change)
            self.post_message(Region.Record(EntryKind.CHANGE, text, data, at=change.at))

    def schedule(self, delay: float) -> None:
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(delay, self.poll)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR and event.worker.group == "poll-context":
            self.schedule(self.ctx.settings.refresh_s * 2)  # (the screen says what broke)
