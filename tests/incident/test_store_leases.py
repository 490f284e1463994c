"""Leases and heartbeats in both stores (SQLite, and a real PostgreSQL): a lease is taken when
free or run out, renewed by its holder, refused to anyone else meanwhile; its note is kept
unless the holder replaces it. Many consoles asking at once: exactly one wins."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from tests.ui.factory import FIXED_TIME
from warroom.domain.ports import IncidentStore, Presence
from warroom.stores.postgres import PostgresStore
from warroom.stores.sqlite import SqliteStore

T = FIXED_TIME


@pytest.fixture(params=["sqlite", "postgres"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[IncidentStore]:
    if request.param == "sqlite":
        made: IncidentStore = SqliteStore(tmp_path / "incidents.db")
    else:
        dsn = request.getfixturevalue("postgres_dsn")
        made = PostgresStore(dsn, tmp_path / "outbox.db", console_id=uuid.uuid4().hex)
    await made.open()
    try:
        yield made
    finally:
        await made.close()


async def test_a_lease_is_one_holders_until_it_runs_out(store: IncidentStore) -> None:
    until = T + timedelta(seconds=90)
    won = await store.claim_lease("ack:x", "a", T, until, '{"silence": "s1"}')
    assert (won.holder, won.expires_at, won.note) == ("a", until, '{"silence": "s1"}')
    lost = await store.claim_lease("ack:x", "b", T + timedelta(seconds=30), until)
    assert lost.holder == "a" and lost.note == '{"silence": "s1"}'  # as it stands
    renewed = await store.claim_lease(
        "ack:x", "a", T + timedelta(seconds=30), until + timedelta(seconds=30)
    )
    assert renewed.holder == "a" and renewed.note == '{"silence": "s1"}'  # note kept
    later = T + timedelta(seconds=200)  # a's lease ran out
    taken = await store.claim_lease("ack:x", "b", later, later + timedelta(seconds=90), "n2")
    assert (taken.holder, taken.note) == ("b", "n2")
    other = await store.claim_lease("ack:y", "a", later, later + timedelta(seconds=90))
    assert other.holder == "a"  # one lease per key


async def test_many_asking_at_once_one_wins(store: IncidentStore) -> None:
    until = T + timedelta(seconds=90)
    leases = await asyncio.gather(
        *(store.claim_lease("ack:z", f"c{i}", T, until) for i in range(8))
    )
    assert len({lease.holder for lease in leases}) == 1


async def test_heartbeats_upsert_and_age(store: IncidentStore) -> None:
    await store.heartbeat(Presence("c1", "alice@one", T, ("commander",)))
    await store.heartbeat(Presence("c2", "bob@two", T, (), True))
    await store.heartbeat(Presence("c1", "alice@one", T + timedelta(seconds=30), ()))
    seen = {p.console: p for p in await store.consoles(T + timedelta(seconds=10))}
    assert list(seen) == ["c1"] and seen["c1"].roles == ()
    assert seen["c1"].last_seen == T + timedelta(seconds=30)
    both = await store.consoles(T)
    assert [(p.console, p.viewer) for p in both] == [("c1", False), ("c2", True)]
