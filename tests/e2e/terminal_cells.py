"""A terminal screen as cells, read from `tmux capture-pane -e -p` (text with SGR escapes).

Only what tmux emits for a pane is understood: SGR (`ESC [ ... m`) with bold, reverse, the 8
and 16 ANSI colours, 256-colour indexes and truecolour. The terminal's default foreground is
taken as light grey and its default background as black (a dark terminal).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rich._palettes import EIGHT_BIT_PALETTE, STANDARD_PALETTE

RGB = tuple[int, int, int]
DEFAULT_FG: RGB = (229, 229, 229)
DEFAULT_BG: RGB = (0, 0, 0)
BOX_DRAWING = re.compile(r"[\u2500-\u257f]")
_SGR = re.compile(r"\x1b\[([0-9;:]*)m")


def indexed(n: int) -> RGB:
    """Colour n as shown: the 16 ANSI colours in Rich's standard (VGA) palette, the palette
    Rich reduces colours against for a 16-colour terminal; 16-255 the xterm cube and greys."""
    t = STANDARD_PALETTE[n] if n < 16 else EIGHT_BIT_PALETTE[n]
    return (t.red, t.green, t.blue)


@dataclass(frozen=True, slots=True)
class Cell:
    char: str
    fg: RGB | None  # None: the terminal's default
    bg: RGB | None
    reverse: bool
    bold: bool

    @property
    def shown_fg(self) -> RGB:
        fg, bg = self.fg or DEFAULT_FG, self.bg or DEFAULT_BG
        return bg if self.reverse else fg

    @property
    def shown_bg(self) -> RGB:
        fg, bg = self.fg or DEFAULT_FG, self.bg or DEFAULT_BG
        return fg if self.reverse else bg


def _colour(params: list[int], i: int) -> tuple[RGB | None, int]:
    """The colour of an extended `38;5;n` / `38;2;r;g;b` at params[i] (the 5 or 2)."""
    if i < len(params) and params[i] == 5 and i + 1 < len(params):
        return indexed(params[i + 1]), i + 2
    if i < len(params) and params[i] == 2 and i + 3 < len(params):
        r, g, b = params[i + 1 : i + 4]
        return (r, g, b), i + 4
    return None, len(params)


def parse(captured: str) -> list[list[Cell]]:
    """The screen's rows of cells; attributes carry on from one line to the next, as tmux
    writes them."""
    fg: RGB | None = None
    bg: RGB | None = None
    reverse = bold = False
    rows: list[list[Cell]] = []
    for line in captured.split("\n"):
        row: list[Cell] = []
        pos = 0
        for m in [*_SGR.finditer(line), None]:
            end = m.start() if m else len(line)
            row.extend(Cell(ch, fg, bg, reverse, bold) for ch in line[pos:end] if ch != "\r")
            if m is None:
                break
            pos = m.end()
            params = [int(p) if p else 0 for p in re.split(r"[;:]", m.group(1))] or [0]
            i = 0
            while i < len(params):
                p = params[i]
                i += 1
                if p == 0:
                    fg = bg = None
                    reverse = bold = False
                elif p == 1:
                    bold = True
                elif p == 22:
                    bold = False
                elif p == 7:
                    reverse = True
                elif p == 27:
                    reverse = False
                elif 30 <= p <= 37:
                    fg = indexed(p - 30)
                elif 90 <= p <= 97:
                    fg = indexed(p - 90 + 8)
                elif 40 <= p <= 47:
                    bg = indexed(p - 40)
                elif 100 <= p <= 107:
                    bg = indexed(p - 100 + 8)
                elif p == 39:
                    fg = None
                elif p == 49:
                    bg = None
                elif p in (38, 48):
                    colour, i = _colour(params, i)
                    if p == 38:
                        fg = colour
                    else:
                        bg = colour
        rows.append(row)
    return rows


def text(row: list[Cell]) -> str:
    return "".join(c.char for c in row)


def luminance(rgb: RGB) -> float:
    def channel(v: int) -> float:
        c = v / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: RGB, b: RGB) -> float:
    """WCAG's contrast ratio, 1 to 21."""
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)
