"""The firing-alert list: virtual, so 100,000 alerts cost no more to show than 40.

Only the visible lines are ever rendered; a refresh repaints only lines whose text changed.
Severity is a word and a symbol, never colour alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from warroom.domain.alerts import Alert, AlertFilter, Severity, group_by_name, sort_alerts
from warroom.domain.clock import format_age
from warroom.ui.widgets.line_cache import text_strip


@dataclass(frozen=True, slots=True)
class AlertRow:
    """One line of the list: an alert, a group of alerts, or a divider."""

    alert: Alert | None
    count: int = 1
    indent: bool = False
    divider: str = ""

    @property
    def key(self) -> str:
        if self.divider:
            return "divider:" + self.divider
        assert self.alert is not None
        return ("group:" + self.alert.name) if self.count > 1 else self.alert.fingerprint


_SEV_CLASS = {
    Severity.CRITICAL: "alert-list--critical",
    Severity.WARNING: "alert-list--warning",
    Severity.INFO: "alert-list--info",
    Severity.NONE: "alert-list--info",
}


class AlertList(ScrollView, can_focus=True):
    """Attributes down (`show(alerts)`), messages up (`AlertList.Highlighted`)."""

    BINDINGS = [
        Binding("down,j", "cursor_down", "Down", show=False),
        Binding("up,k", "cursor_up", "Up", show=False),
        Binding("pagedown", "page_down", show=False),
        Binding("pageup", "page_up", show=False),
        Binding("home", "first", show=False),
        Binding("end", "last", show=False),
    ]

    COMPONENT_CLASSES = {
        "alert-list--critical",
        "alert-list--warning",
        "alert-list--info",
        "alert-list--muted",
        "alert-list--cursor",
        "alert-list--flash",
        "alert-list--divider",
    }

    DEFAULT_CSS = """
    AlertList { background: $surface; }
    AlertList > .alert-list--critical { color: $error; text-style: bold; }
    AlertList > .alert-list--warning { color: $warning; }
    AlertList > .alert-list--info { color: $foreground 70%; }
    AlertList > .alert-list--muted { color: $foreground 45%; }
    AlertList > .alert-list--cursor { background: $accent 30%; }
    AlertList:focus > .alert-list--cursor { background: $accent 55%; text-style: bold; }
    AlertList > .alert-list--flash { background: $error 40%; }
    AlertList > .alert-list--divider { color: $foreground 50%; text-style: italic; }
    """

    class Highlighted(Message):
        """The alert under the cursor changed (None when the list is empty)."""

        def __init__(self, alert: Alert | None) -> None:
            super().__init__()
            self.alert = alert

    grouped: reactive[bool] = reactive(False)
    show_suppressed: reactive[bool] = reactive(True)

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._alerts: list[Alert] = []
        self._filter = AlertFilter()
        self._rows: list[AlertRow] = []
        self._cursor = 0
        self._now = datetime.now(UTC)
        self._flashing: set[str] = set()
        self._age_cache: dict[int, str] = {}
        self._highlighted_key: str | None = None

    # ------------------------------------------------------------ data in

    def show(self, alerts: list[Alert], now: datetime) -> None:
        self._alerts = alerts
        self._now = now
        self._rebuild()

    def set_filter(self, flt: AlertFilter) -> None:
        self._filter = flt
        self._cursor = 0
        self._rebuild(force=True)

    def flash(self, fingerprints: set[str], seconds: float = 4.0) -> None:
        """Draw the eye to newly firing critical alerts."""
        self._flashing |= fingerprints
        self._repaint_keys(fingerprints)
        self.set_timer(seconds, lambda: self._end_flash(fingerprints))

    def _end_flash(self, fingerprints: set[str]) -> None:
        self._flashing -= fingerprints
        self._repaint_keys(fingerprints)

    def watch_grouped(self) -> None:
        self._cursor = 0
        self._rebuild(force=True)

    def watch_show_suppressed(self) -> None:
        self._rebuild(force=True)

    @property
    def filter(self) -> AlertFilter:
        return self._filter

    @property
    def filtered_alerts(self) -> list[Alert]:
        """Every alert that passes the filter (for a bulk silence), not only the visible lines."""
        return self._filter.apply(self._alerts)

    @property
    def highlighted(self) -> Alert | None:
        if 0 <= self._cursor < len(self._rows):
            return self._rows[self._cursor].alert
        return None

    @property
    def row_count(self) -> int:
        return len(self._rows)

    # ------------------------------------------------------------ rows

    def _build_rows(self) -> list[AlertRow]:
        alerts = self._filter.apply(self._alerts)
        active = [a for a in alerts if not a.is_silenced and not a.is_inhibited]
        folded: set[str] = set()
        if self.grouped:
            rows = [AlertRow(g.alerts[0], count=g.count) for g in group_by_name(active)]
        else:
            rows = []
            by_inhibitor: dict[str, list[Alert]] = {}
            firing = {a.fingerprint for a in active}
            for alert in alerts:
                if alert.is_inhibited and not alert.is_silenced:
                    parent = next((fp for fp in alert.inhibited_by if fp in firing), None)
                    if parent:
                        by_inhibitor.setdefault(parent, []).append(alert)
                        folded.add(alert.fingerprint)
            for alert in sort_alerts(active):
                rows.append(AlertRow(alert))
                rows.extend(
                    AlertRow(child, indent=True)
                    for child in by_inhibitor.get(alert.fingerprint, ())
                )
        if self.show_suppressed:
            quiet = sort_alerts(
                a
                for a in alerts
                if (a.is_silenced or a.is_inhibited) and a.fingerprint not in folded
            )
            if quiet:
                rows.append(AlertRow(None, divider=f"silenced / inhibited ({len(quiet)})"))
                rows.extend(AlertRow(a) for a in quiet)
        return rows

    def _rebuild(self, force: bool = False) -> None:
        previous_key = self._rows[self._cursor].key if 0 <= self._cursor < len(self._rows) else None
        rows = self._build_rows()
        # keep the cursor on the same alert when the list moves under it
        if previous_key is not None and not force:
            for i, row in enumerate(rows):
                if row.key == previous_key:
                    self._cursor = i
                    break
        self._cursor = max(0, min(self._cursor, len(rows) - 1))
        old_rows = self._rows
        self._rows = rows
        self.virtual_size = Size(self.size.width, len(rows))
        if force or len(old_rows) != len(rows):
            self._age_cache.clear()
            self.refresh()
        else:
            self._refresh_changed(old_rows)
        self._post_highlight()

    def _refresh_changed(self, old_rows: list[AlertRow]) -> None:
        top = int(self.scroll_offset.y)
        for y in range(self.size.height):
            i = top + y
            if i >= len(self._rows):
                break
            if (
                i >= len(old_rows)
                or old_rows[i] != self._rows[i]
                or self._row_age(i) != self._age_cache.get(i)
            ):
                self.refresh_line(i)

    def _now_seconds_since(self, at: datetime | None) -> float:
        return 0.0 if at is None else (self._now - at).total_seconds()

    def _row_age(self, i: int) -> str:
        alert = self._rows[i].alert
        return format_age(alert.age_seconds(self._now)) if alert else ""

    def _repaint_keys(self, fingerprints: set[str]) -> None:
        top = int(self.scroll_offset.y)
        for y in range(self.size.height):
            i = top + y
            alert = self._rows[i].alert if i < len(self._rows) else None
            if alert is not None and alert.fingerprint in fingerprints:
                self.refresh_line(i)

    def _post_highlight(self) -> None:
        alert = self.highlighted
        key = alert.fingerprint if alert else None
        if key != self._highlighted_key:
            self._highlighted_key = key
            self.post_message(self.Highlighted(alert))

    # ------------------------------------------------------------ rendering

    def render_line(self, y: int) -> Strip:
        i = int(self.scroll_offset.y) + y
        width = self.scrollable_content_region.width
        if i >= len(self._rows):
            return Strip.blank(width, self.rich_style)
        row = self._rows[i]
        age = self._row_age(i)
        self._age_cache[i] = age
        selected = i == self._cursor
        flashing = row.alert is not None and row.alert.fingerprint in self._flashing
        text = self._row_text_for(row, age, width)
        style = self._style_for(row)
        if flashing:
            style += self.get_component_rich_style("alert-list--flash", partial=True)
        if selected:
            style += self.get_component_rich_style("alert-list--cursor", partial=True)
        text.stylize(style)
        return text_strip(text, width, self.rich_style)

    def _style_for(self, row: AlertRow) -> Style:
        if row.divider:
            return self.get_component_rich_style("alert-list--divider", partial=True)
        assert row.alert is not None
        if row.alert.is_silenced or row.alert.is_inhibited:
            return self.get_component_rich_style("alert-list--muted", partial=True)
        return self.get_component_rich_style(_SEV_CLASS[row.alert.severity], partial=True)

    def _row_text_for(self, row: AlertRow, age: str, width: int) -> Text:
        if row.divider:
            return Text(f"── {row.divider} " + "─" * max(0, width - len(row.divider) - 4))
        alert = row.alert
        assert alert is not None
        sev = f"{alert.severity.symbol} {alert.severity.word}"
        name = ("  ↳ " if row.indent else "") + alert.name
        if row.count > 1:
            name = f"{alert.name} ×{row.count}"
        where = alert.service
        if alert.instance and alert.instance != where:
            where = f"{where}/{alert.instance}" if where else alert.instance
        marks = ""
        if alert.is_acked:
            marks = "ACK"
        elif alert.is_silenced:
            marks = "SIL"
        elif alert.is_inhibited:
            marks = "INH"
        name_w = 26 if width >= 100 else 20
        where_w = 22 if width >= 100 else 14
        fixed = 7 + 1 + name_w + 1 + where_w + 1 + 4 + 1 + 4 + 1
        summary_w = max(0, width - fixed)
        summary = alert.summary
        if alert.is_acked and alert.acked_by:
            when = (
                f" {format_age(self._now_seconds_since(alert.acked_at))} ago"
                if alert.acked_at
                else ""
            )
            summary = f"[acked by {alert.acked_by.split('@')[0]}{when}] {summary}"
        line = (
            f"{sev:<7} {_fit(name, name_w)} {_fit(where, where_w)} {age:>4} {marks:<4} "
            f"{_fit(summary, summary_w)}"
        )
        return Text(line)

    # ------------------------------------------------------------ moving

    def _move_to(self, index: int) -> None:
        if not self._rows:
            return
        index = max(0, min(index, len(self._rows) - 1))
        if self._rows[index].divider:
            step = 1 if index > self._cursor else -1
            if 0 <= index + step < len(self._rows):
                index += step
        old = self._cursor
        self._cursor = index
        self.refresh_line(old)
        self.scroll_to_region(Region(0, index, 1, 1), animate=False, immediate=True)
        self.refresh_line(index)
        self._post_highlight()

    def action_cursor_down(self) -> None:
        self._move_to(self._cursor + 1)

    def action_cursor_up(self) -> None:
        self._move_to(self._cursor - 1)

    def action_page_down(self) -> None:
        self._move_to(self._cursor + max(1, self.size.height - 1))

    def action_page_up(self) -> None:
        self._move_to(self._cursor - max(1, self.size.height - 1))

    def action_first(self) -> None:
        self._move_to(0)

    def action_last(self) -> None:
        self._move_to(len(self._rows) - 1)

    def on_click(self, event: events.Click) -> None:
        self._move_to(int(self.scroll_offset.y) + event.y)

    def on_resize(self) -> None:
        self.virtual_size = Size(self.size.width, len(self._rows))
        self._age_cache.clear()


def _fit(text: str, width: int) -> str:
    if width <= 0:
        return ""
    text = " ".join(text.split())
    if len(text) <= width:
        return text.ljust(width)
    return text[: max(0, width - 1)] + "…"
