"""The PostgreSQL history store when its server goes away and comes back (a private real
PostgreSQL, stopped and restarted): a write during the outage raises StoreError in bounded
time, the recorder keeps what it saw, and once the server is back one poll writes it all."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from tests.servers.postgres import PostgresServer, running_postgres
from warroom.domain.alert_history import EventKind, summarise
from warroom.domain.alerts import Alert
from warroom.domain.clock import FrozenClock
from warroom.domain.errors import StoreError
from warroom.services.alert_history import HistoryRecorder
from warroom.stores.history_postgres import PostgresHistoryStore

NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
def own_postgres() -> Iterator[PostgresServer]:
    with running_postgres() as server:
        yield server


async def test_outage_then_catch_up(own_postgres: PostgresServer) -> None:
    store = PostgresHistoryStore(own_postgres.dsn, timeout_s=2.0)
    await store.open()
    clock = FrozenClock(NOW)
    recorder = HistoryRecorder(store, clock)
    db = Alert("fp-db", "DBDown", {"service": "db"}, {}, NOW - timedelta(minutes=2))
    try:
        assert await recorder.record_poll({"am": [db]}) == 1
        await asyncio.to_thread(own_postgres.stop)
        web = Alert("fp-web", "WebDown", {"service": "web"}, {}, NOW)
        clock.advance(30)
        with pytest.raises(StoreError):
            await recorder.record_poll({"am": [web]})  # db resolved, web fired: both kept
        await asyncio.to_thread(own_postgres.start)
        clock.advance(30)
        assert await recorder.record_poll({"am": [web]}) == 2
        events = await store.events(NOW - timedelta(days=1))
        assert sorted((e.fingerprint, e.kind) for e in events) == [
            ("fp-db", EventKind.FIRED),
            ("fp-db", EventKind.RESOLVED),
            ("fp-web", EventKind.FIRED),
        ]
        assert (
            summarise([e for e in events if e.fingerprint == "fp-db"], clock.now()).fires_24h == 1
        )
    finally:
        await store.close()
