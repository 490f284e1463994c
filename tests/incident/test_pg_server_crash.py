"""The PostgreSQL server is killed (-9, postmaster and every backend) while a console writes,
20 times over, on a server whose default is `synchronous_commit=off`: every entry the store
reported written (what the console would have shown) is in the database afterwards, once.

Its own server (killing the session's would hurt other tests)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from pathlib import Path

import asyncpg

from tests.incident.conftest import db_ids, wait_until
from tests.servers.postgres import PostgresServer
from warroom.domain.clock import SystemClock
from warroom.services.incident_log import IncidentLog
from warroom.stores.postgres import PostgresStore

KILLS = 20


async def _set_server_default_off(dsn: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("ALTER SYSTEM SET synchronous_commit = off")
        await conn.execute("SELECT pg_reload_conf()")
    finally:
        await conn.close()


def _children(pid: int) -> list[int]:
    out = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat") as fh:
                    ppid = int(fh.read().rsplit(") ", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            if ppid == pid:
                out.append(int(name))
    return out


def _crash(server: PostgresServer) -> None:
    """kill -9 the postmaster and its backends at once (a crash, not a shutdown)."""
    assert server.proc is not None
    backends = _children(server.proc.pid)
    server.proc.send_signal(signal.SIGKILL)
    for pid in backends:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    server.proc.wait()
    server.proc = None
    for pid in backends:  # the next postmaster refuses to start while one of them lives
        while os.path.exists(f"/proc/{pid}"):
            try:
                with open(f"/proc/{pid}/stat") as fh:
                    if fh.read().rsplit(") ", 1)[1].startswith("Z"):
                        break
            except OSError:
                break
            os.sched_yield()


async def test_server_killed_mid_write_20_times_loses_no_shown_entry(
    own_postgres: PostgresServer, tmp_path: Path
) -> None:
    await _set_server_default_off(own_postgres.dsn)
    store = PostgresStore(
        own_postgres.dsn,
        tmp_path / "outbox.db",
        timeout_s=2,
        health_every_s=0.2,
        backoff_max_s=0.3,
    )
    await store.open()
    assert "synchronous_commit=on (server default off)" in store.status.detail
    log = IncidentLog(store, SystemClock(), "alice@one")
    shown = [(await log.declare("Database keeps crashing", "P1")).id]
    stop = asyncio.Event()

    async def writer() -> None:
        i = 0
        while not stop.is_set():
            shown.append((await log.note(f"note {i}")).id)  # returned: would be on screen
            i += 1
            await asyncio.sleep(0.005)

    task = asyncio.create_task(writer())
    try:
        for _ in range(KILLS):
            want = len(shown) + 15
            await wait_until(lambda w=want: store.status.online and len(shown) >= w, 60)
            await asyncio.to_thread(_crash, own_postgres)
            await asyncio.to_thread(own_postgres.start)
        await wait_until(lambda: store.status.online and len(shown) > 0, 60)
        stop.set()
        await task
        await wait_until(lambda: store.status.online and store.status.queued == 0, 60)
        ids = await db_ids(own_postgres.dsn)
        assert len(ids) == len(set(ids)), "an entry was written twice"
        missing = set(shown) - set(ids)
        assert not missing, f"{len(missing)} of {len(shown)} shown entries lost"
        assert "synchronous_commit=on" in store.status.detail
    finally:
        stop.set()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await store.close()
