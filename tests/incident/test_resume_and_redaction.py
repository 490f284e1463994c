"""A console started while the shared store is down resumes the open incident once it returns;
every entry is redacted with the configured secrets before any store sees it.

Its own PostgreSQL (stopping the session's would hurt other tests)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.incident.conftest import offline_store, open_incident_then_outage, wait_until
from tests.servers.postgres import PostgresServer
from warroom.domain.clock import SystemClock
from warroom.domain.errors import StoreError
from warroom.domain.incident import Entry
from warroom.domain.redaction import MASK
from warroom.services.incident_log import IncidentLog
from warroom.stores.sqlite import SqliteStore


async def test_started_while_the_store_is_down_it_resumes_once_back(
    own_postgres: PostgresServer, tmp_path: Path
) -> None:
    written = await open_incident_then_outage(
        own_postgres, tmp_path / "a.db", "Still open", [f"before {i}" for i in range(3)]
    )
    store = offline_store(own_postgres, tmp_path / "b.db")
    await store.open()
    shown: list[Entry] = []
    console = IncidentLog(store, SystemClock(), "bob@two", resume_poll_s=0.05)
    console.on_change = shown.append
    try:
        with pytest.raises(StoreError, match="resumed once it is back"):
            await console.resume()
        assert console.incident is None and not store.status.online
        await asyncio.to_thread(own_postgres.start)
        await wait_until(lambda: console.incident is not None, timeout_s=60)
        assert console.incident is not None and console.incident.title == "Still open"
        assert [e.id for e in shown] == written  # every entry handed to the UI, in order
        note = await console.note("back in business")
        assert note.incident_id == console.incident.id
    finally:
        await console.aclose()
        await store.close()


async def test_entries_are_redacted_before_the_store_sees_them(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "incidents.db")
    await store.open()
    try:
        log = IncidentLog(store, SystemClock(), "alice@one", secrets=["s3cr3t-value-42"])
        declared = await log.declare("Leaky", "P2")
        note = await log.note(
            "pasted: curl -H 'Authorization: Bearer abcdefgh12345678' s3cr3t-value-42"
        )
        ran = await log.step_run("db", "env", "PGPASSWORD=hunter2hunter2 psql", 0, 0.1)
        for entry in (note, ran):
            assert "s3cr3t-value-42" not in str(entry) and "abcdefgh12345678" not in str(entry)
        assert MASK in note.text and "hunter2hunter2" not in ran.data["command"]
        raw = (tmp_path / "incidents.db").read_bytes() + b"".join(
            p.read_bytes() for p in tmp_path.glob("incidents.db-wal")
        )
        assert b"s3cr3t-value-42" not in raw and b"hunter2hunter2" not in raw
        stored = await store.entries(declared.incident_id)
        assert [e.text for e in stored][1] == note.text
    finally:
        await store.close()
