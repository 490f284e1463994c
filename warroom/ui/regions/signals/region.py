"""The golden-signals region: samples through the signal-scope service and shows a panel per
signal; follows the selected alert's service (the scope's rest rule says when).

Poll → render → re-arm, as the alerts: each sample is an exclusive worker, backing off while
every source fails.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.events import DescendantFocus
from textual.worker import Worker, WorkerState

from warroom.domain.alerts import Alert
from warroom.domain.errors import WarroomError
from warroom.domain.scope import DEFAULT_SCOPE_LABELS, service_scope
from warroom.domain.service_context import Change
from warroom.domain.signals import format_value, sparkline_text
from warroom.services.polling import bounded
from warroom.ui.dialogs.prompts import Choose
from warroom.ui.messages import SignalPinned, SignalsRefreshed
from warroom.ui.regions.base import SOURCE_TIMEOUT_S, Access, Action, Region, Services
from warroom.ui.regions.signals.signal_panel import SignalPanel


class SignalsRegion(Region):
    NAME = "signals"
    TITLE = "Golden signals"
    TALL = True
    FIRST_FRAME = True  # a commander waits for these values
    DEFAULT_CSS = """
    SignalsRegion { layout: grid; grid-size: 2; grid-gutter: 0; }
    """
    ACTIONS = (
        Action("v", "pick_service", "Service", Access.READ, show=False),
        Action("p", "pin", "Pin signal", Access.WRITE, show=False),
    )
    BINDINGS = [  # between the panels, in reading order; the ends stop
        Binding("j,down,right", "move_panel(1)", "Next panel", show=False),
        Binding("k,up,left", "move_panel(-1)", "Previous panel", show=False),
        Binding("home", "move_panel(-99)", "First panel", show=False),
        Binding("end", "move_panel(99)", "Last panel", show=False),
    ]

    def __init__(self, services: Services) -> None:
        super().__init__(services)
        self.scope = services.scope
        self._started = False
        self._drawn = False
        self._timer: Any = None
        self._follow_timer: Any = None
        self._chosen: SignalPanel | None = None  # the panel last focused: what `p` pins

    def compose(self) -> ComposeResult:
        for spec in self.ctx.settings.signals:
            yield SignalPanel(self.scope.series[spec.key], id=f"signal-{spec.key}")

    def start(self) -> None:
        self._started = True
        self._start()

    def show_alert(self, alert: Alert | None) -> None:
        """The cursor moved to `alert`: follow its service now, or once the cursor rests."""
        if alert is None:
            return
        env = self.ctx.settings.active_environment
        service = service_scope(alert.labels, env.scope_labels if env else DEFAULT_SCOPE_LABELS)
        if self._follow_timer is not None:
            self._follow_timer.stop()
            self._follow_timer = None
        wait = self.scope.follow()
        if wait:
            self._follow_timer = self.set_timer(wait, lambda: self.set_scope(service))
        else:
            self.set_scope(service)

    def set_scope(self, service: str | None) -> None:
        if not self.scope.set(service):
            return
        self._show()
        if self._started:  # else they start, in this scope, once the alerts are drawn
            self._start()

    def _show(self) -> None:
        now = self.ctx.clock.now()
        for panel in self.query(SignalPanel):
            panel.update_series(self.scope.series[panel.series.spec.key], now)

    @work(exclusive=True, group="poll-signals", exit_on_error=False, description="Backfill signals")
    async def _start(self) -> None:
        self.post_message(SignalsRefreshed(ok=await self.scope.start()))

    def show_changes(self, changes: Sequence[Change]) -> None:
        """The Service region's changes: each panel marks those in its window."""
        for panel in self.query(SignalPanel):
            panel.show_changes(tuple(changes))

    def refresh_now(self) -> None:
        self.poll()

    @work(exclusive=True, group="poll-signals", exit_on_error=False, description="Sample signals")
    async def poll(self) -> None:
        self.post_message(SignalsRefreshed(ok=await self.scope.sample()))

    @on(SignalsRefreshed)
    def refreshed(self, message: SignalsRefreshed) -> None:
        message.stop()
        self._show()
        if self._started and not self._drawn:  # the other regions start once these values are drawn
            self._drawn = True
            self.post_message(Region.Drawn(self))
        service = self.scope.service
        self.retitle(f"Golden signals · {service}" if service else "Golden signals")
        self.schedule(self.scope.next_delay(self.ctx.settings.refresh_s))

    def schedule(self, delay: float) -> None:
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(delay, self.poll)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR and event.worker.group == "poll-signals":
            self.schedule(self.ctx.settings.refresh_s * 2)  # (the screen says what broke)

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
            self.notify(f"services: {exc}", severity="error", markup=False)
            return

        def chosen(service: str | None) -> None:
            if service is not None:
                self.set_scope(service or None)

        options = [("", "all services"), *((s, s) for s in services)]
        self.app.push_screen(Choose("Signals for which service?", options), chosen)

    def on_descendant_focus(self, event: DescendantFocus) -> None:
        if isinstance(event.widget, SignalPanel):
            self._chosen = event.widget

    def action_move_panel(self, delta: int) -> None:
        panels = list(self.query(SignalPanel))
        if not panels:
            return
        at = panels.index(self._chosen) if self._chosen in panels else 0
        panels[min(max(at + delta, 0), len(panels) - 1)].focus()

    def action_pin(self) -> None:
        """Pins the focused panel (or the one last focused here; the first before any)."""
        focused = self.screen.focused
        panels = list(self.query(SignalPanel))
        panel = focused if isinstance(focused, SignalPanel) else self._chosen
        panel = panel if panel in panels else (panels[0] if panels else None)
        if panel is None:
            return
        series = panel.series
        latest = series.latest
        value = format_value(latest.value if latest else None, series.spec.unit)
        spark = sparkline_text(series.values(), 30)
        self.post_message(SignalPinned(series.spec.name, value, spark))
