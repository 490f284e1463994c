"""Small modules: nothing in warroom/ over 400 lines, the war-room screen under 250 (issue 11).

A module that grows past these is a sign that a part wants its own module; the numbers are the
house's, counted as `wc -l` counts them."""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "warroom"
MODULE_LIMIT = 400
SCREEN = PACKAGE / "ui" / "screens" / "war_room.py"
SCREEN_LIMIT = 250


def _lines(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def test_no_module_over_the_limit() -> None:
    big = {
        str(p.relative_to(PACKAGE)): n
        for p in PACKAGE.rglob("*.py")
        if (n := _lines(p)) > MODULE_LIMIT
    }
    assert big == {}, f"over {MODULE_LIMIT} lines: {big}"


def test_the_war_room_screen_stays_small() -> None:
    assert _lines(SCREEN) < SCREEN_LIMIT, _lines(SCREEN)
