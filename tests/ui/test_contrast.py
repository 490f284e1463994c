"""Every alert row readable in every shipped theme: WCAG AA (4.5:1) measured from the screen.

The alert list is drawn by the real app (`run_test`) with one alert of each severity in each
state (firing, acked, silenced, inhibited, stale), the cursor moved onto every row and newly
firing criticals flashing. Each character cell of the list is read back from Textual's own
screenshot (the SVG holds every cell's foreground and background as drawn, reverse video
resolved) and its contrast computed with WCAG's relative luminance, in three ways a commander
sees it: truecolour; 16 colours (`TERM=screen`: each colour reduced to the nearest of the 16
ANSI colours as Rich does for the terminal, shown in Rich's standard palette); and `NO_COLOR`
(the app's own greyscale filter, so nothing is transformed here).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from msgspec.structs import replace
from rich.color import Color, ColorSystem

from tests.e2e.terminal_cells import RGB, contrast, indexed
from tests.ui.factory import FIXED_TIME
from tests.ui.fakes import FakeAlertSource, make_alert
from warroom.domain.alerts import Alert, AlertState
from warroom.domain.errors import SourceUnavailable
from warroom.domain.ports import Sources
from warroom.paths import default_themes_dir
from warroom.ui.app import WarRoomApp
from warroom.ui.regions.alerts.alert_list import AlertList
from warroom.ui.regions.alerts.row_text import CURSOR_GLYPH

AA = 4.5
THEMES = sorted(p.stem for p in default_themes_dir().glob("*.toml"))
SEVERITIES = ("critical", "warning", "info", "")
STATES = ("firing", "acked", "silenced", "inhibited", "stale")
Cell = tuple[str, RGB, RGB]  # character, foreground, background


def sixteen(rgb: RGB) -> RGB:
    """The colour a 16-colour terminal shows for `rgb`: Rich's reduction, in its palette."""
    number = Color.from_rgb(*rgb).downgrade(ColorSystem.STANDARD).number
    assert number is not None and number < 16
    return indexed(number)


def _hex(value: str) -> RGB:
    value = value.lstrip("#")
    return (int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16))


def screen_cells(svg: str) -> dict[tuple[int, int], Cell]:
    """(column, row) -> (character, fg, bg) for every cell with a character in Textual's SVG
    screenshot (Rich's `export_svg`: a rect per background run, a text per style run)."""
    one_cell = re.search(r'textLength="([\d.]+)"[^>]*>[^<]</text>', svg)
    assert one_cell, "no one-character text in the screenshot"
    char_w = float(one_cell.group(1))
    char_h = char_w / 0.61  # Rich's font aspect ratio
    line_h = char_h * 1.22  # and line height
    fills = {
        m.group(1): _hex(m.group(2)) for m in re.finditer(r"\.(\S+) \{ fill: (#[0-9a-f]{6})", svg)
    }
    backgrounds: dict[tuple[int, int], RGB] = {}
    rect = r'<rect fill="(#[0-9a-f]{6})" x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height'
    for m in re.finditer(rect, svg):
        x0, row = round(float(m.group(2)) / char_w), round((float(m.group(3)) - 1.5) / line_h)
        for col in range(x0, x0 + round(float(m.group(4)) / char_w)):
            backgrounds[(col, row)] = _hex(m.group(1))
    cells: dict[tuple[int, int], Cell] = {}
    text = r'<text class="([^"]+)" x="([\d.]+)" y="([\d.]+)" textLength="[\d.]+"[^>]*>(.*?)</text>'
    for m in re.finditer(text, svg):
        x0 = round(float(m.group(2)) / char_w)
        row = round((float(m.group(3)) - char_h) / line_h)
        for i, char in enumerate(html.unescape(m.group(4)).replace("\xa0", " ")):
            bg = backgrounds.get((x0 + i, row))
            assert bg is not None, f"no background at {(x0 + i, row)}"
            cells[(x0 + i, row)] = (char, fills[m.group(1)], bg)
    return cells


def _alerts() -> tuple[list[Alert], list[Alert]]:
    """One alert of each severity in each state; the stale ones from a second source."""
    live: list[Alert] = []
    gone: list[Alert] = []
    for i, severity in enumerate(SEVERITIES):
        for j, state in enumerate(STATES):
            name = f"{(severity or 'none').title()}{state.title()}"
            alert = make_alert(
                name, severity, FIXED_TIME - timedelta(minutes=5 + i * 10 + j), service="api"
            )
            if state == "acked":
                alert = alert.with_ack("ic@bastion", FIXED_TIME - timedelta(minutes=1))
            elif state in ("silenced", "inhibited"):
                by = {"silenced_by" if state == "silenced" else "inhibited_by": ("s-1",)}
                alert = replace(alert, state=AlertState.SUPPRESSED, **by)
            (gone if state == "stale" else live).append(alert)
    return live, gone


