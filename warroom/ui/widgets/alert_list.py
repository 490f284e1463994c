"""The firing-alert list: virtual, so 100,000 alerts cost no more to show than 40.

Only the visible lines are ever rendered; a refresh repaints only lines whose text changed.
Severity is a word and a symbol, never colour alone.

In an alert storm (10,000-100,000 alerts) the costs that remain are O(n) per *change*, never per
key press or per frame: a refresh that brings the same alerts costs one list comparison; new
alerts are sorted once (`_AlertIndex`) and every filter, grouping and toggle works on that order;
a matcher is evaluated once per distinct label value; typing that narrows a filter searches only
the previous result.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from rich.style import Style
from rich.text import Text
from textual import events, work
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.worker import get_current_worker

from warroom.domain.alerts import Alert, AlertFilter, Matcher, Severity
from warroom.domain.clock import format_age
from warroom.ui.widgets.line_cache import text_strip


@dataclass(slots=True)
class AlertRow:
    """One line of the list: an alert, a group of alerts, or a divider. Never changed once
    made (not `frozen` only because that makes construction 3x slower, see `Alert`)."""

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


THREAD_AT = 20_000  # alerts: from here on show() compares and sorts in a thread
_SORT_RUN = 4_096  # keys sorted in one call (see _sorted_positions)


def _narrows(new: AlertFilter, old: AlertFilter) -> bool:
    """Whether everything `new` accepts, `old` accepts too (typing more of the same filter), so
    `new` need only search `old`'s result: each old matcher is kept, each old word is inside a
    new word."""
    return bool(old) and (
        all(m in new.matchers for m in old.matchers)
        and all(any(w in nw for nw in new.words) for w in old.words)
    )


_View = tuple[AlertFilter, bool, bool]  # what the rows show: filter, grouped, show_suppressed


def _find_key(rows: list[AlertRow], key: str, near: int) -> int:
    """Where the row with `key` is now, searched outward from `near` (a refresh moves the
    cursor's alert a few lines at most); `near` if it is gone."""
    n = len(rows)
    for d in range(min(n, 512)):
        for i in (near - d, near + d):
            if 0 <= i < n and rows[i].key == key:
                return i
    return next((i for i, row in enumerate(rows) if row.key == key), near)


def _sorted_positions(keys: list[Any]) -> list[int]:
    """`sorted(range(len(keys)), key=keys.__getitem__)`, in runs merged in Python: one sort of
    100,000 keys is a single call that holds the GIL for a few hundred ms (every key press
    waits); runs of _SORT_RUN hold it for a few ms each, and the merge lets go between keys."""
    n = len(keys)
    key = keys.__getitem__
    if n < THREAD_AT:  # sorted on the event loop anyway: one call is quicker
        return sorted(range(n), key=key)
    runs = [sorted(range(i, min(i + _SORT_RUN, n)), key=key) for i in range(0, n, _SORT_RUN)]
    return list(heapq.merge(*runs, key=key))


class _AlertIndex:
    """The alerts of one `show()`, sorted once (severity, age, name, fingerprint, as
    `sort_alerts`); the inputs a filter needs are prepared the first time one asks."""

    __slots__ = ("_hay", "_memo", "alerts", "any_inhibited", "quiet", "rows", "sorted")

    def __init__(self, alerts: list[Alert]) -> None:
        self.alerts = alerts
        keys = [(a.severity, a.starts_at, a.name, a.fingerprint) for a in alerts]
        order = _sorted_positions(keys)
        ordered = [alerts[i] for i in order]
        self.sorted = ordered
        self.quiet = [a.is_silenced or a.is_inhibited for a in ordered]
        self.rows = [AlertRow(a) for a in ordered]
        self.any_inhibited = any(a.inhibited_by for a in ordered)
        self._hay: list[str] | None = None
        self._memo: tuple[AlertFilter, list[int]] | None = None

    def matching(self, flt: AlertFilter) -> Sequence[int]:
        """Positions (in sorted order) of the alerts `flt` accepts; same answer as
        `AlertFilter.accepts`, computed once per distinct label value."""
        if not flt:
            return range(len(self.sorted))
        memo = self._memo
        if memo is not None and memo[0] == flt:
            return memo[1]
        kept: Sequence[int] = (
            memo[1] if memo is not None and _narrows(flt, memo[0]) else range(len(self.sorted))
        )
        for matcher in flt.matchers:
            kept = self._by_matcher(matcher, kept)
        if flt.words:
            hay = self._haystacks()
            words = flt.words
            kept = [i for i in kept if all(w in hay[i] for w in words)]
        result = list(kept)
        self._memo = (flt, result)
        return result

    def _by_matcher(self, matcher: Matcher, kept: Sequence[int]) -> list[int]:
        # `alert_labels(a)` is {"alertname": a.name, **a.labels}: look the value up the same way
        name = matcher.name
        ordered = self.sorted
        value_of: Callable[[Alert], str] = (
            (lambda a: a.labels.get("alertname", a.name))
            if name == "alertname"
            else (lambda a: a.labels.get(name, ""))
        )
        answers: dict[str, bool] = {}
        out = []
        for i in kept:
            value = value_of(ordered[i])
            hit = answers.get(value)
            if hit is None:
                hit = answers[value] = matcher.matches({name: value})
            if hit:
                out.append(i)
        return out

    def _haystacks(self) -> list[str]:
        """What free words search, as `AlertFilter.accepts` builds it (lower-cased)."""
        if self._hay is None:
            self._hay = [
                " ".join(
                    (
                        a.name,
                        *{"alertname": a.name, **a.labels}.values(),
                        a.summary,
                        a.severity.word,
                    )
                ).lower()
                for a in self.sorted
            ]
        return self._hay


def _index_for(alerts: list[Alert], current: _AlertIndex) -> _AlertIndex:
    """`current` if these are the same alerts, else a new index."""
    old = current.alerts
    if alerts is old or (len(alerts) == len(old) and alerts == old):
        return current
    return _AlertIndex(list(alerts))


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

    class Drawn(Message):
        """The first refresh's rows reached the screen (sent once): what may compete with
        drawing them (golden signals, runbooks) can start now."""

    class Highlighted(Message):
        """The alert under the cursor changed (None when the list is empty)."""

        def __init__(self, alert: Alert | None) -> None:
            super().__init__()
            self.alert = alert

    grouped: reactive[bool] = reactive(False)
    show_suppressed: reactive[bool] = reactive(True)

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._index = _AlertIndex([])
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

    # ------------------------------------------------------------ data in

    def show(self, alerts: list[Alert], now: datetime) -> None:
        """New alerts from a refresh. The same alerts again (the usual case) cost one list
        comparison and repaint only the ages that changed. From `thread_at` alerts on, the
        comparison and the sort run in a thread so keys keep answering; the rows change when
        it is done (the latest `show()` wins)."""
        self._shown += 1
        if len(alerts) >= self.thread_at:
            # handed over in an attribute, not as the worker's argument: a finished Worker can
            # linger in a reference cycle, and must not keep 100,000 alerts alive with it
            self._pending = (alerts, now, self._shown)
            self._index_in_thread()
            return
        self._apply(_index_for(alerts, self._index), now, self._shown)

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
        index = _index_for(alerts, self._index)
        worker = get_current_worker()
        if worker.is_cancelled:
            return
        built: tuple[_View, list[AlertRow]] | None = None
        if index is not self._index:  # the rows too, so the event loop only swaps them in
            view = self._view()
            built = (view, self._build_rows(index, view))
        if not worker.is_cancelled:
            self.app.call_from_thread(self._apply, index, now, token, built)

    def _apply(
        self,
        index: _AlertIndex,
        now: datetime,
        token: int,
        built: tuple[_View, list[AlertRow]] | None = None,
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
        """The rows again for a new filter or toggle: at once, or for a storm in a thread (the
        first free-word filter reads every alert; 100,000 of them take about a second), the
        old rows staying on screen until then and keys answering meanwhile."""
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

    def _filtered(self, index: _AlertIndex, view: _View, rows: list[AlertRow]) -> None:
        if index is self._index and view == self._view():  # else a later one is on its way
            self._rebuild(force=True, rows=rows)

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
    def row_count(self) -> int:
        return len(self._rows)

    # ------------------------------------------------------------ rows

    def _view(self) -> _View:
        return (self._filter, self.grouped, self.show_suppressed)

    def _build_rows(
        self, index: _AlertIndex | None = None, view: _View | None = None
    ) -> list[AlertRow]:
        """The lines for `index` (the current one) as `view` (the current filter and toggles)
        asks: pure, so a storm's rows can be built in a thread."""
        index = index or self._index
        flt, grouped, show_suppressed = view or self._view()
        ordered, quiet, alert_rows = index.sorted, index.quiet, index.rows
        positions = index.matching(flt)
        active = [i for i in positions if not quiet[i]]
        folded: set[str] = set()
        rows: list[AlertRow]
        if grouped:
            groups: dict[str, list[int]] = {}  # name -> [first position, count], sorted order
            for i in active:
                group = groups.get(ordered[i].name)
                if group is None:
                    groups[ordered[i].name] = [i, 1]
                else:
                    group[1] += 1
            rows = [
                alert_rows[i] if count == 1 else AlertRow(ordered[i], count=count)
                for i, count in groups.values()
            ]
        elif not index.any_inhibited:
            rows = [alert_rows[i] for i in active]
        else:
            by_inhibitor: dict[str, list[AlertRow]] = {}
            firing = {ordered[i].fingerprint for i in active}
            for i in positions:
                alert = ordered[i]
                if alert.is_inhibited and not alert.is_silenced:
                    parent = next((fp for fp in alert.inhibited_by if fp in firing), None)
                    if parent:
                        by_inhibitor.setdefault(parent, []).append(AlertRow(alert, indent=True))
                        folded.add(alert.fingerprint)
            rows = []
            for i in active:
                rows.append(alert_rows[i])
                children = by_inhibitor.get(ordered[i].fingerprint)
                if children:
                    rows.extend(children)
        if show_suppressed:
            quiet_rows = [
                alert_rows[i]
                for i in positions
                if quiet[i] and (not folded or ordered[i].fingerprint not in folded)
            ]
            if quiet_rows:
                rows.append(AlertRow(None, divider=f"silenced / inhibited ({len(quiet_rows)})"))
                rows.extend(quiet_rows)
        return rows

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
            self._cursor = _find_key(rows, previous.key, cursor)
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
        if self._drawn is None:
            self._drawn = True
            self.post_message(self.Drawn())
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
        if self.show_origins and alert.origins:
            where = f"{where} @{','.join(alert.origins)}"
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
        self._age_cache.clear()


def _fit(text: str, width: int) -> str:
    if width <= 0:
        return ""
    text = " ".join(text.split())
    if len(text) <= width:
        return text.ljust(width)
    return text[: max(0, width - 1)] + "…"
