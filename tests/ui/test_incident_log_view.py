"""The incident log pane: wraps to its width, follows the newest line, keeps at most
MAX_ENTRIES entries on screen (never fewer in the store)."""

from __future__ import annotations

from rich.text import Text
from textual.app import App, ComposeResult

from warroom.ui.widgets import incident_log
from warroom.ui.widgets.incident_log import IncidentLogView


class _LogApp(App[None]):
    CSS = "IncidentLogView { width: 30; height: 5; }"

    def compose(self) -> ComposeResult:
        yield IncidentLogView()


def _plain(view: IncidentLogView) -> list[str]:
    return [line.text.rstrip() for line in view.lines]


async def test_lines_wrap_to_the_pane_and_rewrap_when_it_changes() -> None:
    app = _LogApp()
    async with app.run_test(size=(60, 10)) as pilot:
        view = app.query_one(IncidentLogView)
        words = "alpha beta gamma delta epsilon zeta eta theta"
        view.write(Text(words))
        await pilot.pause()
        wrapped = _plain(view)
        assert len(wrapped) > 1 and all(len(line) <= 30 for line in wrapped)
        assert " ".join(wrapped) == words
        view.styles.width = 58
        await pilot.pause()
        assert len(_plain(view)) == 1  # wider: one line again
        assert view.texts == [words]


async def test_the_newest_line_stays_in_view() -> None:
    app = _LogApp()
    async with app.run_test(size=(60, 10)) as pilot:
        view = app.query_one(IncidentLogView)
        for i in range(40):
            view.add_notice(f"entry {i}")
        await pilot.pause()
        assert view.scroll_offset.y == view.max_scroll_y > 0
        assert "entry 39" in view.render_line(view.size.height - 1).text


async def test_only_the_newest_entries_stay_on_screen(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(incident_log, "MAX_ENTRIES", 10)
    app = _LogApp()
    async with app.run_test(size=(60, 10)) as pilot:
        view = app.query_one(IncidentLogView)
        for i in range(25):
            view.add_notice(f"n{i}")
        await pilot.pause()
        assert view.texts == [f"n{i}" for i in range(15, 25)]
        assert _plain(view) == [f"n{i}" for i in range(15, 25)]
