"""After a lost connection a console catches up on everything committed since the last entry
it heard, by sequence number, in that order, including what was committed while its own queue
was flushed; never what was in the store before it first connected (that is loaded, not
heard: an old incident must not come back as news). Real PostgreSQL."""

from __future__ import annotations

import uuid
from pathlib import Path

import asyncpg

from tests.incident.conftest import wait_until
from tests.ui.factory import FIXED_TIME
from warroom.domain.clock import FrozenClock
from warroom.domain.incident import Entry, Status
from warroom.services.incident_log import IncidentLog
from warroom.stores.postgres import PostgresStore


def _store(dsn: str, outbox: Path) -> PostgresStore:
    return PostgresStore(
        dsn, outbox, timeout_s=2, health_every_s=0.2, backoff_max_s=0.3, console_id=uuid.uuid4().hex
    )


async def test_catch_up_by_sequence_after_a_lost_connection(
    postgres_dsn: str, tmp_path: Path
) -> None:
    clock = FrozenClock(FIXED_TIME)
    a = _store(postgres_dsn, tmp_path / "a.db")
    await a.open()
    old = IncidentLog(a, clock, "alice@one", console=a.console_id)
    await old.declare("Last week's", "P2")
    await old.set_status(Status.RESOLVED)
    b = _store(postgres_dsn, tmp_path / "b.db")
    await b.open()
    heard: list[Entry] = []
    b.subscribe(heard.append)
    try:
        log_a = IncidentLog(a, clock, "alice@one", console=a.console_id)
        await log_a.declare("Now", "P1")
        await wait_until(lambda: len(heard) == 1)
        log_b = IncidentLog(b, clock, "alice@one", console=b.console_id)
        await log_b.load(log_a.incident.id)  # type: ignore[union-attr]
        good_dsn, b.dsn = b.dsn, "postgresql://nobody@127.0.0.1:1/none"  # B cannot come back yet
        conn = await asyncpg.connect(postgres_dsn)
        try:
            pid = b._conn.get_server_pid()  # its session only
            await conn.execute("SELECT pg_terminate_backend($1)", pid)
        finally:
            await conn.close()
        await wait_until(lambda: not b.status.online)
        mine = await log_b.note("queued on b")  # into B's own outbox
        missed = [(await log_a.note(f"while b was away {i}")).id for i in range(3)]
        b.dsn = good_dsn
        await wait_until(lambda: b.status.online and not b.status.queued)
        await wait_until(lambda: len(heard) >= 5)
        caught = [e for e in heard if e.id in missed]
        assert [e.id for e in caught] == missed  # in commit order, each once
        (again,) = [e for e in heard if e.id == mine.id]  # ours, again, with its number:
        assert again.seq is not None and again.seq > max(e.seq or 0 for e in caught)  # after
        assert old.incident is not None
        assert not any(e.incident_id == old.incident.id for e in heard)  # no old news
        assert [e.id for e in log_b.incident.entries] == [  # type: ignore[union-attr]
            e.id
            for e in await a.entries(log_a.incident.id)  # type: ignore[union-attr]
        ]
    finally:
        await a.close()
        await b.close()


async def test_malformed_notifications_are_ignored(postgres_dsn: str, tmp_path: Path) -> None:
    """Anyone allowed to NOTIFY on the channel can send anything: the console ignores what is
    not an entry and keeps hearing the real ones."""
    a = _store(postgres_dsn, tmp_path / "a.db")
    b = _store(postgres_dsn, tmp_path / "b.db")
    await a.open()
    await b.open()
    heard: list[Entry] = []
    b.subscribe(heard.append)
    try:
        conn = await asyncpg.connect(postgres_dsn)
        try:
            for payload in ("garbage", '{"s": "x"}', "[1, 2]", '{"e": {"id": 1}}', '{"s": 3}'):
                await conn.execute("SELECT pg_notify('warroom_entries', $1)", payload)
        finally:
            await conn.close()
        log = IncidentLog(a, FrozenClock(FIXED_TIME), "alice@one", console=a.console_id)
        first = await log.declare("Still heard", "P2")
        await wait_until(lambda: len(heard) == 1)
        assert heard[0].id == first.id and b.status.online
    finally:
        await a.close()
        await b.close()
