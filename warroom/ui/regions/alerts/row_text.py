"""One alert line as text. Labels and annotations are untrusted: shown as plain text (never
Rich markup), control characters made visible and folded onto the line, cut to the column."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text

from warroom.domain.alert_history import HistoryIndex
from warroom.domain.alert_view import AlertRow
from warroom.domain.alerts import Alert, Severity
from warroom.domain.clock import format_age
from warroom.domain.untrusted import clip, one_line

CURSOR_GLYPH = "▶ "

COMPONENT_CLASSES = {
    "alert-list--critical",
    "alert-list--warning",
    "alert-list--info",
    "alert-list--muted",
    "alert-list--stale",
    "alert-list--cursor",
    "alert-list--flash",
    "alert-list--divider",
}

# Every severity and state keeps 4.5:1 (WCAG AA) in each shipped theme, in 16 colours and
# under NO_COLOR (tests/ui/test_contrast.py measures it from the screen). The cursor is
# reverse video plus a glyph: it keeps the row's own contrast whatever the colours, and is
# never told by colour alone. Under NO_COLOR (greys only) critical is bold foreground.
ROW_CSS = """
AlertList { background: $surface; }
AlertList > .alert-list--critical { color: $error; text-style: bold; }
AlertList > .alert-list--warning { color: $warning; }
AlertList > .alert-list--info { color: $foreground 85%; }
AlertList > .alert-list--muted { color: $foreground 66%; }
AlertList > .alert-list--stale { color: $foreground 66%; }
AlertList > .alert-list--cursor { text-style: reverse; }
AlertList:focus > .alert-list--cursor { text-style: reverse bold; }
AlertList > .alert-list--flash { color: $background; background: $error; text-style: bold; }
AlertList > .alert-list--divider { color: $foreground 66%; text-style: italic; }
AlertList:nocolor > .alert-list--critical { color: $foreground; }
AlertList:nocolor > .alert-list--flash { color: $background; background: $foreground; }
"""

_SEV_CLASS = {
    Severity.CRITICAL: "alert-list--critical",
    Severity.WARNING: "alert-list--warning",
    Severity.INFO: "alert-list--info",
    Severity.NONE: "alert-list--info",
}


def style_class(row: AlertRow) -> str:
    """The list's component class for this line: divider, muted (silenced or inhibited), or
    its severity's."""
    if row.divider:
        return "alert-list--divider"
    assert row.alert is not None
    if row.alert.is_silenced or row.alert.is_inhibited:
        return "alert-list--muted"
    return _SEV_CLASS[row.alert.severity]


def fit(text: str, width: int) -> str:
    """`text` inert, on one line, cut to exactly `width` cells (padded)."""
    if width <= 0:
        return ""
    return clip(" ".join(one_line(text).split()), width).ljust(width)


def seen_text(index: HistoryIndex | None, alert: Alert | None) -> str | None:
    """ "Seen before": this alert's fires (by fingerprint), else its siblings' (same name and
    service, other labels: marked "≈"). One fire in the week is this one: nothing to say.
    None while there is no history at all (the list then keeps its columns as they were)."""
    if index is None or not index.by_fingerprint or alert is None:
        return None
    mine = index.for_fingerprint(alert.fingerprint)
    if mine.fires_7d > 1 or mine.flapping:
        return mine.text
    group = index.for_group(alert.name, alert.service)
    if group.fires_7d > max(1, mine.fires_7d) or (group.flapping and not mine.flapping):
        return f"≈{group.text}"
    return ""


def row_text(
    row: AlertRow,
    age: str,
    width: int,
    now: datetime,
    show_origins: bool,
    seen: str | None = None,
    group_label: str = "alertname",
) -> Text:
    if row.divider:
        return Text(f"── {row.divider} " + "─" * max(0, width - len(row.divider) - 4))
    alert = row.alert
    assert alert is not None
    sev = f"{alert.severity.symbol} {alert.severity.word}"
    name = ("  ↳ " if row.indent else "") + alert.name
    if row.count > 1:
        value = alert.name if group_label == "alertname" else f"{group_label}={row.group or '∅'}"
        name = f"{value} ×{row.count}"
    where = alert.service
    if alert.instance and alert.instance != where:
        where = f"{where}/{alert.instance}" if where else alert.instance
    if show_origins and alert.origins:
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
    # a column when there is history and room for it, else before the summary
    seen_w = 19 if width >= 120 and seen is not None else 0
    fixed = 7 + 1 + name_w + 1 + where_w + 1 + 4 + 1 + 4 + 1 + (seen_w + 1 if seen_w else 0)
    summary_w = max(0, width - fixed)
    summary = alert.summary
    if seen and not seen_w:
        summary = f"({seen}) {summary}"
    if alert.is_acked and alert.acked_by:
        when = (
            f" {format_age((now - alert.acked_at).total_seconds())} ago" if alert.acked_at else ""
        )
        summary = f"[acked by {alert.acked_by.split('@')[0]}{when}] {summary}"
    column = f"{fit(seen or '', seen_w)} " if seen_w else ""
    return Text(
        f"{sev:<7} {fit(name, name_w)} {fit(where, where_w)} {age:>4} {marks:<4} "
        f"{column}{fit(summary, summary_w)}"
    )
