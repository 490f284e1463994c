"""How entries are stored (JSON) and summarized: shared by the SQLite and PostgreSQL stores."""

from __future__ import annotations

import json
from collections.abc import Sequence

from warroom.domain.incident import Entry, EntryKind, Incident
from warroom.domain.ports import IncidentSummary

# Entries that decide an incident's summary (title, severity, status); the rest are not needed
# to list incidents, so listing stays fast however long the timelines grow.
SUMMARY_KINDS = (EntryKind.DECLARED, EntryKind.STATUS, EntryKind.SEVERITY)


def entry_to_json(entry: Entry) -> str:
    return json.dumps(entry.to_dict(), ensure_ascii=False, separators=(",", ":"))


def entry_from_json(text: str) -> Entry:
    return Entry.from_dict(json.loads(text))


def summarize(entries: Sequence[Entry], count: int) -> IncidentSummary | None:
    """An incident's one-line summary from its declared/status/severity entries."""
    try:
        incident = Incident.from_entries(entries)
    except ValueError:
        return None
    return IncidentSummary(
        id=incident.id,
        title=incident.title,
        severity=incident.severity.value,
        status=incident.status.value,
        declared_at=incident.declared_at,
        resolved_at=incident.resolved_at,
        entries=count,
        drill=incident.drill,
    )


def open_incident(summaries: Sequence[IncidentSummary]) -> str | None:
    """The newest incident still open (summaries newest first)."""
    return next((s.id for s in summaries if s.status != "resolved"), None)
