"""One way to build the real app for tests: injected sources, a temp store, shipped runbooks."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from warroom.config import Settings
from warroom.domain.clock import Clock, FrozenClock
from warroom.domain.ports import Sources
from warroom.paths import default_runbooks_dir
from warroom.services.runbook_library import load_library
from warroom.stores import open_store
from warroom.ui.app import WarRoomApp, build_app
from warroom.ui.context import ConsoleContext

FIXED_TIME = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)


def build_test_app(
    tmp_path: Path,
    sources: Sources,
    clock: Clock | None = None,
    runbooks: list[Path] | None = None,
    **settings: Any,
) -> WarRoomApp:
    ctx = ConsoleContext(
        settings=Settings(**settings),
        sources=sources,
        clock=clock or FrozenClock(FIXED_TIME),
        library=load_library(runbooks or [default_runbooks_dir()]),
        store=open_store(str(tmp_path / "incidents.db")),
        author="tester@bastion",
        viewer=bool(settings.get("viewer", False)),
        scenario="error-rate" if sources.is_drill else "",
    )
    return build_app(ctx, boot=False)
