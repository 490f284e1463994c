"""Fixtures for the Service region's sources: the suite's real dockerd (the runbook tests'
fixture, reused), a served Kubernetes API of recorded objects, and misbehaving HTTP servers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.context.bad_server import BadServer
from tests.context.kube_api import FakeKubeCluster
from tests.runbooks.conftest import docker_env, dockerd

__all__ = ["bad_server", "docker_env", "dockerd", "kube"]


@pytest.fixture
def bad_server() -> Iterator[BadServer]:
    server = BadServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def kube() -> Iterator[FakeKubeCluster]:
    cluster = FakeKubeCluster(name="prod-eu")
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()
