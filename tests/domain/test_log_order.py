"""The shared log's one order: committed order, backdated (and pre-declaration) entries by
their time, queued ones last; the same lines whatever order the entries arrived in."""

from __future__ import annotations

import itertools
import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from warroom.domain.incident import Entry, EntryKind, Incident, IncidentSeverity, declare, new_entry
from warroom.domain.log_order import BEFORE_INCIDENT, goes_last, stays, timeline

T0 = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)


def _at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def _incident_entries() -> list[Entry]:
    first = replace(
        declare(title="x", severity=IncidentSeverity.P1, author="a", now=_at(0)), seq=10
    )
    iid = first.incident_id
    data = {BEFORE_INCIDENT: True}  # carried in when the incident was declared
    before = replace(
        new_entry(iid, EntryKind.ALERT_FIRED, "fired", author="a", now=_at(-5), data=data), seq=11
    )
    # consoles' clocks disagree: B's note committed after A's, though B's clock says earlier
    # (even earlier than the declaration)
    a_note = replace(new_entry(iid, EntryKind.NOTE, "a", author="a", now=_at(3)), seq=12)
    b_note = replace(new_entry(iid, EntryKind.NOTE, "b", author="b", now=_at(-1)), seq=13)
    back = replace(
        new_entry(iid, EntryKind.NOTE, "happened 2.5", author="a", now=_at(9), at=_at(2.5)),
        seq=14,
    )
    queued = new_entry(iid, EntryKind.NOTE, "queued", author="a", now=_at(1))  # no seq yet
    return [first, before, a_note, b_note, back, queued]


def test_committed_order_with_backdated_and_earlier_entries_by_time() -> None:
    first, before, a_note, b_note, back, queued = _incident_entries()
    assert [e.text for e in timeline([queued, back, b_note, a_note, before, first])] == [
        "fired",
        first.text,
        "happened 2.5",
        "a",
        "b",
        "queued",
    ]


def test_every_arrival_order_gives_the_same_lines_and_the_same_state() -> None:
    entries = _incident_entries()
    expected = timeline(entries)
    for order in itertools.islice(itertools.permutations(entries), 0, None, 7):
        assert timeline(order) == expected
        incident = Incident.from_entries([entries[0]])  # live: the declaration, then the rest
        for entry in order:
            incident.apply(entry)
        assert incident.entries == expected
        assert Incident.from_entries(order).entries == expected


def test_an_entry_seen_again_with_its_sequence_moves_to_its_place() -> None:
    first, before, a_note, b_note, _back, queued = _incident_entries()
    incident = Incident.from_entries([first, before, a_note, queued])
    assert incident.entries[-1] is queued
    incident.apply(b_note)  # committed before ours was: goes before the still-queued note
    assert [e.text for e in incident.entries][-2:] == ["b", "queued"]
    incident.apply(replace(queued, seq=20))
    assert [e.text for e in incident.entries][-2:] == ["b", "queued"]
    assert incident.entries[-1].seq == 20
    incident.apply(replace(queued, seq=20))  # heard twice: nothing moves, nothing doubles
    assert len(incident.entries) == 5


def test_goes_last_agrees_with_the_full_order() -> None:
    rng = random.Random(7)
    entries = _incident_entries()
    for _ in range(200):
        pick = rng.sample(entries, rng.randint(1, len(entries)))
        ordered = timeline(pick[:-1])
        if goes_last(ordered, pick[-1]):
            assert timeline(pick) == [*ordered, pick[-1]]


def test_stays_agrees_with_the_full_order() -> None:
    """Numbering a queued entry where it stands is decided from its neighbours alone: never
    where the full order would move it."""
    rng = random.Random(11)
    entries = _incident_entries()
    kept = 0
    for _ in range(300):
        pick = timeline(rng.sample(entries, rng.randint(1, len(entries))))
        index = rng.randrange(len(pick))
        numbered = replace(pick[index], seq=rng.choice([5, 12, 13, 15, 30]))
        placed = timeline([*pick[:index], numbered, *pick[index + 1 :]])
        if stays(pick, index, numbered):
            kept += 1
            assert placed == [*pick[:index], numbered, *pick[index + 1 :]]
    assert kept > 20  # (the case it is for comes up)


def test_what_was_seen_with_no_incident_open_stays_where_it_happened() -> None:
    """Alerts resolving after the incident was resolved go to this console's buffer (never
    stored until the next declaration): by their time, not below every later entry."""
    first, _before, a_note, _b, _back, _queued = _incident_entries()
    seen = new_entry("", EntryKind.ALERT_RESOLVED, "resolved", author="a", now=_at(4))
    later = replace(
        new_entry(first.incident_id, EntryKind.NOTE, "late", author="a", now=_at(6)), seq=40
    )
    assert [e.text for e in timeline([later, seen, a_note, first])] == [
        first.text,
        "a",
        "resolved",
        "late",
    ]
