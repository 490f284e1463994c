"""The incident log: timestamped entries in the shared log's one order (`log_order.timeline`:
as the store committed them, backdated ones by their time), local time and UTC side by side,
each with its short id (what `correct <id>: …` takes). A cursor walks the entries (j/k, the arrows,
PgUp/PgDn, Home/End; the ends stop), `enter` offers what to do with the one under it, and an
entry longer than two lines is folded until asked for in full."""

from __future__ import annotations

from bisect import bisect_right
from itertools import accumulate
from typing import Any

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.geometry import Region
from textual.message import Message
from textual.strip import Strip

from warroom.domain.incident import Entry, EntryKind
from warroom.domain.log_order import goes_last, stays, timeline
from warroom.domain.untrusted import inert, one_line
from warroom.ui.widgets.text_log import TextLog

MAX_ENTRIES = 5000  # the oldest leave the pane (never the store)
FOLD_LINES = 2  # a longer entry shows this many lines until `enter` opens it
SHORT_ID = 6  # characters of `Entry.id` shown; `correct <id>: …` takes any prefix of 4 or more
CURSOR = "▸"

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
# the kind column is as wide as its longest word, so none spills into the author's
_KIND_WIDTH = max(len(_KIND_LABEL.get(kind, kind.value)) for kind in EntryKind) + 1

_LOUD = {EntryKind.DECLARED, EntryKind.STATUS, EntryKind.ALERT_FIRED}


def short_id(entry_id: str) -> str:
    return entry_id[:SHORT_ID]


class EntryText(Text):
    """An entry's text, carrying the entry's id so the pane folds and opens it by entry."""

    __slots__ = ("entry_id",)

    def __init__(self, entry_id: str) -> None:
        super().__init__(no_wrap=False)
        self.entry_id = entry_id


def format_entry(entry: Entry, *, unsaved: bool = False) -> EntryText:
    local = entry.at.astimezone()
    line = EntryText(entry.id)
    line.append(" ")  # the cursor's column
    line.append(f"{local:%H:%M:%S} ", "bold")
    line.append(f"{entry.at:%H:%MZ} ", "dim")
    line.append(f"{one_line(short_id(entry.id))} ", "dim")
    label = _KIND_LABEL.get(entry.kind, entry.kind.value)
    line.append(f"{label:<{_KIND_WIDTH}}", "bold" if entry.kind in _LOUD else "")
    line.append(f"{one_line(entry.author.split('@')[0]):<10} ", "dim")
    text = entry.text
    if entry.backdated:
        recorded = entry.recorded_at.astimezone()
        if recorded.date() != local.date():  # another day: the date, never only a time
            text += f"  (on {local:%a %d %b}; recorded {recorded:%a %d %b %H:%M})"
        else:
            text += f"  (recorded {recorded:%H:%M})"
    if entry.corrects:
        text = f"corrects {short_id(entry.corrects)}: {text}"
    line.append(inert(text))  # untrusted: alert text, notes, step output (never markup)
    if unsaved:  # shown, kept in memory, retried: the store has not got it (disk full, ...)
        line.append("  NOT SAVED", "bold reverse")
    return line


