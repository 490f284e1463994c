"""The text panes (incident log, step output): wrap to their width, follow the newest line,
keep at most `max_lines`."""

from __future__ import annotations

from datetime import UTC, datetime

from rich.text import Text
from textual.app import App, ComposeResult

from warroom.domain.incident import Entry, EntryKind
from warroom.ui.regions.log.view import IncidentLogView
from warroom.ui.widgets.text_log import TextLog


class _LogApp(App[None]):
    CSS = "TextLog { width: 30; height: 5; }"

    def __init__(self, log: TextLog) -> None:
        super().__init__()
        self.log_view = log

    def compose(self) -> ComposeResult:
        yield self.log_view


def _plain(view: TextLog) -> list[str]:
    return [line.text.rstrip() for line in view.lines]


async def test_lines_wrap_to_the_pane_and_rewrap_when_it_changes() -> None:
    app = _LogApp(TextLog())
    async with app.run_test(size=(60, 10)) as pilot:
        view = app.log_view
        words = "alpha beta gamma delta epsilon zeta eta theta"
        view.write(Text(words))
        await pilot.pause()
        wrapped = _plain(view)
        width = view.scrollable_content_region.width
        assert len(wrapped) > 1 and all(len(line) <= width for line in wrapped)
        assert " ".join(wrapped) == words
        view.styles.width = 58
        await pilot.pause()
        assert len(_plain(view)) == 1  # wider: one line again
        assert view.texts == [words]


async def test_the_newest_line_stays_in_view() -> None:
    app = _LogApp(TextLog())
    async with app.run_test(size=(60, 10)) as pilot:
        view = app.log_view
        for i in range(40):
            view.write(f"line {i}")
        await pilot.pause()
        assert view.scroll_offset.y == view.max_scroll_y > 0
        assert "line 39" in view.render_line(view.size.height - 1).text


async def test_only_the_newest_lines_are_kept() -> None:
    app = _LogApp(TextLog(max_lines=10))
    async with app.run_test(size=(60, 10)) as pilot:
        view = app.log_view
        for i in range(25):
            view.write(f"n{i}")
        await pilot.pause()
        assert view.texts == [f"n{i}" for i in range(15, 25)]
        assert _plain(view) == [f"n{i}" for i in range(15, 25)]
        view.clear()
        await pilot.pause()
        assert view.texts == [] and view.lines == []


async def test_an_entry_arriving_twice_is_shown_once() -> None:
    app = _LogApp(IncidentLogView())
    async with app.run_test(size=(60, 10)) as pilot:
        view = app.log_view
        at = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
        entry = Entry("e1", "", EntryKind.NOTE, "rolled back", "ic@bastion", at, at)
        view.add_entry(entry)
        view.add_entry(entry)
        await pilot.pause()
        assert len(view.texts) == 1 and "rolled back" in view.texts[0]


async def test_the_oldest_lines_leave_with_all_their_wrapped_rows() -> None:
    app = _LogApp(TextLog(max_lines=4))
    async with app.run_test(size=(60, 10)) as pilot:
        view = app.log_view
        await pilot.pause()
        for i in range(9):
            view.write(f"entry {i} " + "word " * 8)  # wraps to more than one row at 30 wide
        await pilot.pause()
        assert [t.split()[1] for t in view.texts] == ["5", "6", "7", "8"]
        rows = _plain(view)
        assert len(rows) > 4 and rows[0].startswith("entry 5")
        assert " ".join(rows).split() == " ".join(view.texts).split()
