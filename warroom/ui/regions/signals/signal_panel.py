"""One golden-signal panel: value with unit, level word, trend, sparkline, thresholds, data age.

A failing source never blanks the panel: the error is shown with the last good value greyed
and its age.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from rich.text import Text
from textual.content import Content

from warroom.domain.clock import format_age
from warroom.domain.service_context import Change
from warroom.domain.signals import (
    Level,
    Series,
    format_threshold,
    format_value,
    time_buckets,
)
from warroom.domain.untrusted import one_line
from warroom.ui.regions.signals.marks import mark_columns, mark_row
from warroom.ui.regions.signals.spark_chart import ChartStyles, bar_columns, chart_lines
from warroom.ui.widgets.line_cache import LineCacheWidget

_LEVEL_CLASS = {
    Level.OK: "signal-panel--ok",
    Level.WARN: "signal-panel--warn",
    Level.CRIT: "signal-panel--crit",
    Level.UNKNOWN: "signal-panel--stale",
}


class SignalPanel(LineCacheWidget, can_focus=True):
    """Focusable (tab, a click, `2` then j/k): `p` pins the focused panel."""

    COMPONENT_CLASSES = {
        "signal-panel--ok",
        "signal-panel--warn",
        "signal-panel--crit",
        "signal-panel--stale",
        "signal-panel--dim",
        "signal-panel--mark",
    }

    DEFAULT_CSS = """
    SignalPanel {
        height: 1fr;
        min-height: 5;
        border: round $pane-border;
        border-title-color: $foreground;
        padding: 0 1;
        background: $surface;
    }
    SignalPanel.-crit { border: round $error; border-title-color: $error; }
    SignalPanel.-warn { border: round $warning; border-title-color: $warning; }
    SignalPanel.-stale { border: round $foreground 30%; }
    SignalPanel:focus { border: heavy $accent; border-title-style: bold reverse; }
    SignalPanel.-warn:focus { border: heavy $warning; }
    SignalPanel.-crit:focus { border: heavy $error; }
    SignalPanel > .signal-panel--ok { color: $success; }
    SignalPanel > .signal-panel--warn { color: $warning; text-style: bold; }
    SignalPanel > .signal-panel--crit { color: $error; text-style: bold; }
    SignalPanel > .signal-panel--stale { color: $foreground 40%; }
    SignalPanel > .signal-panel--dim { color: $foreground 60%; }
    SignalPanel > .signal-panel--mark { color: $accent; text-style: bold; }
    """

    def __init__(self, series: Series, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.series = series
        self.now: datetime | None = None
        self.changes: tuple[Change, ...] = ()  # the Service region's, marked under the sparkline
        # a name from config is any text (`Backlog [SQL]`): plain, never markup
        self.border_title = Content(one_line(series.spec.name))

    def update_series(self, series: Series, now: datetime) -> None:
        self.series = series
        self.now = now
        level = series.level
        self.set_class(level is Level.CRIT and not series.is_stale, "-crit")
        self.set_class(level is Level.WARN and not series.is_stale, "-warn")
        self.set_class(series.is_stale, "-stale")
        self.rebuild()

    def show_changes(self, changes: tuple[Change, ...]) -> None:
        if changes != self.changes:
            self.changes = changes
            self.rebuild()

    def _end(self, series: Series, width: int) -> datetime | None:
        """Where the sparkline's newest complete slot ends (the marks use the same)."""
        end = self.now or (series.latest.at if series.latest else None)
        if end is None or width <= 0:
            return None
        return end - timedelta(seconds=series.spec.range_s / width)

    def _columns(self, series: Series, width: int) -> list[float]:
        """One value per column: completed, clock-aligned time slots of the last `range`.

        The slot still filling is left out (the value line shows the latest sample), so the
        sparkline moves once per slot rather than on every refresh: an idle console stays
        quiet on the wire.
        """
        end = self._end(series, width)
        if end is None:
            return []
        return time_buckets(list(series.samples), width, series.spec.range_s, end)

    def build_lines(self, width: int) -> list[Text]:
        series = self.series
        spec = series.spec
        latest = series.latest
        stale = series.is_stale
        level = series.level
        style_name = "signal-panel--stale" if stale else _LEVEL_CLASS[level]
        style = self.get_component_rich_style(style_name, partial=True)
        dim = self.get_component_rich_style("signal-panel--dim", partial=True)

        value = format_value(latest.value if latest else None, spec.unit)
        head = Text()
        head.append(value, style)
        head.append(f"  {level.word}", style)
        head.append(f"  {series.trend().label}", style)

        rows = max(1, (self.content_region.height or 3) - 2)
        bars = bar_columns(width)  # the sparkline's columns (the scale takes the rest)
        end = self._end(series, bars)
        marks = mark_columns(self.changes, bars, spec.range_s, end) if end else {}
        mark_style = self.get_component_rich_style("signal-panel--mark", partial=True)
        mark_lines = [Text(mark_row(marks, bars), mark_style)] if marks else []
        rows = max(1, rows - len(mark_lines))
        warn = self.get_component_rich_style("signal-panel--warn", partial=True)
        crit = self.get_component_rich_style("signal-panel--crit", partial=True)
        styles = ChartStyles(style if not stale else dim, warn, crit, dim)
        columns = self._columns(series, bars)
        spark_lines = chart_lines(columns, width, rows, spec, styles)

        age = series.age_seconds(self.now) if self.now else None
        if stale:
            when = f"last good {format_age(age)} ago" if age is not None else "no data yet"
            foot = Text(f"⚠ {series.error} · {when}", style)
        else:
            thresholds = []
            if spec.warn is not None:
                thresholds.append(f"warn {format_threshold(spec.warn, spec.unit)}")
            if spec.critical is not None:
                thresholds.append(f"crit {format_threshold(spec.critical, spec.unit)}")
            age_text = f"{format_age(age)} ago" if age is not None else "no data yet"
            foot = Text(" · ".join([*thresholds, age_text]), dim)
        return [head, *spark_lines, *mark_lines, foot]
