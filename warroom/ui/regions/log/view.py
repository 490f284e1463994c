"""The incident log: timestamped entries in the shared log's one order (`log_order.timeline`:
as the store committed them, backdated ones by their time), local time and UTC side by side."""

from __future__ import annotations

from rich.text import Text

from warroom.domain.incident import Entry, EntryKind
from warroom.domain.log_order import goes_last, stays, timeline
from warroom.domain.untrusted import inert, one_line
from warroom.ui.widgets.text_log import TextLog

MAX_ENTRIES = 5000  # the oldest leave the pane (never the store)

_KIND_LABEL = {
    EntryKind.DECLARED: "DECLARED",
    EntryKind.NOTE: "note",
    EntryKind.DECISION: "decision",
    EntryKind.ACTION_ITEM: "action",
    EntryKind.STATUS: "STATUS",
    EntryKind.ROLE: "role",
    EntryKind.SEVERITY: "severity",
    EntryKind.ALERT_FIRED: "FIRED",
    EntryKind.ALERT_RESOLVED: "resolved",
    EntryKind.ALERT_ACKED: "ack",
    EntryKind.SILENCE: "silence",
    EntryKind.STEP_RUN: "step",
    EntryKind.STATUS_UPDATE: "update",
    EntryKind.SNAPSHOT: "pinned",
    EntryKind.CORRECTION: "correction",
}

_LOUD = {EntryKind.DECLARED, EntryKind.STATUS, EntryKind.ALERT_FIRED}


def format_entry(entry: Entry, *, unsaved: bool = False) -> Text:
    local = entry.at.astimezone()
    line = Text(no_wrap=False)
    line.append(f"{local:%H:%M:%S} ", "bold")
    line.append(f"{entry.at:%H:%MZ} ", "dim")
    label = _KIND_LABEL.get(entry.kind, entry.kind.value)
    line.append(f"{label:<9}", "bold" if entry.kind in _LOUD else "")
    line.append(f"{one_line(entry.author.split('@')[0]):<10} ", "dim")
    text = entry.text
    if entry.backdated:
        text += f"  (recorded {entry.recorded_at.astimezone():%H:%M})"
    if entry.corrects:
        text = f"corrects {entry.corrects[:8]}: {text}"
    line.append(inert(text))  # untrusted: alert text, notes, step output (never markup)
    if unsaved:  # shown, kept in memory, retried: the store has not got it (disk full, ...)
        line.append("  NOT SAVED", "bold reverse")
    return line


class IncidentLogView(TextLog):
    DEFAULT_CSS = """
    IncidentLogView { background: $surface; scrollbar-size-vertical: 1; }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(max_lines=MAX_ENTRIES, id=id, classes=classes)
        self._held: dict[str, Entry] = {}  # every entry shown, by id
        self._placing = False  # a redraw in the log's order is on its way
        self._shown: list[Entry] = []  # what the pane holds, in order (for a redraw)
        self._unsaved: frozenset[str] = frozenset()

    def add_entry(self, entry: Entry) -> None:
        """Show an entry once, in its place: one that arrives again (from another console, or
        ours once the store committed it) only moves when it now has its sequence. What must
        be placed among the lines already drawn is placed once per frame, however many come."""
        held = self._held.get(entry.id)
        if held is not None and entry.seq in (None, held.seq):
            return
        self._held[entry.id] = entry
        if self._placing:
            return  # the coming redraw places it with the rest
        if held is None and goes_last(self._shown, entry):
            self._shown.append(entry)
            del self._shown[:-MAX_ENTRIES]
            self.write(format_entry(entry, unsaved=entry.id in self._unsaved))
            return
        if held is not None:
            index = next((i for i, e in enumerate(self._shown) if e.id == entry.id), None)
            if index is not None and stays(self._shown, index, entry):
                self._shown[index] = entry  # numbered where it stood: its line is unchanged
                return
        self._placing = True
        self.call_after_refresh(self._place_all)

    def _place_all(self) -> None:
        self._placing = False
        self._shown = timeline(self._held.values())[-MAX_ENTRIES:]
        self._redraw()

    def _redraw(self) -> None:
        self.clear()
        for entry in self._shown:
            self.write(format_entry(entry, unsaved=entry.id in self._unsaved))

    def mark_unsaved(self, ids: frozenset[str]) -> None:
        """Entries the store has not got yet are marked NOT SAVED, and unmarked once it has."""
        if ids == self._unsaved:
            return
        changed = ids ^ self._unsaved
        self._unsaved = ids
        if any(e.id in changed for e in self._shown):
            self._redraw()
