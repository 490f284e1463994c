"""The first frame: the war room's frame (header, DRILL banner, the four regions) at once.

Everything the regions need (their widgets, the services behind them) is imported in a thread
after this frame is on screen; then the real war-room screen takes its place. On a slow
bastion the commander sees where they are immediately, and nothing waits on imports.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Grid, Vertical
from textual.screen import Screen
from textual.widgets import Static

from warroom.services.polling import AlertPoller
from warroom.ui.context import ConsoleContext
from warroom.ui.screens.base import REGION_TITLES
from warroom.ui.widgets.key_bar import KeyBar
from warroom.ui.widgets.war_header import HeaderState, WarHeader, drill_banner, mode_text


class BootScreen(Screen[None]):
    def __init__(self, ctx: ConsoleContext, alert_poller: AlertPoller) -> None:
        super().__init__()
        self.ctx = ctx
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
        with Grid(id="regions"):
            for region_id, title in REGION_TITLES.items():
                region = Vertical(id=region_id, classes="region")
                region.border_title = title
                yield region
        yield KeyBar()

    def on_mount(self) -> None:
        self.call_after_refresh(self._load)

    def _load(self) -> None:
        from warroom.ui.screens.war_room import WarRoomScreen

        # pushed over the boot frame (never an empty screen stack while it mounts)
        self.app.push_screen(WarRoomScreen(self.ctx, self.alert_poller))
