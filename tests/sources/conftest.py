"""A small real HTTP server on 127.0.0.1 for each test (tests/sources/servers.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.sources.servers import Server


@pytest.fixture
def server() -> Iterator[Server]:
    running = Server().start()
    try:
        yield running
    finally:
        running.stop()
