"""Fixtures for the Service region's sources: a served Kubernetes API of recorded objects and
misbehaving HTTP servers (the real dockerd is tests/conftest.py's, shared with the runbooks)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.context.bad_server import BadServer
from tests.context.kube_api import FakeKubeCluster

__all__ = ["bad_server", "kube"]


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
