"""The embedded store: append-only, idempotent, ordered, summaries, resumes after reopen."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from tests.incident.fixtures import T0, fixed_entries
from warroom.domain.incident import EntryKind, IncidentSeverity, declare, new_entry
from warroom.domain.log_order import timeline
from warroom.stores import open_store
from warroom.stores.sqlite import SqliteStore


async def test_append_is_idempotent_and_ordered_as_committed(sqlite_store: SqliteStore) -> None:
    """The log's order is the store's: commit order (the rowid), backdated entries by time."""
    entries = fixed_entries()
    for entry in reversed(entries):
        await sqlite_store.append(entry)
    for entry in entries[:5]:
        again = await sqlite_store.append(entry)  # a retry after a lost acknowledgement
        assert again.seq is not None and again.seq > len(entries) - 5  # its first number
    got = await sqlite_store.entries(entries[0].incident_id)
    committed = list(reversed(entries))
    expected = timeline(replace(e, seq=i + 1) for i, e in enumerate(committed))
    assert got == expected
    assert [e.id for e in got] != [e.id for e in entries]  # not by time: as committed


async def test_summaries_and_open_incident(sqlite_store: SqliteStore) -> None:
    for entry in fixed_entries():  # resolved
        await sqlite_store.append(entry)
    assert await sqlite_store.open_incident_id() is None
    later = declare(
        title="Queue backlog",
        severity=IncidentSeverity.P2,
        author="carol",
        now=T0 + timedelta(days=1),
        drill=True,
    )
    await sqlite_store.append(later)
    summaries = await sqlite_store.incidents()
    assert [s.id for s in summaries] == [later.incident_id, "INC-20260314-1400-abcd"]
    assert summaries[0].status == "investigating" and summaries[0].drill
    assert summaries[1].status == "resolved" and summaries[1].entries == 19
    assert summaries[1].resolved_at == T0 + timedelta(minutes=41)
    assert await sqlite_store.open_incident_id() == later.incident_id


async def test_reopen_keeps_everything_and_uses_wal(tmp_path: Path) -> None:
    path = tmp_path / "x" / "incidents.db"
    store = open_store(str(path))
    await store.open()
    first = declare(title="t", severity=IncidentSeverity.P3, author="a", now=T0)
    await store.append(first)
    note = new_entry(first.incident_id, EntryKind.NOTE, "n", author="a", now=T0 + timedelta(1))
    await store.append(note)
    await store.close()
    again = open_store(f"sqlite://{path}")
    await again.open()
    assert [e.id for e in await again.entries(first.incident_id)] == [first.id, note.id]
    assert await again.open_incident_id() == first.incident_id
    await again.close()
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        indexes = {r[1] for r in conn.execute("PRAGMA index_list(entries)")}
    assert "entries_incident_at" in indexes


async def test_default_store_lives_in_the_data_dir(tmp_path: Path) -> None:
    store = open_store("", tmp_path)
    assert isinstance(store, SqliteStore)
    assert store.path == tmp_path / "incidents.db"


async def test_entries_of_other_incidents_do_not_mix(sqlite_store: SqliteStore) -> None:
    a = declare(title="a", severity=IncidentSeverity.P2, author="x", now=T0)
    b = replace(declare(title="b", severity=IncidentSeverity.P2, author="x", now=T0), id="b1")
    await sqlite_store.append(a)
    await sqlite_store.append(b)
    assert [e.id for e in await sqlite_store.entries(a.incident_id)] == [a.id]
