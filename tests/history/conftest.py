"""Alert-history stores on real SQLite files and the session's real PostgreSQL."""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from tests.servers.prometheus import ALERTMANAGER_CONFIG, Alertmanager
from warroom.domain.history_ports import AlertHistoryStore
from warroom.stores.history_sqlite import SqliteHistoryStore


def make_store(kind: str, where: str, **kw: object) -> AlertHistoryStore:
    if kind == "sqlite":
        return SqliteHistoryStore(Path(where), **kw)  # type: ignore[arg-type]
    from warroom.stores.history_postgres import PostgresHistoryStore

    return PostgresHistoryStore(where, **kw)  # type: ignore[arg-type]


@pytest.fixture(params=["sqlite", "postgres"])
def store_location(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, str]:
    """(kind, path or DSN): the same tests run on both stores."""
    if request.param == "sqlite":
        return ("sqlite", str(tmp_path / "history.db"))
    return ("postgres", request.getfixturevalue("postgres_dsn"))


@pytest.fixture
async def history_store(store_location: tuple[str, str]) -> AsyncIterator[AlertHistoryStore]:
    store = make_store(*store_location, retention=timedelta(days=30), max_events=1000)
    await store.open()
    try:
        yield store
    finally:
        await store.close()


@contextlib.contextmanager
def running_alertmanager(name: str, config: str = ALERTMANAGER_CONFIG) -> Iterator[Alertmanager]:
    """A real Alertmanager of the test module's own (fails, never skips, if it cannot start)."""
    workdir = Path(tempfile.mkdtemp(prefix=f"warroom-{name}-"))
    am = Alertmanager(workdir, name, config)
    try:
        am.start()
        yield am
    finally:
        am.stop()
        shutil.rmtree(workdir, ignore_errors=True)