class IncidentLogView(TextLog):
    DEFAULT_CSS = """
    IncidentLogView { background: $surface; scrollbar-size-vertical: 1; }
    IncidentLogView > .incident-log--cursor { text-style: reverse; }
    """
    COMPONENT_CLASSES = {"incident-log--cursor"}
    BINDINGS = [
        Binding("j,down", "move(1)", "Next entry", show=False),
        Binding("k,up", "move(-1)", "Previous entry", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("home", "move(-1000000)", "First entry", show=False),
        Binding("end", "move(1000000)", "Last entry", show=False),
        Binding("enter", "open", "Open entry", show=False),
    ]

    class EntryChosen(Message):
        """`enter` on an entry: the region offers what can be done with it."""

        def __init__(self, entry: Entry, folded: bool) -> None:
            super().__init__()
            self.entry = entry
            self.folded = folded  # longer than the pane shows it (enter can show all)

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(max_lines=MAX_ENTRIES, id=id, classes=classes)
        self._held: dict[str, Entry] = {}  # every entry shown, by id
        self._placing = False  # a redraw in the log's order is on its way
        self._shown: list[Entry] = []  # what the pane holds, in order (for a redraw)
        self._unsaved: frozenset[str] = frozenset()
        self._open: set[str] = set()  # entries shown in full
        self._long: set[str] = set()  # entries longer than FOLD_LINES at this width
        self._cursor = -1  # index into `_shown`; -1 follows the newest
        self._starts_at: list[int] | None = []  # first wrapped line of each entry (None: stale)

    # ------------------------------------------------------------ entries

    @property
    def cursor_entry(self) -> Entry | None:
        """The entry under the cursor (the newest while it follows)."""
        return self._shown[self._cursor] if self._shown else None

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
            gone = len(self._shown) - MAX_ENTRIES
            if gone > 0:
                del self._shown[:gone]
                if self._cursor >= 0:
                    self._cursor = max(0, self._cursor - gone)
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
        parked = self.cursor_entry if self._cursor >= 0 else None
        self._shown = timeline(self._held.values())[-MAX_ENTRIES:]
        if parked is not None:  # the cursor stays on its entry wherever it now stands
            where = (i for i, e in enumerate(self._shown) if e.id == parked.id)
            self._cursor = next(where, -1)
        self._redraw()

    def _redraw(self) -> None:
        self.clear()
        self._starts_at = None
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

    def follow(self) -> None:
        """Back to the newest entry, and follow what arrives (what this person just wrote)."""
        if self._shown:
            self._set_cursor(len(self._shown) - 1)
            super().scroll_end(animate=False)

    def toggle_open(self, entry_id: str) -> None:
        """Show a folded entry in full, or fold it again."""
        self._open ^= {entry_id}
        self._rewrap()
        self._resized()
        self._show_cursor()

    # ------------------------------------------------------------ folding, drawing

    def _wrap(self, text: Text) -> list[Text]:
        lines = super()._wrap(text)
        entry_id = getattr(text, "entry_id", None)
        if entry_id is None or len(lines) <= FOLD_LINES:
            self._long.discard(entry_id or "")
            return lines
        self._long.add(entry_id)
        if entry_id in self._open:
            return lines
        more = Text(f" … +{len(lines) - FOLD_LINES} lines (enter)", "dim")
        last = lines[FOLD_LINES - 1].copy()
        last.truncate(max(1, self._width - more.cell_len))
        return [*lines[: FOLD_LINES - 1], last.append_text(more)]

    def _resized(self) -> None:
        self._starts_at = None  # recounted when next read: a resume writes thousands at once
        super()._resized()

    @property
    def _starts(self) -> list[int]:
        if self._starts_at is None:
            self._starts_at = [0, *accumulate(self._counts)][: len(self._counts)]
        return self._starts_at

    def render_line(self, y: int) -> Strip:
        strip = super().render_line(y)
        index = self.cursor_index
        if index is None or index >= len(self._starts):
            return strip
        line = self.scroll_offset.y + y
        start = self._starts[index]
        if not start <= line < start + self._counts[index]:
            return strip
        if self.has_focus:
            style = self.get_component_rich_style("incident-log--cursor", partial=True)
            strip = strip.apply_style(style)
        if line == start and self.scroll_offset.x == 0 and strip.cell_length:
            mark = Strip([Segment(CURSOR, self.rich_style + Style(bold=True))], 1)
            strip = Strip.join([mark, strip.crop(1, strip.cell_length)])
        return strip

    # ------------------------------------------------------------ the cursor

    @property
    def cursor_index(self) -> int | None:
        if not self._shown:
            return None
        return self._cursor if self._cursor >= 0 else len(self._shown) - 1

    def _set_cursor(self, index: int) -> None:
        last = len(self._shown) - 1
        index = min(max(index, 0), last)
        self._cursor = -1 if index == last else index  # on the newest: follow what arrives
        self.refresh()
        self._show_cursor()

    def _show_cursor(self) -> None:
        index = self.cursor_index
        if index is None or index >= len(self._starts):
            return
        start, count = self._starts[index], self._counts[index]
        self.scroll_to_region(Region(0, start, 1, count), animate=False, immediate=True)

    def scroll_end(self, **kwargs: Any) -> None:
        """The pane follows the newest entry, unless the cursor stays on an older one."""
        if self._cursor < 0:
            super().scroll_end(**kwargs)

    def action_move(self, delta: int) -> None:
        index = self.cursor_index
        if index is not None:
            self._set_cursor(index + delta)

    def action_page(self, direction: int) -> None:
        """A page of lines up or down, landing on the entry there."""
        index = self.cursor_index
        if index is None or not self._starts:
            return
        page = max(1, self.scrollable_content_region.height - 1)
        target = self._starts[min(index, len(self._starts) - 1)] + direction * page
        landed = bisect_right(self._starts, max(0, target)) - 1
        self._set_cursor(landed if landed != index else index + direction)  # (a long one)

    def action_open(self) -> None:
        entry = self.cursor_entry
        if entry is not None:
            self.post_message(self.EntryChosen(entry, entry.id in self._long))
