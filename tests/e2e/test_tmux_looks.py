"""The real `warroom drill` in tmux as a commander's terminal draws it: 16 colours (`TERM=screen`),
`NO_COLOR`, and 80x24. Read back with `capture-pane -e`: every border character carries a
foreground that differs from its background, the cursor row is reverse video (or a background
of its own) and starts with the cursor glyph, and the key bar at 80 columns still reaches
Update, Export and Quit, `?` listing the rest.
"""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.terminal_cells import BOX_DRAWING, Cell, contrast, parse, text
from tests.e2e.test_tmux_drill import WARROOM, Tmux
from warroom.paths import default_themes_dir
from warroom.ui.regions.alerts.row_text import CURSOR_GLYPH

BORDER_MIN = 2.0  # a border is a line, not text: visible, not necessarily AA


@pytest.fixture
def tmux(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Tmux]:
    assert shutil.which("tmux"), "tmux is required (make servers installs it)"
    monkeypatch.chdir(tmp_path)  # the console's working directory: exports are written there
    t = Tmux(tmp_path)
    yield t
    t.kill()


def _frame(tmux: Tmux) -> list[list[Cell]]:
    return parse(tmux.screen(escapes=True))


TALL_BORDER = re.compile("[▊▎▔▁]")  # Textual's `tall` borders, as a dialog's inputs have


def assert_borders_visible(
    rows: list[list[Cell]], what: str, chars: re.Pattern[str] = BOX_DRAWING
) -> int:
    """Every border character stands out from its background; returns how many."""
    hidden = []
    count = 0
    for y, row in enumerate(rows):
        for x, cell in enumerate(row):
            if chars.match(cell.char):
                count += 1
                ratio = contrast(cell.shown_fg, cell.shown_bg)
                if cell.shown_fg == cell.shown_bg or ratio < BORDER_MIN:
                    hidden.append(f"({x},{y}) {cell.char!r} {ratio:.2f}:1 in {text(row)!r}")
    assert not hidden, f"{what}: {len(hidden)} border cells not visible:\n" + "\n".join(hidden[:10])
    return count


def assert_cursor_visible(rows: list[list[Cell]], what: str) -> None:
    """The alert list's cursor row: the glyph, then reverse video (or a background of its
    own against the rows under it) for the whole row."""
    mark = "│" + CURSOR_GLYPH
    found = [(y, text(row).index(mark) + 1) for y, row in enumerate(rows) if mark in text(row)]
    assert found, f"{what}: no cursor row ({CURSOR_GLYPH!r}) on screen"
    y, x0 = found[0]
    row = rows[y]
    x1 = text(row).index("│", x0)
    cursor = row[x0:x1]
    below = rows[y + 1][x0:x1] if y + 1 < len(rows) else []
    other_bg = {c.shown_bg for c in below}
    marked = all(c.reverse for c in cursor) or not ({c.shown_bg for c in cursor} & other_bg)
    assert marked, f"{what}: the cursor row is not marked: {text(row)!r}"
    low = [c for c in cursor if c.char.strip() and contrast(c.shown_fg, c.shown_bg) < 4.5]
    assert not low, f"{what}: cursor row text below 4.5:1: {text(row)!r}"


def _check(tmux: Tmux, what: str) -> None:
    rows = _frame(tmux)
    assert assert_borders_visible(rows, what) > 20, f"{what}: no pane borders?"
    assert_cursor_visible(rows, what)


TERMINALS = {
    "TERM=screen": ("TERM=screen",),
    "NO_COLOR=1": ("TERM=xterm-256color", "NO_COLOR=1"),
    "TERM=screen,NO_COLOR=1": ("TERM=screen", "NO_COLOR=1"),
}


