"""Change marks under a sparkline: each change in the panel's window as its kind's glyph, in
the column of its time, so "error rate jumped right after revision 14" reads at a glance.

The columns are the sparkline's own (`time_buckets`: clock-aligned slots of `range / width`,
the newest complete slot last); a change in the slot still filling is drawn in the last
column. Where several changes share a column the most telling one is drawn.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime

from warroom.domain.service_context import Change, ChangeKind

# which glyph wins a shared column: a deploy over a crash over a restart over the rest
_RANK = {
    ChangeKind.DEPLOY: 0,
    ChangeKind.IMAGE: 1,
    ChangeKind.OOM: 2,
    ChangeKind.DIE: 3,
    ChangeKind.RESTART: 4,
    ChangeKind.WARNING: 5,
    ChangeKind.COMMAND: 6,
    ChangeKind.START: 7,
}


def mark_columns(
    changes: Iterable[Change], width: int, range_s: float, end: datetime
) -> dict[int, Change]:
    """Column → the change drawn there, for the sparkline of `width` columns whose last
    complete slot ends at `end` (the panel's `now` less one slot)."""
    if width <= 0 or range_s <= 0:
        return {}
    slot = max(range_s / width, 1e-9)
    first = math.floor(end.timestamp() / slot) - width + 1
    drawn: dict[int, Change] = {}
    for change in changes:
        index = math.floor(change.at.timestamp() / slot) - first
        if index == width:  # the slot still filling: shown at the newest column
            index = width - 1
        if not 0 <= index < width:
            continue
        held = drawn.get(index)
        if held is None or _RANK[change.kind] < _RANK[held.kind]:
            drawn[index] = change
    return drawn


def mark_row(columns: dict[int, Change], width: int) -> str:
    """The glyph row itself: a glyph at each marked column, spaces elsewhere."""
    cells = [" "] * max(0, width)
    for index, change in columns.items():
        cells[index] = change.kind.glyph
    return "".join(cells)
