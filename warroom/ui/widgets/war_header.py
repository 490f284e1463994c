"""The header: where we are (environment, mode), who else is here, what is happening
(incident), and the time.

Trouble has a fixed slot at the right of the second line (the store offline with its queue,
failing sources) that a long title never pushes off. Clocks have minute resolution so an idle
console writes almost nothing to the terminal.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rich.style import Style
from rich.text import Text

from warroom.domain.untrusted import clip
from warroom.ui.widgets.line_cache import LineCacheWidget


@dataclass(frozen=True, slots=True)
class HeaderState:
    environment: str
    mode: str  # "LIVE", "DRILL", "VIEWER", "DRILL · VIEWER"
    now: datetime
    incident: str = ""  # "P1 INVESTIGATING", "" when none
    incident_id: str = ""
    elapsed: str = ""  # "42m"
    cadence: str = ""  # "next update in 7m" / "UPDATE OVERDUE 3m"
    overdue: bool = False
    store: str = ""  # "" when fine, else "store offline · 3 queued"
    failing: tuple[str, ...] = ()  # sources that did not answer the last poll (their names)
    present: str = ""  # the other consoles: "bob TL · carol viewer" ("" when alone)
    roles: str = ""  # the other roles ("TL: bob Comms: carol")
    title: str = ""
    commander: str = ""  # "IC: alice"


class WarHeader(LineCacheWidget):
    COMPONENT_CLASSES = {"war-header--title", "war-header--alarm", "war-header--dim"}

    DEFAULT_CSS = """
    WarHeader { height: 2; background: $panel; color: $foreground; padding: 0 1; }
    WarHeader.-production { background: $production-color; color: $background; text-style: bold; }
    WarHeader > .war-header--title { text-style: bold; }
    WarHeader > .war-header--alarm { color: $error; text-style: bold reverse; }
    WarHeader > .war-header--dim { color: $foreground 65%; }
    """

    def __init__(self, state: HeaderState, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.state = state

    def update_state(self, state: HeaderState) -> None:
        if state == self.state:
            return
        self.state = state
        self.rebuild()

    def build_lines(self, width: int) -> list[Text]:
        s = self.state
        title = self.get_component_rich_style("war-header--title", partial=True)
        dim = self.get_component_rich_style("war-header--dim", partial=True)
        alarm = self.get_component_rich_style("war-header--alarm", partial=True)
        local = s.now.astimezone()
        clock = f"{local:%H:%M} {local.tzname() or 'local'} · {s.now:%H:%M} UTC"
        left = Text()
        left.append("warroom", title)
        left.append(f" · {s.environment} · ", dim)
        left.append(s.mode, title)
        spare = width - left.cell_len - len(clock) - 4
        if s.present and spare >= 12:  # who else is here: gives way to where and when
            left.append(" · ", dim)
            left.append(clip(f"with {s.present}", spare), dim)
        pad = max(1, width - left.cell_len - len(clock))
        first = left + Text(" " * pad) + Text(clock, title)

        second = self._second_line(width, title, dim, alarm)
        return [first, second]

    def trouble(self, room: int) -> str:
        """The fixed slot's text: the store's trouble, then the failing sources by name, or
        how many, or shortest, whichever is the longest that fits in `room`."""
        s = self.state
        if not s.failing:
            return s.store
        n = len(s.failing)
        variants = [
            f"DOWN: {', '.join(s.failing)}",
            f"{n} source{'s' if n > 1 else ''} DOWN",
            f"{n} DOWN",
        ]
        slots = [" · ".join(p for p in (s.store, v) if p) for v in variants]
        return next((slot for slot in slots if len(slot) <= room), slots[-1])

    def _second_line(self, width: int, title: Style, dim: Style, alarm: Style) -> Text:
        """What matters first keeps its place when the line is short: the store's trouble (at
        the right, always), the incident's severity and status, the update deadline or OVERDUE,
        the commander. The other roles give way first, then the title (cut to what is left),
        the incident's id and its age."""
        s = self.state
        if not s.incident:
            slot = self.trouble(width // 2)
            line = Text("no incident declared · press d to declare", dim)
            room = width - (len(slot) + 1 if slot else 0)
            if line.cell_len > room:
                line.truncate(max(1, room), overflow="ellipsis")
            return _with_store(line, slot, width, alarm)
        bare = {"roles": "", "title": "", "id": "", "age": ""}
        essentials = self._line_of(bare, title, dim, alarm).cell_len
        slot = self.trouble(min(width - essentials - 3, max(width // 2, 24)))
        room = width - (len(slot) + 3 if slot else 0)
        optional = {"roles": s.roles, "title": s.title, "id": s.incident_id, "age": s.elapsed}
        for drop in (None, "roles", "title", "id", "age"):
            if drop:
                optional[drop] = ""
            line = self._line_of(optional, title, dim, alarm)
            if line.cell_len <= room:
                break
            if drop is None and s.title:  # first try: the title cut to what is left
                spare = room - (line.cell_len - len(s.title))
                if spare >= 12:
                    line = self._line_of(
                        {**optional, "title": clip(s.title, spare)}, title, dim, alarm
                    )
                    if line.cell_len <= room:
                        break
        if line.cell_len > room:  # even the essentials do not fit: keep the start
            line.truncate(max(1, room), overflow="ellipsis")
        return _with_store(line, slot, width, alarm)

    def _line_of(self, optional: dict[str, str], title: Style, dim: Style, alarm: Style) -> Text:
        s = self.state
        head = " ".join(p for p in (optional["id"], s.incident) if p)
        pieces = [
            (head, title),
            (optional["age"], dim),
            (optional["title"], title),
            (s.cadence, alarm if s.overdue else dim),
            (s.commander, dim),
            (optional["roles"], dim),
        ]
        line = Text()
        for text, style in pieces:
            if text:
                if line.plain:
                    line.append(" · ")
                line.append(text, style)
        return line


def _with_store(line: Text, store: str, width: int, alarm: Style) -> Text:
    """The store's trouble in a fixed place at the right end, never pushed off."""
    if not store:
        return line
    pad = max(1, width - line.cell_len - len(store))
    return line + Text(" " * pad) + Text(store, alarm)


def mode_text(*, drill: bool, production: bool, viewer: bool) -> str:
    """DRILL / PRODUCTION / LIVE, and whether this console runs nothing."""
    mode = "DRILL" if drill else "PRODUCTION" if production else "LIVE"
    return f"{mode} · VIEWER (runs nothing)" if viewer else mode


def drill_banner(scenario: str) -> str:
    where = f" · {scenario}" if scenario else ""
    return f"▚▚ DRILL ▚▚ simulated incident{where} · no real command runs ▚▚ DRILL ▚▚"
