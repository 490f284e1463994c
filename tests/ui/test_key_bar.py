"""The key bar: one line of the screen's shown bindings; a click on a hint presses its key."""

from __future__ import annotations

from pathlib import Path

from tests.ui.factory import build_test_app
from tests.ui.fakes import FakeAlertSource, FakeSignalSource
from tests.ui.test_console_keys import _alerts
from warroom.domain.ports import Sources
from warroom.ui.dialogs.help import HelpScreen
from warroom.ui.widgets.key_bar import KeyBar


def _app(tmp_path: Path):  # type: ignore[no-untyped-def]
    sources = Sources(
        environment="test",
        alert_sources=[FakeAlertSource(_alerts())],
        signal_sources={"prometheus": FakeSignalSource({"error_rate": 1.0})},
    )
    return build_test_app(tmp_path, sources)


async def test_hints_are_the_shown_bindings_once_each_with_the_palette_last(
    tmp_path: Path,
) -> None:
    app = _app(tmp_path)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        bar = app.screen.query_one(KeyBar)
        hints = bar.hints()
        descriptions = [d for _k, _s, d, _e in hints]
        assert descriptions[:3] == ["Help", "Filter", "Group"]
        assert "Quit" in descriptions and "Hide silenced" not in descriptions  # show=False
        assert len(descriptions) == len(set(descriptions))
        assert hints[-1][0] == app.COMMAND_PALETTE_BINDING
        line = app.screen.query_one(KeyBar).render().plain
        assert line.startswith(" ? Help  / Filter ")
        assert line.rstrip().endswith("palette") and len(line) == 160


async def test_clicking_a_hint_presses_its_key(tmp_path: Path) -> None:
    app = _app(tmp_path)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        bar = app.screen.query_one(KeyBar)
        bar.render()
        start, _end, hint = bar.spans[0]
        assert hint[2] == "Help"
        await pilot.click(KeyBar, offset=(start + 1, 0))
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)


async def test_at_80_columns_update_export_quit_and_help_stay(tmp_path: Path) -> None:
    app = _app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        bar = app.screen.query_one(KeyBar)
        line = bar.render().plain
        assert len(line) <= 80
        assert line.startswith(" ? Help (more) ")  # help lists what did not fit
        for hint in ("u Update", "e Export", "q Quit", "/ Filter"):
            assert hint in line, line
        assert "Open/Run" not in line and "palette" not in line
        drawn = [hint[2] for _start, _end, hint in bar.spans]
        assert drawn.index("Update") < drawn.index("Export") < drawn.index("Quit")
        # a click on a kept hint still presses its key
        start, _end, _hint = next(s for s in bar.spans if s[2][2] == "Help")
        await pilot.click(KeyBar, offset=(start + 1, 0))
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
