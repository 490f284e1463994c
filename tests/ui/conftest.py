"""Build the real app around injected sources (fakes or the drill), with a temp store."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from warroom.config import Settings
from warroom.domain.clock import Clock, FrozenClock
from warroom.domain.ports import Sources
from warroom.paths import default_runbooks_dir
from warroom.services.runbook_library import load_library
from warroom.stores import open_store
from warroom.ui.app import WarRoomApp, build_app
from warroom.ui.context import ConsoleContext

FIXED_TIME = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)


@pytest.fixture
def make_app(tmp_path: Path) -> Callable[..., WarRoomApp]:
    def make(sources: Sources, clock: Clock | None = None, **settings: object) -> WarRoomApp:
        ctx = ConsoleContext(
            settings=Settings(**settings),  # type: ignore[arg-type]
            sources=sources,
            clock=clock or FrozenClock(FIXED_TIME),
            library=load_library([default_runbooks_dir()]),
            store=open_store(str(tmp_path / "incidents.db")),
            author="tester@bastion",
            viewer=bool(settings.get("viewer", False)),
            scenario="error-rate" if sources.is_drill else "",
        )
        return build_app(ctx)

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
