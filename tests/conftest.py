"""Fixtures shared by every test area. Area-specific ones live in each folder's conftest."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest

from tests.servers.dockerd import DockerDaemon
from tests.servers.postgres import PostgresServer, running_postgres

_db_names = itertools.count()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A real PostgreSQL for the whole session. Fails (never skips) when it cannot start."""
    with running_postgres() as server:
        yield server


@pytest.fixture
def postgres_dsn(postgres_server: PostgresServer) -> str:
    """A fresh, empty database on the session's server, for one test."""
    return postgres_server.create_database(f"t{next(_db_names)}")


@pytest.fixture(scope="session")
def dockerd() -> Iterator[DockerDaemon]:
    """A real dockerd for the session. Fails (never skips) when it cannot start."""
    daemon = DockerDaemon()
    try:
        daemon.start()
        yield daemon
    finally:
        daemon.cleanup()


@pytest.fixture
def docker_env(dockerd: DockerDaemon, monkeypatch: pytest.MonkeyPatch) -> DockerDaemon:
    """DOCKER_HOST pointed at the suite's daemon, and no containers left from other tests."""
    dockerd.remove_all()
    monkeypatch.setenv("DOCKER_HOST", dockerd.host)
    return dockerd
