"""The SQLite store (and the PostgreSQL store's SQLite outbox) at the edges: a corrupt file is set aside at open, a full disk and a
read-only store are named as such, and entries stay on screen marked not saved until written.

Disk full and read-only are real SQLite conditions (`max_page_count` makes SQLite answer
SQLITE_FULL, `query_only` SQLITE_READONLY): file permissions cannot make a file read-only for
root, and filling a real disk is not possible on every test host."""

from __future__ import annotations

import asyncio
import errno
import sqlite3
from pathlib import Path

from tests.incident.conftest import wait_until
from tests.servers.postgres import PostgresServer
from warroom.domain.clock import SystemClock
from warroom.services.incident_log import IncidentLog
from warroom.stores.postgres import PostgresStore
from warroom.stores.sqlite import SqliteLog, SqliteStore
from warroom.stores.trouble import DISK_FULL, READ_ONLY, storage_problem


async def _incident_with_notes(path: Path, n: int) -> list[str]:
    store = SqliteStore(path)
    await store.open()
    log = IncidentLog(store, SystemClock(), "alice@one")
    ids = [(await log.declare("Disk trouble", "P2")).id]
    ids += [(await log.note(f"note {i} " + "x" * 200)).id for i in range(n)]
    await store.close()
    return ids


async def test_a_corrupt_store_is_set_aside_and_a_fresh_one_started(tmp_path: Path) -> None:
    path = tmp_path / "incidents.db"
    await _incident_with_notes(path, 50)
    data = bytearray(path.read_bytes())
    data[4096:8192] = b"\xde\xad" * 2048  # a page of garbage
    path.write_bytes(bytes(data))
    store = SqliteStore(path)
    await store.open()
    try:
        detail = store.status.detail
        assert "was corrupt" in detail and "set aside as incidents.db.corrupt-" in detail
        assert store.status.notice in detail and store.status.problem == ""
        assert "\n" not in detail
        assert await store.incidents() == []  # fresh
        kept = [p.name for p in tmp_path.iterdir() if ".corrupt-" in p.name]
        assert any(name.endswith(tuple("0123456789Z")) for name in kept)
        assert (tmp_path / kept[0]).read_bytes()[:100] == bytes(data[:100])  # nothing lost
    finally:
        await store.close()


async def test_a_file_that_is_not_a_database_is_set_aside(tmp_path: Path) -> None:
    path = tmp_path / "incidents.db"
    path.write_bytes(b"this is not sqlite at all\n" * 100)
    store = SqliteStore(path)
    await store.open()
    try:
        assert "was corrupt" in store.status.detail
        assert store.status.online
    finally:
        await store.close()


async def test_disk_full_keeps_entries_shown_and_says_so_then_saves_them(tmp_path: Path) -> None:
    path = tmp_path / "incidents.db"
    await _incident_with_notes(path, 3)
    pages = sqlite3.connect(path).execute("PRAGMA page_count").fetchone()[0]
    store = SqliteStore(path, pragmas=(f"max_page_count={pages}",), retry_s=0.05)
    await store.open()
    try:
        log = IncidentLog(store, SystemClock(), "alice@one")
        incident = await log.resume()
        assert incident is not None
        shown = [(await log.note(f"while full {i} " + "y" * 2000)).id for i in range(5)]
        status = store.status
        assert not status.online and status.queued == 5
        assert status.detail.startswith(f"{DISK_FULL}: ") and "5 entries NOT SAVED" in status.detail
        assert status.unsaved == frozenset(shown) and status.problem == DISK_FULL
        assert "rollback" not in status.detail
        # still on screen: the log folded them in and the store lists them
        assert {e.id for e in log.incident.entries} >= set(shown)  # type: ignore[union-attr]
        assert {e.id for e in await store.entries(incident.id)} >= set(shown)
        # space comes back: the retry writes them all, oldest first
        store._log._run(lambda c: c.execute("PRAGMA max_page_count=1073741823"))
        await wait_until(lambda: store.status.online)
        assert store.status.unsaved == frozenset() and store.status.queued == 0
        assert store.status.problem == ""
    finally:
        await store.close()
    reopened = SqliteStore(path)
    await reopened.open()
    try:
        ids = {e.id for e in await reopened.entries(incident.id)}
        assert set(shown) <= ids
    finally:
        await reopened.close()


async def test_a_read_only_store_is_named_loudly_and_keeps_entries(tmp_path: Path) -> None:
    path = tmp_path / "incidents.db"
    await _incident_with_notes(path, 2)
    store = SqliteStore(path, pragmas=("query_only=1",))
    await store.open()
    try:
        log = IncidentLog(store, SystemClock(), "alice@one")
        assert await log.resume() is not None  # its incidents still show
        entry = await log.note("written to a read-only store")
        status = store.status
        assert not status.online and status.detail.startswith(f"{READ_ONLY}: ")
        assert "1 entry NOT SAVED" in status.detail and status.unsaved == {entry.id}
        assert status.problem == READ_ONLY
    finally:
        await store.close()


def test_problems_are_named_from_sqlite_and_os_errors() -> None:
    full = sqlite3.OperationalError("database or disk is full")
    assert storage_problem(full) == DISK_FULL
    assert storage_problem(OSError(errno.ENOSPC, "No space left on device")) == DISK_FULL
    assert storage_problem(OSError(errno.EROFS, "Read-only file system")) == READ_ONLY
    wrapped = RuntimeError("cannot rollback - no transaction is active")
    wrapped.__cause__ = full
    assert storage_problem(wrapped) == DISK_FULL
    assert storage_problem(sqlite3.OperationalError("no such table: x")) is None


async def test_outbox_disk_full_keeps_entries_in_memory_until_the_database_takes_them(
    own_postgres: PostgresServer, tmp_path: Path
) -> None:
    """The PostgreSQL store's local outbox on a full disk: entries written while the database
    is away stay shown (`unsaved`), the status says DISK FULL, and they reach the database."""
    outbox = tmp_path / "outbox.db"
    boot = SqliteLog(outbox)
    boot.open()  # the file exists with its schema; then it may not grow
    boot.close()
    pages = sqlite3.connect(outbox).execute("PRAGMA page_count").fetchone()[0]
    store = PostgresStore(own_postgres.dsn, outbox, timeout_s=1, backoff_max_s=0.3)
    store.outbox.pragmas = (f"max_page_count={pages}",)
    await store.open()
    try:
        log = IncidentLog(store, SystemClock(), "alice@one")
        written = [(await log.declare("Outbox on a full disk", "P1")).id]
        await asyncio.to_thread(own_postgres.stop)
        written += [(await log.note(f"offline {i} " + "z" * 3000)).id for i in range(8)]
        status = store.status
        assert not status.online and status.unsaved and status.unsaved <= set(written)
        assert status.detail.startswith(f"{DISK_FULL}: local outbox ")
        assert status.problem == DISK_FULL
        assert "NOT SAVED" in status.detail
        assert {e.id for e in log.incident.entries} == set(written)  # type: ignore[union-attr]
        await asyncio.to_thread(own_postgres.start)
        await wait_until(lambda: store.status.online and store.status.queued == 0, 60)
        assert store.status.unsaved == frozenset()
        assert {e.id for e in await store.entries(log.incident.id)} == set(written)  # type: ignore[union-attr]
    finally:
        await store.close()
