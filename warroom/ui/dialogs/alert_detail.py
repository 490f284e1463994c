"""One alert in full: every label and annotation, uncut (the list cuts long values to its
columns), shown as plain text with control characters made visible."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from warroom.domain.alert_history import HistorySummary, Interval
from warroom.domain.alerts import Alert
from warroom.domain.clock import format_age
from warroom.domain.incident import Incident
from warroom.domain.untrusted import clip, inert, one_line
from warroom.ui.dialogs.prompts import DIALOG_CSS, plain

STRIP_CELLS = 56  # one cell per 3 hours: the week at a glance
STRIP_SPAN = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class AlertMemoryView:
    """What the console remembers of this alert, handed in by the region (worked out from
    the history index and the past incidents already in memory: opening the detail waits on
    nothing)."""

    mine: HistorySummary
    group: HistorySummary
    strip: tuple[Interval, ...]
    incidents: tuple[Incident, ...]


def history_strip(spans: tuple[Interval, ...], now: datetime, cells: int = STRIP_CELLS) -> str:
    """The last week as cells, oldest left: █ firing, ░ not known (the source was away), ·
    quiet."""
    start = now - STRIP_SPAN
    step = STRIP_SPAN / cells
    out = ["·"] * cells
    for span in spans:
        end = span.end or (span.unknown_at if span.unknown else now) or now
        mark = "░" if span.unknown else "█"
        first = max(0, int((span.start - start) / step))
        last = min(cells - 1, int((end - start) / step))
        for i in range(first, last + 1):
            if out[i] != "█":
                out[i] = mark
    return "".join(out)


def memory_text(memory: AlertMemoryView, now: datetime) -> Text:
    text = Text()
    text.append("\n\nhistory\n", "bold")
    text.append(f"  this alert: {memory.mine.detail}\n")
    text.append(f"  same name and service: {memory.group.detail}\n")
    text.append(f"  7d  {history_strip(memory.strip, now)}  now\n", "")
    text.append("      █ firing  ░ not known  · quiet\n", "dim")
    text.append("\npast incidents\n", "bold")
    if not memory.incidents:
        text.append("  none it fired in\n", "dim")
    for incident in memory.incidents:
        when = f"{incident.declared_at:%Y-%m-%d %H:%M}"
        title = clip(one_line(incident.title), 60)
        text.append(f"  {one_line(incident.id)}  {when}  {incident.status.value}  {title}\n")
    return text


def detail_text(alert: Alert, now: datetime) -> Text:
    text = Text()
    text.append(f"{alert.severity.symbol} {alert.severity.word}", "bold")
    text.append(f"  firing for {format_age(alert.age_seconds(now))}  ")
    text.append(inert(alert.state.value), "dim")
    if alert.origins:
        text.append("  from " + inert(", ".join(alert.origins)), "dim")
    if alert.acked_by:
        text.append(f"\nacked by {inert(alert.acked_by)}", "bold")
    for title, values in (("labels", alert.labels), ("annotations", alert.annotations)):
        text.append(f"\n\n{title}\n", "bold")
        for key in sorted(values):
            text.append(f"  {inert(key)}", "dim")
            text.append(f" = {inert(values[key])}\n")
    return text


class AlertDetail(ModalScreen[None]):
    DEFAULT_CSS = (
        DIALOG_CSS + "AlertDetail > VerticalScroll { width: 100; max-width: 95%; height: auto; "
        "max-height: 85%; border: thick $accent; background: $surface; padding: 1 2; }"
    )
    BINDINGS = [Binding("escape,q,i", "close", "Close")]

    def __init__(self, alert: Alert, now: datetime, memory: AlertMemoryView | None = None) -> None:
        super().__init__()
        self.alert = alert
        self.now = now
        self.memory = memory

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Label(plain(self.alert.name), classes="title")
            yield Static(detail_text(self.alert, self.now), id="alert-detail")
            if self.memory is not None:
                yield Static(memory_text(self.memory, self.now), id="alert-memory")
            yield Static("esc closes", classes="hint")

    def action_close(self) -> None:
        self.dismiss(None)
