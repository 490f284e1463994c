"""One alert in full: every label and annotation uncut (the list cuts long values to its
columns), when it started and was updated, its fingerprint, the Alertmanagers holding it, the
silences and inhibitions that apply, its links; a field per line, plain text with control
characters made visible, and only http(s) URLs made links (OSC 8)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from warroom.domain.alert_history import HistorySummary, Interval
from warroom.domain.alerts import Alert, Silence
from warroom.domain.clock import format_age
from warroom.domain.incident import Incident
from warroom.domain.untrusted import clip, inert, one_line
from warroom.ui.dialogs.clipboard import copy_text
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


@dataclass(frozen=True, slots=True)
class Field:
    """One line of the detail: `y` copies `value`; `link` (an http/https URL only) makes the
    value an OSC 8 hyperlink the terminal can open."""

    section: str
    key: str
    value: str
    link: str = ""


def safe_link(url: str) -> str:
    """`url` when it is an http(s) URL with a host and nothing a terminal could act on
    (control characters, spaces), else "": anything else is shown inert, never linked."""
    text = url.strip()
    scheme, sep, rest = text.partition("://")
    if not sep or scheme.lower() not in ("http", "https") or not rest or rest[0] in "/?#":
        return ""
    if any(ch.isspace() or not ch.isprintable() for ch in text):
        return ""
    return text


def silence_text(silence: Silence) -> str:
    matchers = " ".join(str(m) for m in silence.matchers)
    return f"{matchers} · {silence.comment} · by {silence.created_by} until {silence.ends_at:%H:%M}"


def detail_fields(
    alert: Alert,
    silences: Mapping[str, Silence] | None = None,
    inhibitors: Mapping[str, Alert] | None = None,
    updated: datetime | None = None,
) -> list[Field]:
    """Everything known of one alert, a field per line, in the order shown. A silence or an
    inhibiting alert not (yet) known is shown by its id."""
    known = silences or {}
    by_fp = inhibitors or {}
    fields = [
        Field("alert", "alertname", alert.name),
        Field("alert", "state", alert.state.value),
        Field("alert", "starts", f"{alert.starts_at:%Y-%m-%d %H:%M:%S %Z}"),
    ]
    if updated is not None:  # (Alertmanager's updatedAt moves on every re-send: not kept)
        fields.append(Field("alert", "updated", f"{updated:%Y-%m-%d %H:%M:%S %Z} (last poll)"))
    fields.append(Field("alert", "fingerprint", alert.fingerprint))
    fields += [Field("alert", "alertmanager", origin) for origin in alert.origins]
    fields += [Field("alert", "receiver", receiver) for receiver in alert.receivers]
    if alert.acked_by:
        fields.append(Field("alert", "acked by", alert.acked_by))
    for url_key, url in (("generator", alert.generator_url), ("runbook_url", alert.runbook_url)):
        if url:
            fields.append(Field("links", url_key, url, safe_link(url)))
    fields += [Field("labels", k, alert.labels[k]) for k in sorted(alert.labels)]
    fields += [Field("annotations", k, alert.annotations[k]) for k in sorted(alert.annotations)]
    for sid in alert.silenced_by:
        found = known.get(sid)
        fields.append(Field("silenced by", sid, silence_text(found) if found else "(not known)"))
    for fp in alert.inhibited_by:
        source = by_fp.get(fp)
        what = f"{source.name} {source.service or source.instance}".strip() if source else ""
        fields.append(Field("inhibited by", fp, what or "(not firing here)"))
    return fields


class FieldLine(Static, can_focus=True):
    """One field: focusable, so j/k move between them and `y` copies the focused one."""

    DEFAULT_CSS = """
    FieldLine { height: auto; padding: 0 1; }
    FieldLine:focus { background: $accent 40%; text-style: bold; }
    """

    def __init__(self, item: Field) -> None:
        super().__init__(field_text(item))
        self.item = item

    def show(self, item: Field) -> None:
        self.item = item
        self.update(field_text(item))


def field_text(item: Field) -> Text:
    """Plain text (labels and annotations are untrusted); a safe URL is a link."""
    text = Text()
    text.append(f"{inert(item.key)} = ", "dim")
    text.append(inert(item.value), Style(link=item.link, underline=True) if item.link else "")
    return text


class AlertDetail(ModalScreen[None]):
    """The alert's fields (j/k move, y copies), then what the console remembers of it."""

    DEFAULT_CSS = (
        DIALOG_CSS + "AlertDetail > VerticalScroll { width: 110; max-width: 95%; height: auto; "
        "max-height: 90%; border: thick $accent; background: $surface; padding: 1 2; } "
        "AlertDetail Label.section { text-style: bold; margin-top: 1; }"
    )
    BINDINGS = [
        Binding("escape,q,i", "close", "Close"),
        Binding("j,down", "move(1)", "Next field", show=False),
        Binding("k,up", "move(-1)", "Previous field", show=False),
        Binding("y", "copy", "Copy the field"),
    ]

    def __init__(
        self,
        alert: Alert,
        now: datetime,
        memory: AlertMemoryView | None = None,
        *,
        silences: Mapping[str, Silence] | None = None,
        inhibitors: Mapping[str, Alert] | None = None,
        updated: datetime | None = None,
    ) -> None:
        super().__init__()
        self.alert = alert
        self.now = now
        self.memory = memory
        self.fields = detail_fields(alert, silences, inhibitors, updated)
        self.updated = updated
        self.inhibitors = inhibitors

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            head = f"{self.alert.severity.symbol} {self.alert.severity.word} {self.alert.name}"
            yield Label(plain(head), classes="title")
            yield Static(plain(f"firing for {format_age(self.alert.age_seconds(self.now))}"))
            section = ""
            for item in self.fields:
                if item.section != section:
                    section = item.section
                    yield Label(plain(section), classes="section")
                yield FieldLine(item)
            if self.memory is not None:
                yield Static(memory_text(self.memory, self.now), id="alert-memory")
            yield Static("j/k move · y copies the field · esc closes", classes="hint")

    def on_mount(self) -> None:
        self.query(FieldLine).first().focus()

    def show_silences(self, silences: Mapping[str, Silence]) -> None:
        """The silences looked up after opening: their matchers, comment and creator."""
        self.fields = detail_fields(self.alert, silences, self.inhibitors, self.updated)
        for line, item in zip(self.query(FieldLine), self.fields, strict=False):
            if line.item != item:
                line.show(item)

    @property
    def focused_field(self) -> Field | None:
        focused = self.focused
        return focused.item if isinstance(focused, FieldLine) else None

    def action_move(self, step: int) -> None:
        lines = list(self.query(FieldLine))
        current = self.focused
        at = lines.index(current) if isinstance(current, FieldLine) else -1
        target = lines[max(0, min(len(lines) - 1, at + step))]
        target.focus()
        target.scroll_visible(animate=False)

    def action_copy(self) -> None:
        item = self.focused_field
        if item is not None:
            copy_text(self, item.value)
            self.notify(f"copied {inert(item.key)}", timeout=3, markup=False)

    def action_close(self) -> None:
        self.dismiss(None)
