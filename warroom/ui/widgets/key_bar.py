"""The key hints along the bottom of the screen, drawn as one line by one widget.

Textual's Footer mounts a widget per key and rebuilds them all whenever the focus moves: on a
2-core bastion that is about 140 ms of the console's start-up (before the first alerts can be
drawn) and a stall on every Tab between panes. This shows the same hints, from the same
`screen.active_bindings`, as one line of text; a click on a hint presses its key.

When the line is too narrow (80 columns) the keys that matter most (`KEEP`: help, the status
update, the export, quit) always stay, the others fill what room is left in their order, and
help says it lists the rest.
"""

from __future__ import annotations

from typing import ClassVar

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual import events
from textual.screen import Screen
from textual.widget import Widget

Hint = tuple[str, str, str, bool]  # key, key as shown, description, enabled
_DIM = Style(dim=True)


class KeyBar(Widget):
    ALLOW_SELECT = False
    # binding ids that are never dropped for want of room (the first is the one listing all)
    KEEP: ClassVar[tuple[str, ...]] = (
        "warroom.help",
        "warroom.status_update",
        "warroom.export",
        "warroom.quit",
    )
    MORE = " (more)"  # after the help hint's description when some hints did not fit
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
        self._kept: set[str] = set()  # keys of the hints in KEEP
        self._help_key: str | None = None
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
            ids = {key: b.id for key, (_n, b, _e, _t) in screen.active_bindings.items()}
            self._kept = {key for key, id_ in ids.items() if id_ in self.KEEP}
            self._help_key = next((k for k, id_ in ids.items() if id_ == self.KEEP[0]), None)
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

    @staticmethod
    def _label(hint: Hint, more: str = "") -> str:
        _key, shown, description, _enabled = hint
        return f" {shown} " + (f"{description}{more} " if description else "")

    def _fitting(self) -> tuple[list[Hint], bool]:
        """The hints that fit the width, in their order, and whether any were left out: the
        kept ones always, the palette's key only when everything else fits."""
        palette_key = self.app.COMMAND_PALETTE_BINDING
        width = self.size.width
        hints = self._hints
        if sum(cell_len(self._label(h)) for h in hints) <= width:
            return list(hints), False
        kept = [h for h in hints if h[0] in self._kept]
        room = width - sum(cell_len(self._label(h)) for h in kept) - len(self.MORE)
        chosen: set[str] = set()
        for hint in hints:
            size = cell_len(self._label(hint))
            if hint[0] not in self._kept and hint[0] != palette_key and size <= room:
                chosen.add(hint[0])
                room -= size
        return [h for h in hints if h[0] in self._kept or h[0] in chosen], True

    def render(self) -> Text:
        """The hints from the left; the command palette's key at the right edge, as Footer."""
        key_style = self.get_component_rich_style("key-bar--key")
        text_style = self.get_component_rich_style("key-bar--description")
        palette_key = self.app.COMMAND_PALETTE_BINDING
        line = Text(no_wrap=True, overflow="crop", end="")
        self._spans = []
        hints, cut = self._fitting()
        for hint in hints:
            key, shown, _description, enabled = hint
            label = self._label(hint, self.MORE if cut and key == self._help_key else "")
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