def _measure(
    app: WarRoomApp, alert_list: AlertList, seen: Callable[[RGB], RGB]
) -> Iterator[tuple[int, str, float, str]]:
    """(screen row, line, contrast, character) for every character cell of the list."""
    cells = screen_cells(app.export_screenshot())
    box = alert_list.content_region
    for y in range(box.y, box.bottom):
        line = "".join(cells.get((x, y), (" ",))[0] for x in range(box.x, box.right))
        for x in range(box.x, box.right):
            char, fg, bg = cells.get((x, y), (" ", (0, 0, 0), (0, 0, 0)))
            if char.strip():
                yield y, line, contrast(seen(fg), seen(bg)), char


def _check(app: WarRoomApp, alert_list: AlertList, seen: Callable[[RGB], RGB], what: str) -> str:
    """Every cell at least AA; returns the cursor's line (the one with the glyph)."""
    worst = {}
    cursor_lines = []
    for y, line, ratio, _char in _measure(app, alert_list, seen):
        if ratio < worst.get(y, (99.0, ""))[0]:
            worst[y] = (ratio, line)
        if line.startswith(CURSOR_GLYPH) and line not in cursor_lines:
            cursor_lines.append(line)
    low = [f"{r:.2f}:1 {line.strip()[:60]}" for r, line in worst.values() if r < AA]
    assert not low, f"{what}: below {AA}:1:\n" + "\n".join(low)
    assert len(cursor_lines) == 1, cursor_lines
    return cursor_lines[0]


MODES = {
    "truecolour": lambda rgb: rgb,
    "16-colours": sixteen,
    "NO_COLOR": lambda rgb: rgb,  # the app's own greyscale filter did the work
}


@pytest.mark.parametrize("mode", list(MODES))
@pytest.mark.parametrize("theme", THEMES)
async def test_every_severity_state_and_cursor_keeps_aa_contrast(
    make_app, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, theme: str, mode: str
) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    if mode == "NO_COLOR":
        monkeypatch.setenv("NO_COLOR", "1")
    live, gone = _alerts()
    sources = Sources(
        environment="test",
        alert_sources=[FakeAlertSource(live, name="am-a"), FakeAlertSource(gone, name="am-b")],
    )
    app = make_app(sources, theme=theme)
    seen = MODES[mode]
    async with app.run_test(size=(200, 60)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        alert_list = app.screen.query_one(AlertList)
        alert_list.mark_stale({"am-b"})
        alert_list.focus()
        await pilot.press("home")
        await pilot.pause()
        names = [r.alert.name for r in alert_list.rows if r.alert]
        assert sorted(names) == sorted(a.name for a in live + gone)
        selected: list[str] = []
        for i in range(alert_list.row_count):
            line = _check(app, alert_list, seen, f"{theme} {mode} cursor on row {i}")
            selected.append(line)
            await pilot.press("down")
            await pilot.pause()
        # the cursor visited every alert, marked by its glyph each time
        assert all(any(n in line for line in selected) for n in names)
        # a newly firing critical flashes; with and without the cursor on it
        critical = [r.alert for r in alert_list.rows if r.alert and r.alert.severity == 0]
        alert_list.flash({a.fingerprint for a in critical}, seconds=60)
        await pilot.press("home")
        for _ in critical:
            await pilot.pause()
            _check(app, alert_list, seen, f"{theme} {mode} flashing")
            await pilot.press("down")
        # and with the focus elsewhere (the cursor still marked, still readable)
        await pilot.press("tab")
        await pilot.pause()
        assert not alert_list.has_focus
        _check(app, alert_list, seen, f"{theme} {mode} unfocused")


class _FailsAfterFirst(FakeAlertSource):
    async def fetch_alerts(self) -> list[Alert]:
        if self.calls:
            raise SourceUnavailable(f"{self.name}: connection refused")
        return await super().fetch_alerts()


async def test_alerts_only_a_failing_source_holds_are_drawn_stale(make_app) -> None:
    warn = make_alert("WarnLive", "warning", FIXED_TIME - timedelta(minutes=3), service="api")
    gone = make_alert("WarnGone", "warning", FIXED_TIME - timedelta(minutes=2), service="db")
    top = make_alert("CritTop", "critical", FIXED_TIME, service="api")  # the cursor's row
    sources = Sources(
        environment="test",
        alert_sources=[
            FakeAlertSource([top, warn], name="am-a"),
            _FailsAfterFirst([gone], name="am-b"),
        ],
    )
    app = make_app(sources)

    def colours() -> dict[str, set[RGB]]:
        """Each alert's row: the foregrounds of its name's characters."""
        cells = screen_cells(app.export_screenshot())
        box = app.screen.query_one(AlertList).content_region
        found: dict[str, set[RGB]] = {}
        for name in ("WarnLive", "WarnGone"):
            for (x, y), (char, _fg, _bg) in cells.items():
                if not box.contains(x, y):
                    continue
                line = "".join(cells.get((x + i, y), (" ",))[0] for i in range(len(name)))
                if char == name[0] and line == name:
                    found[name] = {cells[(x + i, y)][1] for i in range(len(name))}
        return found

    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        before = colours()
        assert before["WarnLive"] == before["WarnGone"]  # both plain warnings
        await pilot.press("r")  # am-b fails this poll: its alert is kept, as last seen
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        after = colours()
        assert after["WarnLive"] == before["WarnLive"]
        assert after["WarnGone"] != before["WarnGone"]  # drawn stale, still listed
