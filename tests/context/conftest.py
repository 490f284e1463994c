"""Fixtures for the Service region's sources: the suite's real dockerd (the runbook tests'
fixture, reused) and misbehaving HTTP servers for the failure modes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.context.bad_server import BadServer
from tests.runbooks.conftest import docker_env, dockerd

__all__ = ["bad_server", "docker_env", "dockerd"]


@pytest.fixture
def bad_server() -> Iterator[BadServer]:
    server = BadServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()