@pytest.mark.parametrize("term", list(TERMINALS))
def test_a_whole_drill_keeps_borders_and_cursor_visible(tmux: Tmux, term: str) -> None:
    tmux.start([str(WARROOM), "drill", "--seed", "1"], term=TERMINALS[term])
    texts = ("DRILL", "Firing alerts", "Golden signals", "Runbook", "Incident log", "FIRED")
    tmux.wait_for(lambda s: all(t in s for t in texts) and CURSOR_GLYPH in s, 40)
    _check(tmux, f"{term} first screen")
    for region in ("Golden signals", "Runbook", "Incident log", "Firing alerts"):
        tmux.keys("Tab")  # the focused pane's border changes colour: still visible
        time.sleep(0.5)
        _check(tmux, f"{term} focus on {region}")
    tmux.keys("j", "k")
    tmux.keys("d")
    tmux.wait_for(lambda s: "Declare an incident" in s)
    inputs = [row for row in _frame(tmux) if text(row).lstrip().startswith("▊")]
    assert assert_borders_visible(inputs, f"{term} declare's inputs", TALL_BORDER) > 100
    tmux.keys("C-s")
    tmux.wait_for(lambda s: "INVESTIGATING" in s)
    _check(tmux, f"{term} declared")
    tmux.keys("n")
    tmux.wait_for(lambda s: "Add to the log" in s)
    tmux.keys("checking the deploy", "Enter")
    tmux.wait_for(lambda s: "checking the" in s and "Add to the log" not in s)  # (may wrap)
    _check(tmux, f"{term} note")
    tmux.keys("u")
    tmux.wait_for(lambda s: "Status update template" in s)
    tmux.keys("Enter")
    tmux.wait_for(lambda s: "ctrl+s copies it" in s)
    tmux.keys("C-s")
    tmux.wait_for(lambda s: "ctrl+s copies it" not in s and "Incident log" in s)
    _check(tmux, f"{term} status update")
    tmux.keys("?")
    tmux.wait_for(lambda s: "remap" in s)  # (the panes behind a dialog are dimmed on purpose)
    tmux.keys("Escape")
    tmux.wait_for(lambda s: "remap" not in s)
    tmux.keys("e")
    time.sleep(0.5)
    tmux.keys("Enter")
    tmux.wait_for(lambda s: "post-mortem written" in s)
    _check(tmux, f"{term} exported")
    assert list(tmux.tmp.glob("postmortem-*.md"))
    tmux.keys("q")
    time.sleep(0.5)
    tmux.keys("y")
    tmux.wait_for(lambda s: "time to acknowledge" in s.lower())


def _footer_key(screen: str, description: str) -> str:
    """The key the bottom line shows for `description` (as the commander reads it)."""
    footer = screen.rstrip("\n").splitlines()[-1]
    m = re.search(rf"(\S+) {re.escape(description)}(?!\w)", footer)
    assert m, f"{description!r} is not in the key bar: {footer!r}"
    return m.group(1)


def test_at_80x24_the_key_bar_reaches_update_export_and_quit(tmux: Tmux) -> None:
    tmux.start([str(WARROOM), "drill", "--seed", "1"], width=80, height=24, term=("TERM=screen",))
    screen = tmux.wait_for(lambda s: "DRILL" in s and "WARN" in s and "Quit" in s, 40)
    assert all(len(line) <= 80 for line in screen.splitlines())
    _check(tmux, "80x24")
    # help lists what the bar had no room for
    tmux.keys(_footer_key(screen, "Help (more)"))
    seen = tmux.wait_for(lambda s: "remap" in s)
    for _ in range(6):
        tmux.keys("PageDown")
        time.sleep(0.3)
        seen += tmux.screen()
    for dropped in ("Declare", "Note", "Open/Run"):
        assert dropped not in screen.splitlines()[-1] and dropped in seen, dropped
    tmux.keys("Escape")
    tmux.wait_for(lambda s: "esc closes" not in s and "what it does" not in s)
    tmux.keys("d")
    tmux.wait_for(lambda s: "Declare an incident" in s)
    tmux.keys("C-s")
    screen = tmux.wait_for(lambda s: "INVESTIGATING" in s)
    tmux.keys(_footer_key(screen, "Update"))
    tmux.wait_for(lambda s: "Status update template" in s)
    tmux.keys("Enter")
    tmux.wait_for(lambda s: "ctrl+s copies it" in s)
    tmux.keys("C-s")
    screen = tmux.wait_for(lambda s: "ctrl+s copies it" not in s and "Quit" in s)
    tmux.keys(_footer_key(screen, "Export"))
    time.sleep(0.5)
    tmux.keys("Enter")
    screen = tmux.wait_for(lambda s: "post-mortem written" in s)
    assert list(tmux.tmp.glob("postmortem-*.md"))
    tmux.keys(_footer_key(screen, "Quit"))
    time.sleep(0.5)
    tmux.keys("y")
    tmux.wait_for(lambda s: "time to acknowledge" in s.lower())


@pytest.mark.parametrize("theme", sorted(p.stem for p in default_themes_dir().glob("*.toml")))
@pytest.mark.parametrize("term", list(TERMINALS))
def test_every_theme_keeps_borders_and_cursor_visible(tmux: Tmux, theme: str, term: str) -> None:
    tmux.start([str(WARROOM), "drill", "--seed", "1", "--theme", theme], term=TERMINALS[term])
    tmux.wait_for(lambda s: "Golden signals" in s and "Error rate" in s and CURSOR_GLYPH in s, 40)
    _check(tmux, f"{theme} {term}")
