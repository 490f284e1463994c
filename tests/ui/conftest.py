"""Build the real app around injected sources (fakes or the drill), with a temp store."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.ui.factory import FIXED_TIME, build_test_app
from warroom.domain.clock import Clock, FrozenClock
from warroom.domain.ports import Sources
from warroom.ui.app import WarRoomApp


@pytest.fixture
def make_app(tmp_path: Path) -> Callable[..., WarRoomApp]:
    def make(sources: Sources, clock: Clock | None = None, **settings: Any) -> WarRoomApp:
        return build_test_app(tmp_path, sources, clock, **settings)

    return make


@pytest.fixture
def drill_sources() -> Callable[..., tuple[Sources, Clock]]:
    from warroom.drill import DrillWorld, load_scenario

    def make(scenario: str = "error-rate", seed: int = 7) -> tuple[Sources, Clock]:
        world = DrillWorld(
            load_scenario(scenario), seed=seed, speed=1.0, clock=FrozenClock(FIXED_TIME)
        )
        return world.sources(), world.clock

    return make
