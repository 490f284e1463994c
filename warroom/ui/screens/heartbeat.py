"""What the war room says of itself on a cadence: its heartbeat through the store (so the
others' headers show who is here) and the nudges due once a second.

The heartbeat is a widget of its own (never shown) so the screen only composes it: it owns its
timer and its worker, and a store that is away costs nothing but a skipped beat."""

from __future__ import annotations

from collections.abc import Iterator

from textual import work
from textual.widget import Widget

from warroom.domain.errors import WarroomError
from warroom.services.incident_log import IncidentLog
from warroom.services.presence import PresenceService


class Heartbeat(Widget):
    DEFAULT_CSS = "Heartbeat { display: none; }"

    def __init__(self, presence: PresenceService, log: IncidentLog) -> None:
        super().__init__()
        self.presence = presence
        self.incident_log = log

    def on_mount(self) -> None:
        self.set_interval(self.presence.every_s, self.beat)

    @work(group="presence", exclusive=True, exit_on_error=False, description="Presence")
    async def beat(self) -> None:
        """One heartbeat, and who else is here (the header reads `presence.others()`)."""
        try:
            await self.presence.beat(self.incident_log.incident)
        except WarroomError:
            return  # the store is away: its slot says so; the others age out of the header


def nudges(log: IncidentLog, said: set[str]) -> Iterator[tuple[str, str, float]]:
    """(title, text, seconds shown) for each store notice and escalation reminder not yet
    said; `said` remembers them so each is said once."""
    notice = log.store_status.notice
    if notice and notice not in said:
        said.add(notice)
        yield "Incident store", notice, 20
    for reminder in log.escalation_reminders():
        if reminder.key not in said:
            said.add(reminder.key)
            yield "Escalation", reminder.text, 5
