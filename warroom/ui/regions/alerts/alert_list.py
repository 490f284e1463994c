"""The firing-alert list: virtual, so 100,000 alerts cost no more to show than 40.

Only the visible lines are ever rendered; a refresh repaints only lines whose text changed.
Severity is a word and a symbol, never colour alone.

A storm (10,000-100,000 alerts) costs O(n) per *change*, never per key press or per frame:
the rows come from `domain.alert_view`, and from `THREAD_AT` alerts on they are built in a thread.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from rich.style import Style
from rich.text import Text
from textual import events, work
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.worker import get_current_worker

from warroom.domain.alert_history import HistoryIndex
from warroom.domain.alert_view import (
    THREAD_AT,
    AlertIndex,
    AlertRow,
    View,
    build_rows,
    find_key,
    group_of,
    index_for,
)
from warroom.domain.alerts import Alert, AlertFilter, AlertGroup
from warroom.domain.clock import format_age
from warroom.ui.messages import AlertSelected, FirstAlertsDrawn
from warroom.ui.regions.alerts.row_text import (
    COMPONENT_CLASSES,
    CURSOR_GLYPH,
    ROW_CSS,
    row_text,
    seen_text,
    style_class,
)
from warroom.ui.widgets.line_cache import text_strip


class AlertList(ScrollView, can_focus=True):
    """Attributes down (`show(alerts)`), messages up (`AlertSelected`, `FirstAlertsDrawn`)."""

    BINDINGS = [
        Binding("down,j", "move(1)", "Down", show=False),
        Binding("up,k", "move(-1)", "Up", show=False),
        Binding("pagedown", "page(1)", show=False),
        Binding("pageup", "page(-1)", show=False),
        Binding("home", "move(-1000000)", show=False),  # the ends: the cursor stops there
        Binding("end", "move(1000000)", show=False),
    ]

    COMPONENT_CLASSES = COMPONENT_CLASSES
    DEFAULT_CSS = ROW_CSS

    grouped: reactive[bool] = reactive(False)
    group_label: reactive[str] = reactive("alertname")  # what `grouped` groups by
    show_suppressed: reactive[bool] = reactive(True)

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._index = AlertIndex([])
        self._filter = AlertFilter()
        self._rows: list[AlertRow] = []
        self._cursor = 0
        self._now = datetime.now(UTC)
        self._flashing: set[str] = set()
        self._age_cache: dict[int, str] = {}
        self._highlighted_key: str | None = None
        self._shown = 0
        self._pending: tuple[list[Alert], datetime, int] | None = None
        self.thread_at = THREAD_AT
        self._drawn: bool | None = False  # None: the first rows are in, not yet drawn
        self._filtering = False
        self.show_origins = False  # set when several Alertmanagers feed the list
        self.history: HistoryIndex | None = None  # "seen before", summarised per visible row
        self._stale_origins: frozenset[str] = frozenset()

    # ------------------------------------------------------------ data in

    def show(self, alerts: list[Alert], now: datetime) -> None:
        """New alerts from a refresh. The same again costs one comparison and repaints the ages
        that changed; from `thread_at` alerts on, comparing and sorting run in a thread (keys
        keep answering; the latest `show()` wins)."""
        self._shown += 1
        if len(alerts) >= self.thread_at:
            # handed over in an attribute, not as the worker's argument: a finished Worker can
            # linger in a reference cycle, and must not keep 100,000 alerts alive with it
            self._pending = (alerts, now, self._shown)
            self._index_in_thread()
            return
        self._apply(index_for(alerts, self._index), now, self._shown)

    # `description` matters: without one, Textual repr()s a worker's arguments on the event
    # loop to name it.
    @work(
        thread=True,
        exclusive=True,
        group="alert-list-index",
        exit_on_error=False,
        description="Sort and index the alerts",
    )
    def _index_in_thread(self) -> None:
        pending, self._pending = self._pending, None
        if pending is None:
            return  # a later worker took them
        alerts, now, token = pending
        index = index_for(alerts, self._index)
        worker = get_current_worker()
        if worker.is_cancelled:
            return
        built: tuple[View, list[AlertRow]] | None = None
        if index is not self._index:  # the rows too, so the event loop only swaps them in
            view = self._view()
            built = (view, self._build_rows(index, view))
        if not worker.is_cancelled:
            self.app.call_from_thread(self._apply, index, now, token, built)

    def _apply(
        self,
        index: AlertIndex,
        now: datetime,
        token: int,
        built: tuple[View, list[AlertRow]] | None = None,
    ) -> None:
        if token != self._shown:
            return  # a later show() is on its way
        self._now = now
        if self._drawn is False:
            self._drawn = None
            self.refresh()  # drawn even when there is nothing to list
        if index is self._index:
            self._refresh_changed(self._rows)
            return
        self._index = index
        # rows built in the thread stand unless the filter or a toggle changed meanwhile
        if built is not None and built[0] != self._view():
            self._refilter()  # (the rows shown stay until the new ones are built)
            return
        self._rebuild(rows=built[1] if built is not None else None)

    def set_filter(self, flt: AlertFilter) -> None:
        self._filter = flt
        self._cursor = 0
        self._refilter()

    @property
    def filter_pending(self) -> bool:
        """A storm's rows for the current filter or toggles are still being built."""
        return self._filtering

    def _refilter(self) -> None:
        """The rows again for a new filter or toggle: at once, or for a storm in a thread (a
        first free-word filter of 100,000 takes ~1 s), the old rows shown and keys answering."""
        if len(self._index.sorted) < self.thread_at:
            self._rebuild(force=True)
            return
        self._filtering = True
        self._filter_in_thread()

    @work(
        thread=True,
        exclusive=True,
        group="alert-list-filter",
        exit_on_error=False,
        description="Filter the alerts",
    )
    def _filter_in_thread(self) -> None:
        index, view = self._index, self._view()
        rows = self._build_rows(index, view)
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._filtered, index, view, rows)

    def _filtered(self, index: AlertIndex, view: View, rows: list[AlertRow]) -> None:
        if index is self._index and view == self._view():  # else a later one is on its way
            self._rebuild(force=True, rows=rows)

    def set_history(self, index: HistoryIndex) -> None:
        """A new "seen before" index: only the visible lines are repainted (each row's badge
        is worked out as it is drawn, and remembered by the index)."""
        self.history = index
        self._age_cache.clear()
        self.refresh()

    def mark_stale(self, origins: Iterable[str]) -> None:
        """The Alertmanagers that could not be read: an alert only they hold is drawn stale
        (kept as last seen, not known to be firing)."""
        stale = frozenset(origins)
        if stale != self._stale_origins:
            self._stale_origins = stale
            self.refresh()

    def _is_stale(self, alert: Alert | None) -> bool:
        return bool(alert and alert.origins and self._stale_origins.issuperset(alert.origins))

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
        self._refilter()

    watch_group_label = watch_grouped

    def watch_show_suppressed(self) -> None:
        self._refilter()

    @property
    def filter(self) -> AlertFilter:
        return self._filter

    @property
    def filtered_alerts(self) -> list[Alert]:
        """Every alert that passes the filter (for a bulk silence), not only the visible lines;
        most severe first, then oldest."""
        ordered = self._index.sorted
        return [ordered[i] for i in self._index.matching(self._filter)]

    @property
    def highlighted(self) -> Alert | None:
        if 0 <= self._cursor < len(self._rows):
            return self._rows[self._cursor].alert
        return None

    @property
    def highlighted_group(self) -> AlertGroup | None:
        # the group under the cursor (its members as the row counts them), None on an alert
        row = self._rows[self._cursor] if 0 <= self._cursor < len(self._rows) else None
        return group_of(self._index, self._view(), row) if row is not None else None

    hidden = property(lambda self: str(self._index.hidden))  # what the firing count leaves out

    @property
    def row_count(self) -> int:
        return len(self._rows)

    @property
    def rows(self) -> Sequence[AlertRow]:
        """The lines as listed now (dividers and groups included); a new sequence whenever
        they were rebuilt, the same one while nothing changed."""
        return self._rows

    @property
    def cursor(self) -> int:
        return self._cursor

    # ------------------------------------------------------------ rows

    def _view(self) -> View:
        return View(self._filter, self.grouped, self.show_suppressed, self.group_label)

    def _build_rows(
        self, index: AlertIndex | None = None, view: View | None = None
    ) -> list[AlertRow]:
        """The lines for `index` (the current one) as `view` (the current filter and toggles)
        asks: pure, so a storm's rows can be built in a thread."""
        return build_rows(index or self._index, view or self._view())

    def _rebuild(self, force: bool = False, rows: list[AlertRow] | None = None) -> None:
        self._filtering = False  # these rows are for the current filter and toggles
        old_rows = self._rows
        cursor = self._cursor
        previous = old_rows[cursor] if 0 <= cursor < len(old_rows) else None
        if rows is None:
            rows = self._build_rows()
        # keep the cursor on the same alert when the list moves under it
        if (
            previous is not None
            and not force
            and not (cursor < len(rows) and rows[cursor].key == previous.key)
        ):
            self._cursor = find_key(rows, previous.key, cursor)
        self._cursor = max(0, min(self._cursor, len(rows) - 1))
        self._rows = rows
        # no width: lines are cut to the view, so a resize needs no new virtual size (and
        # no layout pass of the whole screen)
        self.virtual_size = Size(0, len(rows))
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
            message = AlertSelected(alert)
            # sent by the list itself even when its region's handler called show(): Textual
            # stops a message at the node that sent it, and this one is for the screen
            message.set_sender(self)
            self.post_message(message)

    # ------------------------------------------------------------ rendering

    def render_line(self, y: int) -> Strip:
        if self._drawn is None:
            self._drawn = True
            self.post_message(FirstAlertsDrawn())
        i = int(self.scroll_offset.y) + y
        width = self.scrollable_content_region.width
        if i >= len(self._rows):
            return Strip.blank(width, self.rich_style)
        row = self._rows[i]
        age = self._row_age(i)
        self._age_cache[i] = age
        selected = i == self._cursor
        flashing = row.alert is not None and row.alert.fingerprint in self._flashing
        seen = seen_text(self.history, row.alert)
        # the cursor is marked by a glyph as well as by reverse video: never by colour alone
        text = Text(CURSOR_GLYPH if selected else " " * len(CURSOR_GLYPH))
        text.append_text(
            row_text(
                row, age, width - len(text), self._now, self.show_origins, seen, self.group_label
            )
        )
        style = self._style_for(row)
        if flashing:
            style += self.get_component_rich_style("alert-list--flash", partial=True)
        if selected:
            style += self.get_component_rich_style("alert-list--cursor", partial=True)
        text.stylize(style)
        return text_strip(text, width, self.rich_style)

    def _style_for(self, row: AlertRow) -> Style:
        name = "alert-list--stale" if self._is_stale(row.alert) else style_class(row)
        return self.get_component_rich_style(name, partial=True)

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

    def action_move(self, delta: int) -> None:
        self._move_to(self._cursor + delta)

    def action_page(self, direction: int) -> None:
        self._move_to(self._cursor + direction * max(1, self.size.height - 1))

    def on_click(self, event: events.Click) -> None:
        self._move_to(int(self.scroll_offset.y) + event.y)

    def on_resize(self) -> None:
        self._age_cache.clear()
