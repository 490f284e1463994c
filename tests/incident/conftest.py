"""Fixtures for the incident log: temp SQLite stores and a private PostgreSQL to stop/start."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest

from tests.servers.postgres import PostgresServer, running_postgres
from warroom.stores.sqlite import SqliteStore


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
