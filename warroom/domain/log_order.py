"""The shared log's one order, the same on every console that holds the same entries.

Entries are shown in the order the store committed them (its sequence, `Entry.seq`), not in
the order they reached a console (NOTIFY, a catch-up after an outage, a flushed queue) nor by
each console's own clock. A backdated entry ("happened at 14:02") is placed by its `at` among
the others, as before, and so is one from before the declaration (alerts and steps from before
the incident, carried into it when it is declared); entries not committed yet (queued while the store is away) come last,
in the order they were written, and move to their place once the store has them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # incident.py orders its entries with these: no import at run time
    from warroom.domain.incident import Entry


def _committed_key(entry: Entry) -> tuple[bool, int, datetime, str]:
    seq = entry.seq
    return (seq is None, seq or 0, entry.recorded_at, entry.id)


def _backdated_key(entry: Entry) -> tuple[datetime, bool, int, datetime, str]:
    return (entry.at, *_committed_key(entry))


BEFORE_INCIDENT = "before_incident"  # `Entry.data` flag: carried in when it was declared


def carried_into(incident_id: str, entries: Iterable[Entry]) -> list[Entry]:
    """Entries from before the incident, joining it as it is declared: flagged, so every
    console places them by when they happened (before the declaration)."""
    return [
        replace(e, incident_id=incident_id, data={**e.data, BEFORE_INCIDENT: True}) for e in entries
    ]


def by_time(entry: Entry) -> bool:
    """Placed by when it happened, not when it was committed: backdated, or from before the
    incident (carried in, flagged; never by comparing clocks: a console's clock may be
    behind), or seen while none was open (this console's own, never stored until one is)."""
    return entry.backdated or not entry.incident_id or bool(entry.data.get(BEFORE_INCIDENT))


def timeline(entries: Iterable[Entry]) -> list[Entry]:
    """Committed order, with backdated entries merged in by their `at` (a deterministic
    function of the entries alone: two consoles with the same entries show the same lines)."""
    main: list[Entry] = []
    back: list[Entry] = []
    for entry in entries:
        (back if by_time(entry) else main).append(entry)
    if not back:
        return sorted(main, key=_committed_key)
    main.sort(key=_committed_key)
    back.sort(key=_backdated_key)
    out: list[Entry] = []
    i = j = 0
    while i < len(back) and j < len(main):
        if back[i].at < main[j].at:
            out.append(back[i])
            i += 1
        else:
            out.append(main[j])
            j += 1
    out.extend(back[i:])
    out.extend(main[j:])
    return out


def goes_last(ordered: Sequence[Entry], entry: Entry) -> bool:
    """Whether `entry` belongs after every entry of `ordered` (already in `timeline` order),
    so it can be appended without placing the rest again: the common case of a new entry."""
    if not ordered:
        return True
    if by_time(entry):
        return False
    key = _committed_key(entry)
    last_main = next((e for e in reversed(ordered) if not by_time(e)), None)
    if last_main is not None and _committed_key(last_main) >= key:
        return False
    last = ordered[-1]
    return not by_time(last) or last.at < entry.at


def stays(ordered: Sequence[Entry], index: int, entry: Entry) -> bool:
    """Whether `entry`, replacing `ordered[index]` (the same entry, now numbered), keeps its
    place: the committed entries around it still come before and after it. Looks only at
    its neighbours, so a flushed queue takes its numbers without the log being sorted again."""
    if by_time(entry) or by_time(ordered[index]):
        return False
    key = _committed_key(entry)
    before = next((e for e in reversed(ordered[:index]) if not by_time(e)), None)
    after = next((e for e in ordered[index + 1 :] if not by_time(e)), None)
    return (before is None or _committed_key(before) < key) and (
        after is None or key < _committed_key(after)
    )
