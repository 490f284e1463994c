"""What the pane tests share: one firing alert, a flat signal, and waiting for the console."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from tests.ui.factory import FIXED_TIME, build_test_app
from tests.ui.fakes import FakeAlertSource, FakeSignalSource, make_alert
from warroom.domain.ports import Sources
from warroom.ui.app import WarRoomApp


def one_alert_app(
    tmp_path: Path,
    name: str = "ServiceDown",
    runbooks: list[Path] | None = None,
    executors: tuple[Any, ...] = (),
    **settings: Any,
) -> WarRoomApp:
    alert = make_alert(name, "critical", FIXED_TIME - timedelta(minutes=3), service="api")
    sources = Sources(
        environment="test",
        alert_sources=[FakeAlertSource([alert])],
        signal_sources={"prometheus": FakeSignalSource({"error_rate": 1.0})},
        executors=executors,
    )
    return build_test_app(tmp_path, sources, runbooks=runbooks, **settings)


async def settle(pilot: Any, app: WarRoomApp) -> None:
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


async def started(pilot: Any, app: WarRoomApp) -> None:
    """Settled, and past the wait for the first alerts (the regions have started)."""
    await settle(pilot, app)
    await pilot.pause(1.1)
    await settle(pilot, app)
