"""Step output is a pane of its own: `O` focuses it, and j/k, the arrows, PgUp/PgDn and
Home/End scroll a long output without wrapping at the ends (a real shell prints it)."""

from __future__ import annotations

from pathlib import Path

from tests.ui.factory import screen_text
from tests.ui.pane_helpers import one_alert_app, settle, started
from warroom.sources.executors.shell import ShellExecutor
from warroom.ui.regions.runbook.pane import RunbookPane

PAGE = "# LongOutput\n\n## Diagnosis\n\n```bash\nseq -f 'out-line-%03g' 1 300\n```\n"


def _visible(app) -> set[str]:  # type: ignore[no-untyped-def]
    text = screen_text(app)
    return {f"out-line-{i:03d}" for i in range(1, 301) if f"out-line-{i:03d}" in text}


async def test_a_long_output_scrolls_by_keyboard_and_stops_at_the_ends(tmp_path: Path) -> None:
    books = tmp_path / "books"
    books.mkdir()
    (books / "long.md").write_text(PAGE, encoding="utf-8")
    app = one_alert_app(tmp_path, "LongOutput", runbooks=[books], executors=(ShellExecutor(),))
    async with app.run_test(size=(160, 48)) as pilot:
        await started(pilot, app)
        await pilot.press("3", "enter")  # the runbook pane, run its one step
        await settle(pilot, app)
        pane = app.screen.query_one(RunbookPane)
        await pilot.press("O")
        assert app.focused is pane.output
        await pilot.pause()
        assert "out-line-300" in _visible(app)  # it follows the newest line
        await pilot.press("home")
        await pilot.pause()
        top = _visible(app)
        assert "out-line-001" in top and "out-line-300" not in top
        await pilot.press("k", "up")  # the top stays the top
        await pilot.pause()
        assert _visible(app) == top
        await pilot.press("j", "down")
        await pilot.pause()
        two_down = _visible(app)
        assert "out-line-001" not in two_down and max(two_down) > max(top)
        await pilot.press("pagedown")
        await pilot.pause()
        paged = _visible(app)
        assert min(paged) > max(top)  # a page further: none of the first page is left
        await pilot.press("pageup")
        await pilot.pause()
        assert _visible(app) == two_down
        await pilot.press("end", "j", "pagedown")  # the end stays the end
        await pilot.pause()
        assert "out-line-300" in _visible(app)
