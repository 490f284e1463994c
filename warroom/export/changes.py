"""The change nearest before the first alert, for the post-mortem's Trigger prompt.

Most outages follow a change; the review asks about the last one the console saw before the
first alert ("revision 14 rolled out 3 min before the first alert"), from the log's `change`
entries (already redacted and inert through `Clean`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from warroom.domain.incident import Entry, EntryKind
from warroom.export.clean import Clean


def nearest_change(
    entries: Iterable[Entry], corrected: set[str], first_alert: datetime, clean: Clean
) -> str:
    """The change seen last before the first alert, and how long before it."""
    before = [
        e
        for e in entries
        if e.kind is EntryKind.CHANGE and e.at <= first_alert and e.id not in corrected
    ]
    if not before:
        return ""
    change = max(before, key=lambda e: e.at)
    return f"{clean(change.text)} {_ahead(first_alert - change.at)} before the first alert"


def _ahead(gap: timedelta) -> str:
    seconds = gap.total_seconds()
    if seconds < 90:
        return f"{round(seconds)} s"
    if seconds < 2 * 3600:
        return f"{round(seconds / 60)} min"
    return f"{seconds / 3600:.1f} h"
