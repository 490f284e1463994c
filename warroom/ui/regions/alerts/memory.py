"""The alerts region's memory: the tripwire banner, and the workers that record each poll,
load "seen before" and make maintenance silences (all through `services.memory`).

A widget of its own (a one-line banner at the top of the region, hidden until a muted critical
alert trips it), so the region keeps its poll → render → re-arm and this keeps the rest: it is
handed each snapshot (attributes down) and posts what it found (messages up).
"""

from __future__ import annotations

from textual import work
from textual.message import Message
from textual.widgets import Static

from warroom.domain.alert_history import HistoryIndex
from warroom.domain.errors import WarroomError
from warroom.domain.tripwire import Tripped
from warroom.services.alert_memory import AlertMemory
from warroom.services.polling import AlertSnapshot
from warroom.services.remedy_memory import RemedyLibrary
from warroom.ui.dialogs.prompts import Confirm, plain
from warroom.ui.dialogs.silences_view import SilenceChoice, SilencesView
from warroom.ui.messages import RemediesLoaded
from warroom.ui.regions.base import Region

Requested = Region.Requested

INDEX_EVERY_S = 60.0  # "seen before" ages even when nothing fires
MAINTENANCE_EVERY_S = 60.0  # windows are made minutes ahead: a minute's tick is plenty


class HistoryLoaded(Message):
    """A fresh "seen before" index for the rows."""

    def __init__(self, index: HistoryIndex) -> None:
        super().__init__()
        self.index = index


class TripwireRaised(Message):
    """New critical alerts that an active silence mutes (the newest poll's)."""

    def __init__(self, trips: list[Tripped]) -> None:
        super().__init__()
        self.trips = trips


class MemoryBanner(Static):
    """Shows the latest trip ("muted critical: DBDown matched silence 3f2a by alice, 47 min
    left · m shows it · M expires it"); `trip` is what the keys act on."""

    DEFAULT_CSS = """
    MemoryBanner { display: none; height: 1; background: $error 35%; color: $text;
                   text-style: bold; }
    MemoryBanner.-tripped { display: block; }
    """

    def __init__(
        self,
        memory: AlertMemory,
        remedies: RemedyLibrary,
        *,
        maintain: bool,
        id: str | None = None,
    ) -> None:
        super().__init__("", id=id, markup=False)
        self.memory = memory
        self.remedies = remedies
        self.maintain = maintain
        self.trip: Tripped | None = None
        self._errors: set[str] = set()  # trouble already said once (history: until it clears)

    def on_mount(self) -> None:
        if self.memory.enabled:
            self.set_interval(INDEX_EVERY_S, self.load_index)
        if self.maintain and self.memory.maintenance is not None:
            self.set_interval(MAINTENANCE_EVERY_S, self.maintenance_tick)
            self.call_later(self.maintenance_tick)

    def start(self) -> None:
        """The first alerts are drawn: load "seen before" and the past incidents."""
        if self.memory.enabled:
            self.load_index()
        self._load_remedies()

    # ------------------------------------------------------------ attributes down

    def observe(self, snapshot: AlertSnapshot) -> None:
        """One poll drawn: check the tripwire, then record it (both off the event loop)."""
        self._tripwire(snapshot)
        if self.memory.enabled:
            self._record(snapshot)

    def show_trip(self, trip: Tripped | None) -> None:
        self.trip = trip
        if trip is None:
            self.remove_class("-tripped")
            return
        self.update(plain(f"⚠ {trip.text} · m shows it · M expires it"))
        self.add_class("-tripped")

    def show_silence(self) -> None:
        """`m`: the silence that muted it (enter there expires it, through the usual gate)."""
        trip = self._trip_or_say()
        if trip is not None:

            def chosen(choice: SilenceChoice | None) -> None:
                if choice is not None and choice.action == "expire":
                    self.post_message(Requested("expire", choice.silence_id))
                elif choice is not None:
                    args = (choice.silence_id, choice.minutes, choice.comment)
                    self.post_message(Requested("edit_silence", *args))

            self.app.push_screen(SilencesView([trip.silence], {}, self.memory.clock.now()), chosen)

    def ask_expire(self) -> None:
        """`M`: expire it, asking first (the region's expire path, refused to a viewer)."""
        trip = self._trip_or_say()
        if trip is None:
            return
        silence = trip.silence

        def answered(yes: bool | None) -> None:
            if yes:
                self.show_trip(None)
                self.post_message(Requested("expire", silence.id))

        matchers = " ".join(str(m) for m in silence.matchers)
        question = f"Expire silence {silence.id[:8]} by {silence.created_by}?"
        self.app.push_screen(Confirm(question, f"{matchers} — {silence.comment}"), answered)

    def _trip_or_say(self) -> Tripped | None:
        if self.trip is None:
            self.notify("no muted critical alert", timeout=3)
        return self.trip

    # ------------------------------------------------------------ workers

    @work(group="tripwire", exit_on_error=False, description="Check the silence tripwire")
    async def _tripwire(self, snapshot: AlertSnapshot) -> None:
        trips = await self.memory.tripwire(snapshot)
        if trips:
            self.post_message(TripwireRaised(trips))

    @work(group="alert-history", exit_on_error=False, description="Record the alert history")
    async def _record(self, snapshot: AlertSnapshot) -> None:
        result = await self.memory.after_poll(snapshot)
        if result.error:
            self._say_once(result.error)
            return
        # the store is back: its next trouble is said again
        self._errors = {e for e in self._errors if not e.startswith("alert history")}
        if result.recorded and self.memory.reload_due():
            self.load_index()

    @work(group="remedies", exit_on_error=False, description="Read past incidents")
    async def _load_remedies(self, attempt: int = 0) -> None:
        """Past incidents, once the store is open (the screen opens it after the first frame:
        until then, tried again 0.25, 0.5, 1 ... 8 s later, said only if the last try fails)."""
        try:
            await self.remedies.load()
            self.post_message(RemediesLoaded())
        except WarroomError as exc:
            if attempt < 6:
                self.set_timer(0.25 * 2**attempt, lambda: self._load_remedies(attempt + 1))
            else:
                self._say_once(f"past incidents: {exc}")

    @work(exclusive=True, group="history-index", exit_on_error=False, description="Load history")
    async def load_index(self) -> None:
        try:
            index = await self.memory.load_index()
        except WarroomError as exc:
            self._say_once(f"alert history: {exc}")
            return
        self.post_message(HistoryLoaded(index))

    @work(
        exclusive=True, group="maintenance", exit_on_error=False, description="Maintenance windows"
    )
    async def maintenance_tick(self) -> None:
        try:
            result = await self.memory.maintenance_tick()
        except WarroomError as exc:
            self._say_once(f"maintenance: {exc}")
            return
        if result is None:
            return
        for error in result.errors:
            self._say_once(error)
        if result.created:
            made = len(result.created)
            self.notify(f"maintenance: {made} silence{'s' if made > 1 else ''} made", timeout=6)

    def _say_once(self, text: str) -> None:
        if text not in self._errors:
            self._errors.add(text)
            self.notify(text, severity="warning", timeout=8, markup=False)
