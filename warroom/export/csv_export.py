"""Action items as CSV with the columns Jira's importer maps: Summary, Description, Assignee,
Due date, Labels. One row per item; the incident id and the item's type become labels.

Spreadsheet formula injection: a cell starting with `= + - @` (or tab/CR) is prefixed with
`'` so a pasted `=HYPERLINK(...)` stays text when the file is opened in a spreadsheet.
"""

from __future__ import annotations

import csv
import io
import re

from warroom.export.model import PostMortem

COLUMNS = ("Summary", "Description", "Assignee", "Due date", "Labels")
_LABEL = re.compile(r"[^A-Za-z0-9_.-]+")


def _cell(value: str) -> str:
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def write_csv(pm: PostMortem) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for a in pm.action_items:
        labels = ["postmortem", _LABEL.sub("-", pm.incident_id)]
        if a.type:
            labels.append(a.type)
        description = f"From the post-mortem of {pm.incident_id}: {pm.title}."
        if a.ticket:
            description += f" Ticket: {a.ticket}."
        if a.status:
            description += f" Status: {a.status}."
        writer.writerow(
            [_cell(x) for x in (a.action, description, a.owner, a.due, " ".join(labels))]
        )
    return out.getvalue()
