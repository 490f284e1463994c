"""`1`-`5` jump straight to a pane in every layout: the 2x2 grid, three columns, and the tabbed
compact layout (where a jump switches the tab); a number with no pane does nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.ui.factory import screen_text
from tests.ui.pane_helpers import one_alert_app, started


@pytest.mark.parametrize(
    ("size", "layout"), [((160, 48), "-grid"), ((240, 60), "-columns"), ((100, 30), "-compact")]
)
async def test_number_keys_jump_to_panes_in_every_layout(tmp_path: Path, size, layout) -> None:  # type: ignore[no-untyped-def]
    app = one_alert_app(tmp_path)
    async with app.run_test(size=size) as pilot:
        await started(pilot, app)
        screen = app.screen
        assert screen.has_class(layout)
        for key, name in (("4", "log"), ("2", "signals"), ("3", "runbook"), ("1", "alerts")):
            await pilot.press(key)
            await pilot.pause()
            region = screen.region_named(name)
            assert region is not None and region.has_focus_within, (key, name)
            assert region.has_class("-current")
            if layout == "-compact":  # one pane shown: the one jumped to, its tab marked
                text = screen_text(app)
                assert region.TITLE in text
                others = [r.TITLE for r in screen.regions if r is not region]
                assert not any(f"╭─ {title}" in text for title in others), (key, text)
        await pilot.press("4", "5")  # four panes: `5` leaves the log where it is
        await pilot.pause()
        assert screen.region_named("log").has_focus_within


async def test_digits_typed_into_the_alert_filter_stay_there(tmp_path: Path) -> None:
    from textual.widgets import Input

    app = one_alert_app(tmp_path)
    async with app.run_test(size=(160, 48)) as pilot:
        await started(pilot, app)
        await pilot.press("slash", *"instance=api-3")
        box = app.screen.query_one("#alert-filter", Input)
        assert app.focused is box and box.value == "instance=api-3"
