"""The real monitoring stack of the live tests, and an Alertmanager of each test's own."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.live.conftest import stack
from tests.servers.prometheus import Alertmanager

__all__ = ["alertmanager", "stack"]


@pytest.fixture
def alertmanager(tmp_path: Path) -> Iterator[Alertmanager]:
    """A fresh real Alertmanager: what it holds is this test's alerts only."""
    am = Alertmanager(tmp_path, "am-own")
    am.start()
    try:
        yield am
    finally:
        am.stop()
