"""A signal's recorded history as an incident-log entry: the post-mortem then shows the
incident's own numbers whenever it is exported, even after Prometheus has dropped them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from warroom.domain.incident import Entry, EntryKind, new_entry


def series_entry(
    incident_id: str,
    *,
    key: str,
    name: str,
    unit: str,
    warn: float | None,
    critical: float | None,
    higher_is_worse: bool,
    start: datetime,
    step_s: float,
    values: Sequence[float | None],
    author: str,
    now: datetime,
    source: str = "",
) -> Entry:
    """One signal's history at a regular step (None: no sample), kept in the log so the
    post-mortem shows the incident's own numbers whenever it is exported."""
    return new_entry(
        incident_id,
        EntryKind.SERIES,
        f"{name}: {len(values)} samples recorded every {step_s:g} s",
        author=author,
        now=now,
        data={
            "key": key,
            "signal": name,
            "unit": unit,
            "warn": warn,
            "critical": critical,
            "higher_is_worse": higher_is_worse,
            "start": start.isoformat(),
            "step_s": step_s,
            "values": [None if v is None or v != v else float(v) for v in values],
            "source": source,
        },
    )
