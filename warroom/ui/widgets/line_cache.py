"""A widget that repaints only the lines whose content changed.

Over a thin SSH link and through tmux every byte counts: a refresh that changes one value
should send one line, not the whole panel.
"""

from __future__ import annotations

from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.geometry import Region, Size
from textual.strip import Strip
from textual.widget import Widget

console = Console(width=400, legacy_windows=False, force_terminal=True)  # renders, never prints


def text_strip(text: Text, width: int, base: Style | None = None) -> Strip:
    """One line of Rich text as a Strip exactly `width` cells wide."""
    strip = Strip(list(text.render(console, end=""))).crop(0, width)
    if base is not None:
        strip = strip.apply_style(base)
    return strip.extend_cell_length(width, base)


class LineCacheWidget(Widget):
    """Subclasses build their lines with `build_lines`; only changed lines are refreshed."""

    def __init__(
        self, *, name: str | None = None, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._lines: list[Text] = []
        self._strips: dict[int, Strip] = {}

    @property
    def texts(self) -> list[str]:
        """The lines as shown now, as plain text."""
        return [line.plain for line in self._lines]

    def build_lines(self, width: int) -> list[Text]:
        raise NotImplementedError

    def rebuild(self) -> None:
        """Recompute the lines and repaint those that differ from what is on screen."""
        width = self.content_region.width or self.size.width
        if width <= 0:
            return
        new = self.build_lines(width)
        old = self._lines
        self._lines = new
        changed = [
            y
            for y in range(max(len(new), len(old)))
            if y >= len(old) or y >= len(new) or not _same(old[y], new[y])
        ]
        for y in changed:
            self._strips.pop(y, None)
        if not changed:
            return
        if len(new) != len(old):
            self.refresh()
            return
        for y in changed:
            start, end = _changed_cells(old[y], new[y], self.size.width)
            self.refresh(Region(start, y, end - start, 1))  # content-relative

    def on_resize(self) -> None:
        self._strips.clear()
        self._lines = []
        self.rebuild()
        self.refresh()

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return max(1, len(self._lines))

    def render_line(self, y: int) -> Strip:
        strip = self._strips.get(y)
        if strip is None:
            width = self.content_region.width or self.size.width
            base = self.rich_style
            text = self._lines[y] if y < len(self._lines) else Text()
            strip = text_strip(text, width, base)
            self._strips[y] = strip
        return strip

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strips.clear()


def _changed_cells(old: Text, new: Text, width: int) -> tuple[int, int]:
    """The span of cells that differ, when only characters changed (not styles).

    Sending a changed value or the newest sparkline column instead of the whole line keeps
    an idle console nearly silent on the wire."""
    a, b = old.plain, new.plain
    if old.spans != new.spans or old.style != new.style or not (a.isascii() or len(a) == len(b)):
        return 0, width
    if any(ord(ch) > 0x2FFF for ch in a + b):  # wide characters: cells != characters
        return 0, width
    start = 0
    limit = min(len(a), len(b))
    while start < limit and a[start] == b[start]:
        start += 1
    end_a, end_b = len(a), len(b)
    while end_a > start and end_b > start and a[end_a - 1] == b[end_b - 1]:
        end_a -= 1
        end_b -= 1
    end = max(end_a, end_b)
    return start, max(start + 1, min(end, width))


def _same(a: Text, b: Text) -> bool:
    return a.plain == b.plain and a.spans == b.spans and a.style == b.style


__all__ = ["LineCacheWidget", "Segment", "console", "text_strip"]
