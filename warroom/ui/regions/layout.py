"""How the regions are laid out for the terminal at hand: a 2×2 grid, three columns on very
wide screens (the tall regions take both rows), one region at a time with tabs when small."""

from __future__ import annotations

COMPACT_BELOW = (110, 32)  # columns, rows: narrower or shorter shows one region at a time
COLUMNS_FROM = 220  # columns: this wide or wider puts the regions in three columns

LAYOUTS = ("-compact", "-columns", "-grid")


def layout_for(width: int, height: int) -> str:
    """The screen's layout class for this size."""
    if width < COMPACT_BELOW[0] or height < COMPACT_BELOW[1]:
        return "-compact"
    if width >= COLUMNS_FROM:
        return "-columns"
    return "-grid"
