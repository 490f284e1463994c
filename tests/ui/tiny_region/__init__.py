"""A tiny region, as a newcomer would add one: a package whose REGION is a Region subclass,
registered with one line. It counts the alerts the screen selected and offers one key of
each access kind."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Static

from warroom.domain.alerts import Alert
from warroom.ui.regions.base import Access, Action, Region


class TinyRegion(Region):
    NAME = "tiny"
    TITLE = "Tiny"
    ACTIONS = (
        Action("z", "count", "Count", Access.READ),
        Action("Z", "reset", "Reset", Access.WRITE, show=False),
    )

    def compose(self) -> ComposeResult:
        yield Static("0", id="tiny-count")

    def show_alert(self, alert: Alert | None) -> None:
        """Attributes down: the screen hands every region the selected alert."""
        self.selected = alert

    def action_count(self) -> None:
        counter = self.query_one("#tiny-count", Static)
        counter.update(str(int(str(counter.render())) + 1))

    def action_reset(self) -> None:
        self.query_one("#tiny-count", Static).update("0")


REGION = TinyRegion
