"""The incident log: timestamped entries, newest last, local time and UTC side by side.

Its own small scrolling view rather than Textual's RichLog: RichLog can show any renderable,
and importing it loads rich.pretty and attrs (about 15 ms of every start-up); the log only
ever shows lines of text, wrapped to the pane.
"""

from __future__ import annotations

from rich.text import Text
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from warroom.domain.incident import Entry, EntryKind
from warroom.ui.widgets.line_cache import console, text_strip

MAX_ENTRIES = 5000  # the oldest leave the pane (never the store)
MIN_WIDTH = 20  # a narrower pane still wraps at this width (and scrolls sideways)

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


def format_entry(entry: Entry) -> Text:
    local = entry.at.astimezone()
    line = Text(no_wrap=False)
    line.append(f"{local:%H:%M:%S} ", "bold")
    line.append(f"{entry.at:%H:%MZ} ", "dim")
    label = _KIND_LABEL.get(entry.kind, entry.kind.value)
    line.append(f"{label:<9}", "bold" if entry.kind in _LOUD else "")
    line.append(f"{entry.author.split('@')[0]:<10} ", "dim")
    text = entry.text
    if entry.backdated:
        text += f"  (recorded {entry.recorded_at.astimezone():%H:%M})"
    if entry.corrects:
        text = f"corrects {entry.corrects[:8]}: {text}"
    line.append(text)
    return line


class IncidentLogView(ScrollView, can_focus=True):
    DEFAULT_CSS = """
    IncidentLogView { background: $surface; scrollbar-size-vertical: 1; scrollbar-gutter: stable; }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._seen: set[str] = set()
        self._entries: list[Text] = []
        self._wrapped: list[Text] = []  # the entries' lines at `_width`
        self._width = 0
        self._strips: dict[int, Strip] = {}

    @property
    def lines(self) -> list[Strip]:
        """Every line of the log as drawn at the pane's width, oldest first."""
        return [self._strip(i) for i in range(len(self._wrapped))]

    @property
    def texts(self) -> list[str]:
        """Every entry shown, as plain text before wrapping, oldest first."""
        return [text.plain for text in self._entries]

    def add_entry(self, entry: Entry) -> None:
        """Show an entry once, even if it arrives again from another console."""
        if entry.id in self._seen:
            return
        self._seen.add(entry.id)
        self.write(format_entry(entry))

    def add_notice(self, text: str) -> None:
        self.write(Text(text, style="italic dim"))

    def write(self, text: Text) -> None:
        """Add a line at the end and scroll to it."""
        self._entries.append(text)
        if len(self._entries) > MAX_ENTRIES:
            del self._entries[: len(self._entries) - MAX_ENTRIES]
            self._rewrap()
        elif self._width:
            self._wrapped.extend(self._wrap(text))
        self._resized()
        self.scroll_end(animate=False)

    def _wrap(self, text: Text) -> list[Text]:
        return list(text.wrap(console, self._width)) or [Text()]

    def _rewrap(self) -> None:
        self._wrapped = [line for text in self._entries for line in self._wrap(text)]
        self._strips.clear()

    def _resized(self) -> None:
        # a width only when the pane is narrower than MIN_WIDTH (it then scrolls sideways)
        wider = self._width > self.scrollable_content_region.width
        self.virtual_size = Size(self._width if wider else 0, len(self._wrapped))
        self.refresh()

    def on_resize(self) -> None:
        width = max(MIN_WIDTH, self.scrollable_content_region.width)
        if width != self._width:
            self._width = width
            self._rewrap()
            self._resized()
            self.scroll_end(animate=False)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strips.clear()

    def _strip(self, i: int) -> Strip:
        strip = self._strips.get(i)
        if strip is None:
            strip = self._strips[i] = text_strip(self._wrapped[i], self._width, self.rich_style)
        return strip

    def render_line(self, y: int) -> Strip:
        x, top = self.scroll_offset
        i = top + y
        width = self.scrollable_content_region.width
        if i >= len(self._wrapped):
            return Strip.blank(width, self.rich_style)
        return self._strip(i).crop_extend(x, x + width, self.rich_style)
