"""The shared store on a real PostgreSQL: schema, idempotence, live entries between consoles."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import asyncpg

from tests.incident.conftest import wait_until
from tests.incident.fixtures import fixed_entries
from warroom.domain.clock import SystemClock
from warroom.domain.incident import Entry, EntryKind, Status
from warroom.domain.log_order import timeline
from warroom.services.incident_log import IncidentLog
from warroom.stores import open_store
from warroom.stores.postgres import PostgresStore
from warroom.stores.postgres_schema import MIGRATIONS


async def test_schema_is_created_and_migrated_once(postgres_dsn: str, tmp_path: Path) -> None:
    for name in ("a", "b"):  # opening twice must not re-run migrations
        store = PostgresStore(postgres_dsn, tmp_path / f"{name}.db")
        await store.open()
        await store.close()
    conn = await asyncpg.connect(postgres_dsn)
    try:
        versions = [r[0] for r in await conn.fetch("SELECT version FROM warroom_schema_version")]
    finally:
        await conn.close()
    assert sorted(versions) == list(range(1, len(MIGRATIONS) + 1))


async def test_append_is_idempotent_and_lists_incidents(postgres_dsn: str, tmp_path: Path) -> None:
    store = open_store(postgres_dsn, tmp_path)
    assert isinstance(store, PostgresStore)
    await store.open()
    try:
        entries = fixed_entries()
        for entry in entries + entries[:4]:
            await store.append(entry)
        assert await store.count() == len(entries)
        got = await store.entries(entries[0].incident_id)
        # in the order they were committed (the list's), backdated ones placed by their time
        expected = timeline(replace(e, seq=i) for i, e in enumerate(entries))
        assert [e.id for e in got] == [e.id for e in expected]
        assert [replace(e, seq=None) for e in got] == [replace(e, seq=None) for e in expected]
        seqs = [e.seq for e in got if not e.backdated]
        assert None not in seqs and seqs == sorted(seqs)
        [summary] = await store.incidents()
        assert (summary.status, summary.severity, summary.entries) == ("resolved", "P1", 19)
        assert await store.open_incident_id() is None
        assert store.status.online and store.status.queued == 0
    finally:
        await store.close()


async def test_two_consoles_see_each_others_entries_live(postgres_dsn: str, tmp_path: Path) -> None:
    """Entries typed on one console appear on the other through LISTEN/NOTIFY, including one too
    big for a NOTIFY payload (fetched by id); a console never hears its own echo."""
    a = PostgresStore(postgres_dsn, tmp_path / "a.db")
    b = PostgresStore(postgres_dsn, tmp_path / "b.db")
    await a.open()
    await b.open()
    try:
        heard_a: list[Entry] = []
        heard_b: list[Entry] = []
        a.subscribe(heard_a.append)
        b.subscribe(heard_b.append)
        log_a = IncidentLog(a, SystemClock(), "alice@one")
        log_b = IncidentLog(b, SystemClock(), "bob@two")
        changed: list[Entry] = []
        log_b.on_change = changed.append

        declared = await log_a.declare("Shared incident", "P1", ["api"], "errors")
        note = await log_a.note("typed on console A")
        big = await log_a.note("x" * 9000)
        await wait_until(lambda: len(heard_b) == 3)
        assert [e.id for e in heard_b] == [declared.id, note.id, big.id]
        assert heard_b[2].text == "x" * 9000
        assert log_b.incident is not None and log_b.incident.id == declared.incident_id
        assert [e.id for e in log_b.incident.entries] == [declared.id, note.id, big.id]
        assert [e.id for e in changed] == [declared.id, note.id, big.id]

        reply = await log_b.note("typed on console B")
        status = await log_b.set_status(Status.IDENTIFIED)
        await wait_until(lambda: len(heard_a) == 2)
        assert [e.id for e in heard_a] == [reply.id, status.id]
        assert log_a.incident is not None and log_a.incident.status is Status.IDENTIFIED
        assert heard_b[3:] == []  # B did not hear its own entries
        # both consoles fold the same state
        assert [e.id for e in log_a.incident.entries] == [e.id for e in log_b.incident.entries]
        assert log_a.incident.entries[-1].kind is EntryKind.STATUS
    finally:
        await a.close()
        await b.close()


async def test_unreachable_database_is_one_store_error(tmp_path: Path) -> None:
    from tests.servers.ports import free_port
    from warroom.domain.errors import StoreError

    store = PostgresStore(
        f"postgresql://u:pw@127.0.0.1:{free_port()}/x", tmp_path / "o.db", timeout_s=2
    )
    try:
        await store.open()
    except StoreError as exc:
        assert "pw" not in str(exc)
        assert "127.0.0.1" in str(exc)
    else:
        raise AssertionError("open() succeeded against a closed port")
