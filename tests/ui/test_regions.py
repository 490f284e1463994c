"""Regions are parts: a new one is one package and one registration; the screen lays the
regions out for the terminal (2x2, three columns when very wide, tabs when small)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from tests.ui.factory import FIXED_TIME, build_test_app
from tests.ui.fakes import FakeAlertSource, FakeSignalSource, make_alert
from warroom.domain.ports import Sources
from warroom.ui.regions import REGISTRY, RegionSpec, register, unregister


def _sources() -> Sources:
    return Sources(
        environment="test",
        alert_sources=[
            FakeAlertSource(
                [make_alert("ServiceDown", "critical", FIXED_TIME - timedelta(minutes=4))]
            )
        ],
        signal_sources={"prometheus": FakeSignalSource({"error_rate": 1.0})},
    )


@pytest.fixture
def tiny() -> Iterator[RegionSpec]:
    spec = RegionSpec("tiny", "Tiny", "tests.ui.tiny_region")
    register(spec)  # the one line a new region needs
    try:
        yield spec
    finally:
        unregister("tiny")


async def test_a_registered_region_is_composed_bound_and_fed(tmp_path: Path, tiny) -> None:  # type: ignore[no-untyped-def]
    app = build_test_app(tmp_path, _sources())
    async with app.run_test(size=(160, 60)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        region = app.screen.query_one("#tiny-region")
        assert region.border_title == "Tiny"
        assert region.selected is not None and region.selected.name == "ServiceDown"
        await pilot.press("z", "z")
        assert str(region.query_one("#tiny-count").render()) == "2"
        assert "warroom.count" in {b.id for b in app.screen.BINDINGS}
        await pilot.press("Z")
        assert str(region.query_one("#tiny-count").render()) == "0"


async def test_a_viewer_is_refused_the_new_regions_writes_too(tmp_path: Path, tiny) -> None:  # type: ignore[no-untyped-def]
    app = build_test_app(tmp_path, _sources(), viewer=True)
    async with app.run_test(size=(160, 60)) as pilot:
        await pilot.pause()
        region = app.screen.query_one("#tiny-region")
        await pilot.press("z", "Z")
        assert str(region.query_one("#tiny-count").render()) == "1"


def test_the_registry_lists_the_four_regions_in_order() -> None:
    assert [s.name for s in REGISTRY][:4] == ["alerts", "signals", "runbook", "log"]


@pytest.mark.parametrize(
    ("size", "layout"),
    [((80, 24), "-compact"), ((160, 48), "-grid"), ((240, 60), "-columns")],
)
async def test_the_layout_follows_the_terminal(tmp_path: Path, size, layout) -> None:  # type: ignore[no-untyped-def]
    app = build_test_app(tmp_path, _sources())
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        screen = app.screen
        assert screen.has_class(layout)
        alerts = screen.query_one("#alerts-region")
        runbook = screen.query_one("#runbook-region")
        if layout == "-columns":  # alerts and signals take both rows; runbook and log stack
            assert alerts.region.height > 1.8 * runbook.region.height
            assert alerts.region.y == runbook.region.y
        elif layout == "-grid":
            assert abs(alerts.region.height - runbook.region.height) <= 1
            assert alerts.region.x == runbook.region.x
        else:
            assert alerts.display and not runbook.display


async def test_a_layout_setting_picks_and_orders_the_regions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`layout` (a list of region names, read from the settings with the registry as the
    default) shows only those, in that order."""
    from warroom.config import Settings

    monkeypatch.setattr(Settings, "layout", ("log", "alerts"), raising=False)
    app = build_test_app(tmp_path, _sources())
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        shown = [r.id for r in app.screen.query(".region")]
        assert shown == ["log-region", "alerts-region"]
