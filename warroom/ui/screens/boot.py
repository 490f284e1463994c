"""The first frame: the war room's frame (header, DRILL banner, the regions' frames) at once.

Everything the regions need (their widgets, the services behind them) is imported after this
frame is on screen; then the real war-room screen takes its place. On a slow bastion the
commander sees where they are immediately, and nothing waits on imports.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Grid, Vertical
from textual.widgets import Static

from warroom.services.polling import AlertPoller
from warroom.ui.context import ConsoleContext
from warroom.ui.screens.frame import FrameScreen
from warroom.ui.widgets.key_bar import KeyBar
from warroom.ui.widgets.war_header import HeaderState, WarHeader, drill_banner, mode_text


class BootScreen(FrameScreen):
    def __init__(self, ctx: ConsoleContext, alert_poller: AlertPoller) -> None:
        super().__init__(ctx)
        self.alert_poller = alert_poller

    def compose(self) -> ComposeResult:
        sources = self.ctx.sources
        yield WarHeader(
            HeaderState(
                environment=sources.environment,
                mode=mode_text(
                    drill=sources.is_drill, production=sources.is_production, viewer=self.ctx.viewer
                ),
                now=self.ctx.clock.now().replace(second=0, microsecond=0),
            )
        )
        if sources.is_drill:
            yield Static(drill_banner(self.ctx.scenario), id="drill-banner")
        yield Static("", id="region-tabs")
        with Grid(id="regions"):
            for spec in self.shown_specs:
                region = Vertical(id=f"{spec.name}-region", classes="region")
                region.border_title = spec.title
                yield region
        yield KeyBar()

    def on_mount(self) -> None:
        self.call_after_refresh(self._load)

    def _load(self) -> None:
        from warroom.ui.screens.war_room import war_room

        # pushed over the boot frame (never an empty screen stack while it mounts)
        self.app.push_screen(war_room(self.ctx, self.alert_poller))
