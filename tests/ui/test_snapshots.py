"""Snapshots of the main screen on a fixed drill (scenario, seed, frozen time)."""

from __future__ import annotations

import time

import pytest


@pytest.fixture(autouse=True)
def utc_local_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()


async def _settled(pilot) -> None:  # type: ignore[no-untyped-def]
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


@pytest.mark.parametrize(
    "size", [(80, 24), (160, 48), (240, 60)], ids=["80x24", "160x48", "240x60"]
)
def test_drill_main_screen(snap_compare, make_app, drill_sources, size) -> None:  # type: ignore[no-untyped-def]
    sources, clock = drill_sources("error-rate", seed=7)
    app = make_app(sources, clock)
    assert snap_compare(app, terminal_size=size, run_before=_settled)
