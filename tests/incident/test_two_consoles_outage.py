"""Two consoles as one user on one host share a real PostgreSQL; it is stopped for 20 s while
both add notes. Afterwards both logs hold the same entries in the same order, line for line as
the log pane draws them, and the database holds each entry once, written by its own console.

Each console has its own id (a locked id file) and so its own outbox; their clocks are
injected and disagree by half a minute, so only the store's commit order can make the two
screens agree. Its own PostgreSQL (stopping the session's would hurt other tests)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import asyncpg

from tests.incident.conftest import wait_until
from tests.servers.postgres import PostgresServer
from tests.ui.factory import FIXED_TIME
from warroom.domain.clock import FrozenClock
from warroom.domain.incident import Entry
from warroom.services.incident_log import IncidentLog
from warroom.stores import open_store
from warroom.stores.console_id import claim_console_id
from warroom.stores.postgres import PostgresStore
from warroom.ui.regions.log.view import format_entry

OUTAGE_S = 20.0
USER = "alice@bastion-1"  # the same person at both consoles


class Console:
    """One console: its id, its store (own outbox), its log, and every entry the UI was told."""

    def __init__(self, server: PostgresServer, data_dir: Path, state_dir: Path, skew_s: float):
        self.identity = claim_console_id(state_dir)
        store = open_store(server.dsn, data_dir, start_offline_ok=True, console_id=self.identity.id)
        assert isinstance(store, PostgresStore)
        store.timeout_s, store.health_every_s, store.backoff_max_s = 1.0, 0.2, 0.3
        self.store = store
        self.clock = FrozenClock(FIXED_TIME)
        self.clock.advance(skew_s)
        self.log = IncidentLog(store, self.clock, USER, console=self.identity.id)
        self.told: list[Entry] = []
        self.log.on_change = self.told.append

    async def note(self, text: str) -> Entry:
        self.clock.advance(7)
        return await self.log.note(text)

    def count(self) -> int:
        return len(self.log.incident.entries) if self.log.incident else 0

    def lines(self) -> list[str]:
        """The log pane's lines, in the pane's order."""
        assert self.log.incident is not None
        return [format_entry(e).plain for e in self.log.incident.entries]


async def _rows(dsn: str) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(dsn)
    try:
        return list(await conn.fetch("SELECT id, origin, body FROM warroom_entries ORDER BY seq"))
    finally:
        await conn.close()


async def test_two_consoles_through_a_20s_outage_show_one_log_in_one_order(
    own_postgres: PostgresServer, tmp_path: Path
) -> None:
    data, state = tmp_path / "data", tmp_path / "state"
    a = Console(own_postgres, data, state, skew_s=0)
    b = Console(own_postgres, data, state, skew_s=-30)  # B's clock is half a minute behind
    assert a.identity.id != b.identity.id  # same host, user and data dir: two identities
    assert a.store.outbox.path != b.store.outbox.path  # and two queues
    await a.store.open()
    await b.store.open()
    written: dict[str, str] = {}  # entry id -> the console that wrote it
    try:
        first = await a.log.declare("Checkout 5xx", "P1")
        written[first.id] = a.identity.id
        await wait_until(lambda: b.log.incident is not None)
        for i in range(3):
            for console, name in ((a, "a"), (b, "b")):
                written[(await console.note(f"{name} before {i}")).id] = console.identity.id

        await asyncio.to_thread(own_postgres.stop)
        loop = asyncio.get_running_loop()
        back_at = loop.time() + OUTAGE_S
        i = 0
        while loop.time() < back_at:  # both keep writing for the whole outage
            for console, name in ((a, "a"), (b, "b")):
                written[(await console.note(f"{name} during {i}")).id] = console.identity.id
            i += 1
            await asyncio.sleep(1.0)
        for console in (a, b):  # each says offline with its own queue
            assert not console.store.status.online
            assert console.store.status.queued == i
        await asyncio.to_thread(own_postgres.start)

        await wait_until(
            lambda: all(c.store.status.online and not c.store.status.queued for c in (a, b)),
            timeout_s=60,
        )
        for console, name in ((a, "a"), (b, "b")):
            written[(await console.note(f"{name} after")).id] = console.identity.id
        await wait_until(lambda: a.count() == b.count() == len(written))

        rows = await _rows(own_postgres.dsn)
        ids = [r["id"] for r in rows]
        assert len(ids) == len(set(ids)), "an entry was written twice"
        assert set(ids) == set(written), "an entry was lost"
        for row in rows:  # each flushed by the console that wrote it, under its own identity
            body = json.loads(row["body"])
            assert row["origin"] == body["console"] == written[row["id"]]
            assert body["author"] == USER
        assert a.lines() == b.lines()
        assert len(a.lines()) == len(written)
        # in commit order: the order the database holds them in, not either console's clock
        assert [e.id for e in a.log.incident.entries] == ids  # type: ignore[union-attr]
        during = [line for line in a.lines() if " during " in line]
        assert {line.split()[-1] for line in during} == {str(n) for n in range(i)}
        # a console told its UI of its own queued notes again, with their place in the log
        assert any(e.seq is not None and e.console == a.identity.id for e in a.told)
    finally:
        await a.store.close()
        await b.store.close()
        a.identity.release()
        b.identity.release()
