"""The header: where we are (environment, mode), what is happening (incident), and the time.

Clocks have minute resolution so an idle console writes almost nothing to the terminal.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rich.text import Text

from warroom.ui.widgets.line_cache import LineCacheWidget


@dataclass(frozen=True, slots=True)
class HeaderState:
    environment: str
    mode: str  # "LIVE", "DRILL", "VIEWER", "DRILL · VIEWER"
    now: datetime
    incident: str = ""  # one-line incident summary, "" when none
    cadence: str = ""  # "next update in 7m" / "UPDATE OVERDUE 3m"
    overdue: bool = False
    store: str = ""  # "" when fine, else "offline, 3 queued"
    roles: str = ""


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
        pad = max(1, width - left.cell_len - len(clock))
        first = left + Text(" " * pad) + Text(clock, title)

        second = Text()
        if s.incident:
            second.append(s.incident, title)
            if s.roles:
                second.append(f" · {s.roles}", dim)
            if s.cadence:
                second.append(" · ")
                second.append(s.cadence, alarm if s.overdue else dim)
        else:
            second.append("no incident declared · press d to declare", dim)
        if s.store:
            second.append(" · ")
            second.append(s.store, alarm)
        return [first, second]


def mode_text(*, drill: bool, production: bool, viewer: bool) -> str:
    """DRILL / PRODUCTION / LIVE, and whether this console runs nothing."""
    mode = "DRILL" if drill else "PRODUCTION" if production else "LIVE"
    return f"{mode} · VIEWER (runs nothing)" if viewer else mode


def drill_banner(scenario: str) -> str:
    where = f" · {scenario}" if scenario else ""
    return f"▚▚ DRILL ▚▚ simulated incident{where} · no real command runs ▚▚ DRILL ▚▚"
