"""Any theme a user configures starts the console: missing warroom variables are derived from
the theme's own colours; an unreadable theme is skipped with one line, never a crash."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.theme import BUILTIN_THEMES

from tests.ui.factory import FIXED_TIME, build_test_app
from warroom.domain.clock import FrozenClock
from warroom.drill import DrillWorld, load_scenario
from warroom.ui.themes import WARROOM_VARIABLES, load_themes


def _app_with_theme(tmp_path: Path, name: str, text: str):  # type: ignore[no-untyped-def]
    """The console with one user theme file `name`.toml chosen in the config."""
    folder = tmp_path / "themes"
    folder.mkdir()
    (folder / f"{name}.toml").write_text(text)
    return _app(tmp_path, theme=name, theme_paths=(str(folder),))


def _app(tmp_path: Path, **settings: object):  # type: ignore[no-untyped-def]
    world = DrillWorld(load_scenario("error-rate"), seed=7, clock=FrozenClock(FIXED_TIME))
    return build_test_app(tmp_path, world.sources(), world.clock, **settings)


async def test_a_user_theme_without_warroom_variables_starts(tmp_path: Path) -> None:
    app = _app_with_theme(tmp_path, "bare", 'primary = "#3366cc"\nerror = "#aa0000"\n')
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert app.theme == "bare"
        variables = app.get_css_variables()
        generated = app.current_theme.to_color_system().generate()
        for name, source in WARROOM_VARIABLES.items():
            assert variables[name] == generated[source]
        assert variables["production-color"] != variables["drill-banner-background"]


@pytest.mark.parametrize("theme", ["textual-light", *sorted(BUILTIN_THEMES)[:4]])
async def test_switching_to_any_textual_theme_keeps_running(tmp_path: Path, theme: str) -> None:
    """What the command palette's "Change theme" does at run time."""
    app = _app(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        app.theme = theme
        await pilot.pause()
        assert app.theme == theme and app.is_running
        assert app.get_css_variables()["production-color"]


def test_broken_themes_are_skipped_with_one_line_each(tmp_path: Path) -> None:
    bad = {
        "banana.toml": 'primary = "banana"\n',
        "var.toml": 'primary = "#123456"\n[variables]\nproduction-color = "banana"\n',
        "style.toml": 'primary = "#123456"\n[variables]\nlink-style = "$bold"\n',
        "dark.toml": 'primary = "#123456"\ndark = "yes"\n',
        "spread.toml": 'primary = "#123456"\nluminosity_spread = 1e308\n',
        "name.toml": 'name = "../../x"\nprimary = "#123456"\n',
        "type.toml": "primary = 5\n",
        "toml.toml": "primary = \n",
    }
    for name, text in bad.items():
        (tmp_path / name).write_text(text)
    (tmp_path / "good.toml").write_text(
        'primary = "#123456"\n[variables]\ninput-selection-background = "#9399b2 30%"\n'
        'block-cursor-text-style = "bold reverse"\ntext = "auto 87%"\n'
    )
    themes, problems = load_themes([tmp_path])
    assert sorted(themes) == ["good"]
    assert len(problems) == len(bad)
    for problem in problems:
        assert problem.startswith(str(tmp_path)) and "\n" not in problem
    assert any("banana.toml: primary: not a colour: 'banana'" in p for p in problems)
    assert any("var.toml: variables.production-color: not a colour" in p for p in problems)


async def test_a_broken_chosen_theme_falls_back_and_starts(tmp_path: Path) -> None:
    app = _app_with_theme(tmp_path, "mine", 'primary = "banana"\n')
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert app.theme == "warroom-dark"
