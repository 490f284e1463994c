"""Fixtures for the incident log: temp SQLite stores and a private PostgreSQL to stop/start."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.servers.postgres import PostgresServer, running_postgres
from warroom.stores.sqlite import SqliteStore

if TYPE_CHECKING:
    from warroom.domain.clock import Clock
    from warroom.domain.ports import AlertSource, IncidentStore
    from warroom.stores.postgres import PostgresStore
    from warroom.ui.app import WarRoomApp


@pytest.fixture
async def sqlite_store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    store = SqliteStore(tmp_path / "incidents.db")
    await store.open()
    try:
        yield store
    finally:
        await store.close()


@pytest.fixture
def own_postgres() -> Iterator[PostgresServer]:
    """A PostgreSQL of this test's own, so it can be stopped without hurting the session's.
    Fails (never skips) when it cannot start."""
    with running_postgres() as server:
        yield server


async def wait_until(predicate: Callable[[], bool], timeout_s: float = 20.0) -> None:
    """Poll until true; the timeout is a hang guard, not a performance assertion."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError("condition not reached within the hang guard")
        await asyncio.sleep(0.02)


async def db_ids(dsn: str) -> list[str]:
    """Every entry id in the database, in commit order (checks for loss and duplicates)."""
    import asyncpg

    conn = await asyncpg.connect(dsn)
    try:
        return [r[0] for r in await conn.fetch("SELECT id FROM warroom_entries ORDER BY seq")]
    finally:
        await conn.close()


async def open_incident_then_outage(
    server: PostgresServer, outbox: Path, title: str, notes: list[str]
) -> list[str]:
    """One console declares `title` and writes `notes`, quits; then the database goes away.
    Returns the ids written, in order."""
    from warroom.domain.clock import SystemClock
    from warroom.services.incident_log import IncidentLog
    from warroom.stores.postgres import PostgresStore

    store = PostgresStore(server.dsn, outbox, timeout_s=2)
    await store.open()
    log = IncidentLog(store, SystemClock(), "alice@one")
    written = [(await log.declare(title, "P1")).id]
    written += [(await log.note(text)).id for text in notes]
    await store.close()
    await asyncio.to_thread(server.stop)
    return written


def offline_store(server: PostgresServer, outbox: Path) -> PostgresStore:
    """A console's store started while the database is down, reconnecting quickly."""
    from warroom.stores.postgres import PostgresStore

    return PostgresStore(
        server.dsn,
        outbox,
        timeout_s=1,
        start_offline_ok=True,
        health_every_s=0.2,
        backoff_max_s=0.3,
    )


def console_on(
    store: IncidentStore,
    *,
    console_id: str = "",
    alert_sources: Sequence[AlertSource] | None = None,
    author: str = "bob@two",
    clock: Clock | None = None,
) -> WarRoomApp:
    """The console on `store` with no alerts (or `alert_sources`) and no runbooks: what the
    store tests watch is the incident log pane and the header."""
    from tests.ui.factory import FIXED_TIME
    from tests.ui.fakes import FakeAlertSource
    from warroom.config import Settings
    from warroom.domain.clock import FrozenClock
    from warroom.domain.ports import Sources
    from warroom.services.runbook_library import load_library
    from warroom.ui.app import build_app
    from warroom.ui.context import ConsoleContext

    ctx = ConsoleContext(
        settings=Settings(),
        sources=Sources(
            environment="test",
            alert_sources=[FakeAlertSource([])] if alert_sources is None else alert_sources,
        ),
        clock=clock or FrozenClock(FIXED_TIME),
        library=load_library([]),
        store=store,
        author=author,
        console_id=console_id,
    )
    return build_app(ctx, boot=False)
