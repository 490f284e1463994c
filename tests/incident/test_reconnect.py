"""The database goes away mid-stream and comes back: entries queue durably, flush once, and the
other console catches up. Uses its own PostgreSQL (stopping the session's would hurt others)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.incident.conftest import db_ids, wait_until
from tests.servers.postgres import PostgresServer
from warroom.domain.clock import SystemClock
from warroom.domain.incident import Entry
from warroom.services.incident_log import IncidentLog
from warroom.stores.postgres import PostgresStore


async def test_stop_and_restart_mid_stream_loses_nothing_doubles_nothing(
    own_postgres: PostgresServer, tmp_path: Path
) -> None:
    a = PostgresStore(own_postgres.dsn, tmp_path / "a.db", timeout_s=2, health_every_s=0.2)
    b = PostgresStore(own_postgres.dsn, tmp_path / "b.db", timeout_s=2, health_every_s=0.2)
    await a.open()
    await b.open()
    heard: list[Entry] = []
    b.subscribe(heard.append)
    log = IncidentLog(a, SystemClock(), "alice@one")
    written = [(await log.declare("Flaky database", "P1")).id]
    try:
        for i in range(20):
            written.append((await log.note(f"before {i}")).id)
        stopping = asyncio.create_task(asyncio.to_thread(own_postgres.stop))
        for i in range(20):  # some of these race the shutdown
            written.append((await log.note(f"during {i}")).id)
            await asyncio.sleep(0.01)
        await stopping
        for i in range(20):
            written.append((await log.note(f"offline {i}")).id)
        status = a.status
        assert not status.online
        assert status.queued >= 20
        assert ":" in status.detail  # the DSN, then why it is offline
        # queued entries are on disk, not in memory
        assert len(a.outbox.all_entries()) == status.queued

        await asyncio.to_thread(own_postgres.start)
        await wait_until(lambda: a.status.online and a.status.queued == 0, timeout_s=60)
        for i in range(10):
            written.append((await log.note(f"after {i}")).id)

        ids = await db_ids(own_postgres.dsn)
        assert len(ids) == len(set(ids)), "an entry was written twice"
        assert set(ids) == set(written), "an entry was lost"
        # the other console heard every entry exactly once (live or by catching up)
        await wait_until(lambda: len(heard) >= len(written), timeout_s=60)
        assert sorted(e.id for e in heard) == sorted(written)
        # and the incident folds to the same timeline on both sides
        assert [e.id for e in await b.entries(log.incident.id)] == [  # type: ignore[union-attr]
            e.id
            for e in log.incident.entries  # type: ignore[union-attr]
        ]
    finally:
        await a.close()
        await b.close()


async def test_outbox_survives_a_restart_of_the_console(
    own_postgres: PostgresServer, tmp_path: Path
) -> None:
    """Entries queued while offline are flushed by the next console run if this one quits."""
    outbox = tmp_path / "outbox.db"
    store = PostgresStore(own_postgres.dsn, outbox, timeout_s=2, health_every_s=0.2)
    await store.open()
    log = IncidentLog(store, SystemClock(), "alice@one")
    written = [(await log.declare("Quit while offline", "P2")).id]
    await asyncio.to_thread(own_postgres.stop)
    for i in range(5):
        written.append((await log.note(f"queued {i}")).id)
    assert store.status.queued == 5
    await store.close()

    await asyncio.to_thread(own_postgres.start)
    again = PostgresStore(own_postgres.dsn, outbox, timeout_s=2, health_every_s=0.2)
    await again.open()
    try:
        await wait_until(lambda: again.status.online and again.status.queued == 0, timeout_s=60)
        assert sorted(await db_ids(own_postgres.dsn)) == sorted(written)
        resumed = IncidentLog(again, SystemClock(), "alice@one")
        incident = await resumed.resume()
        assert incident is not None and len(incident.entries) == 6
    finally:
        await again.close()
