"""The key hints along the bottom of the screen, drawn as one line by one widget.

Textual's Footer mounts a widget per key and rebuilds them all whenever the focus moves: on a
2-core bastion that is about 140 ms of the console's start-up (before the first alerts can be
drawn) and a stall on every Tab between panes. This shows the same hints, from the same
`screen.active_bindings`, as one line of text; a click on a hint presses its key.
"""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual import events
from textual.screen import Screen
from textual.widget import Widget

Hint = tuple[str, str, str, bool]  # key, key as shown, description, enabled
_DIM = Style(dim=True)


class KeyBar(Widget):
    ALLOW_SELECT = False
    COMPONENT_CLASSES = {"key-bar--key", "key-bar--description"}
    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        color: $footer-foreground;
        background: $footer-background;
    }
    KeyBar > .key-bar--key {
        color: $footer-key-foreground;
        background: $footer-key-background;
        text-style: bold;
    }
    KeyBar > .key-bar--description {
        color: $footer-description-foreground;
        background: $footer-description-background;
    }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._hints: list[Hint] = []
        self._spans: list[tuple[int, int, Hint]] = []

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        self._bindings_changed(self.screen)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen[object]) -> None:
        hints = self.hints()
        if hints != self._hints:
            self._hints = hints
            self.refresh()

    def hints(self) -> list[Hint]:
        """The shown bindings of the focused widget and its ancestors, one per action, in the
        order Textual's Footer shows them; the command palette's key goes last."""
        app = self.app
        palette_key = app.COMMAND_PALETTE_BINDING if app.ENABLE_COMMAND_PALETTE else ""
        seen: set[str] = set()
        hints: list[Hint] = []
        palette: list[Hint] = []
        for key, (_node, binding, enabled, _tooltip) in self.screen.active_bindings.items():
            hint = (key, app.get_key_display(binding), binding.description, enabled)
            if key == palette_key:
                palette = [hint]
            elif binding.show and binding.action not in seen:
                seen.add(binding.action)
                hints.append(hint)
        return hints + palette

    @property
    def spans(self) -> list[tuple[int, int, Hint]]:
        """Where each hint was drawn on the last render: (first cell, end cell, hint)."""
        return list(self._spans)

    def render(self) -> Text:
        """The hints from the left; the command palette's key at the right edge, as Footer."""
        key_style = self.get_component_rich_style("key-bar--key")
        text_style = self.get_component_rich_style("key-bar--description")
        palette_key = self.app.COMMAND_PALETTE_BINDING
        line = Text(no_wrap=True, overflow="crop", end="")
        self._spans = []
        for hint in self._hints:
            key, shown, description, enabled = hint
            label = f" {shown} " + (f"{description} " if description else "")
            if key == palette_key:
                line.append(" " * max(1, self.size.width - line.cell_len - len(label)))
            start = line.cell_len
            line.append(f" {shown} ", key_style if enabled else key_style + _DIM)
            line.append(label[len(shown) + 2 :], text_style)
            self._spans.append((start, line.cell_len, hint))
        return line

    def on_click(self, event: events.Click) -> None:
        for start, end, (key, _shown, _description, enabled) in self._spans:
            if start <= event.x < end:
                if enabled:
                    self.app.simulate_key(key)
                else:
                    self.app.bell()
                return
