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


def test_drill_service_tab_compact(snap_compare, make_app, drill_sources) -> None:  # type: ignore[no-untyped-def]
    """At 80x24 the Service region is the fifth tab (shift+tab from the alerts): pods, the
    rollout and the changes stacked, still readable."""
    sources, clock = drill_sources("error-rate", seed=7)
    app = make_app(sources, clock)

    async def service_tab(pilot) -> None:  # type: ignore[no-untyped-def]
        await _settled(pilot)
        await pilot.press("shift+tab")
        await _settled(pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=service_tab)
