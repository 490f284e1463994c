"""Lines of text that wrap to the pane and follow the newest: the incident log, step output.

Not Textual's RichLog: that shows any renderable, and importing it loads rich.pretty and attrs
(about 15 ms of every start-up, before the first alerts can be drawn); these panes only ever
show lines of text.
"""

from __future__ import annotations

from rich.text import Text
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from warroom.domain.untrusted import inert
from warroom.ui.widgets.line_cache import console, text_strip

MIN_WIDTH = 20  # a narrower pane still wraps at this width (and scrolls sideways)


class TextLog(ScrollView, can_focus=True):
    """`write()` adds a line at the end; at most `max_lines` are kept, the oldest leave."""

    DEFAULT_CSS = """
    TextLog { scrollbar-gutter: stable; }
    """

    def __init__(
        self, *, max_lines: int = 5000, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.max_lines = max_lines
        self._texts: list[Text] = []
        self._wrapped: list[Text] = []  # the texts' lines at `_width`
        self._counts: list[int] = []  # how many of those lines each text took
        self._width = 0
        self._strips: dict[int, Strip] = {}

    @property
    def lines(self) -> list[Strip]:
        """Every line as drawn at the pane's width, oldest first."""
        return [self._strip(i) for i in range(len(self._wrapped))]

    @property
    def texts(self) -> list[str]:
        """Every line written and still kept, as plain text before wrapping, oldest first."""
        return [text.plain for text in self._texts]

    def write(self, line: str | Text) -> None:
        """Add a line at the end and scroll to it; a str is untrusted text, shown inert. A Text
        may carry untrusted parts too (a command filled from labels): if its plain text holds a
        control character, it is rebuilt inert (its base style kept, inner spans dropped)."""
        if isinstance(line, str):
            text = Text(inert(line))
        elif inert(line.plain) != line.plain:
            text = Text(inert(line.plain), style=line.style)
        else:
            text = line
        self._texts.append(text)
        if self._width:
            wrapped = self._wrap(text)
            self._wrapped.extend(wrapped)
            self._counts.append(len(wrapped))
        if len(self._texts) > self.max_lines:  # the oldest leave (their lines, not a rewrap)
            gone = len(self._texts) - self.max_lines
            del self._texts[:gone]
            if self._width:
                del self._wrapped[: sum(self._counts[:gone])]
                del self._counts[:gone]
            self._strips.clear()
        self._resized()
        self.scroll_end(animate=False)

    def clear(self) -> None:
        self._texts, self._wrapped, self._counts = [], [], []
        self._strips.clear()
        self._resized()

    def _wrap(self, text: Text) -> list[Text]:
        return list(text.wrap(console, self._width)) or [Text()]

    def _rewrap(self) -> None:
        per_text = [self._wrap(text) for text in self._texts]
        self._wrapped = [line for lines in per_text for line in lines]
        self._counts = [len(lines) for lines in per_text]
        self._strips.clear()

    def _resized(self) -> None:
        # a width only when the pane is narrower than MIN_WIDTH (it then scrolls sideways)
        wider = self._width > self.scrollable_content_region.width
        self.virtual_size = Size(self._width if wider else 0, len(self._wrapped))
        self.refresh()

    def on_resize(self) -> None:
        width = max(MIN_WIDTH, self.scrollable_content_region.width)
        if width != self._width:
            self._width = width
            self._rewrap()
            self._resized()
            self.scroll_end(animate=False)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strips.clear()

    def _strip(self, i: int) -> Strip:
        strip = self._strips.get(i)
        if strip is None:
            strip = self._strips[i] = text_strip(self._wrapped[i], self._width, self.rich_style)
        return strip

    def render_line(self, y: int) -> Strip:
        x, top = self.scroll_offset
        i = top + y
        width = self.scrollable_content_region.width
        if i >= len(self._wrapped):
            return Strip.blank(width, self.rich_style)
        return self._strip(i).crop_extend(x, x + width, self.rich_style)
