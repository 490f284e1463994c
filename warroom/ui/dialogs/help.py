"""`?`: every key, with the id a user can remap it by in config (`[ui.keymap]`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from warroom.config.keymap import display_key
from warroom.ui.dialogs.prompts import DIALOG_CSS

EXTRA_KEYS = [
    ("j / k, ↑ / ↓", "move in the focused pane", ""),
    ("ctrl+p", "command palette", ""),
    ("@14:02 text", "in a note: backdate it (both times are kept)", ""),
]


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = (
        DIALOG_CSS
        + "HelpScreen > VerticalScroll { width: 90; max-width: 95%; height: 80%; border: thick $accent; background: $surface; padding: 1 2; }"
    )
    BINDINGS = [Binding("escape,question_mark,q", "dismiss", "Close")]

    def __init__(
        self, bindings: Iterable[Binding | tuple[str, ...]], keymap: Mapping[str, str]
    ) -> None:
        super().__init__()
        self.bindings = [b for b in bindings if isinstance(b, Binding)]
        self.keymap = keymap  # the checked `[ui.keymap]`: the help shows the keys as remapped

    def compose(self) -> ComposeResult:
        table = Table(box=None, expand=True, show_header=True, header_style="bold")
        table.add_column("key", no_wrap=True)
        table.add_column("what it does")
        table.add_column(Text("id (remap in [ui.keymap])"), style="dim")
        for b in self.bindings:
            if not b.description:
                continue
            key = display_key(b.id, b.key, self.keymap)
            table.add_row(_pretty(key), b.description or b.action, b.id or "")
        for key, what, ident in EXTRA_KEYS:
            table.add_row(key, what, ident)
        with VerticalScroll():
            yield Label("Keys", classes="title")
            yield Static(table)
            yield Static("esc closes", classes="hint")

    def action_dismiss(self) -> None:  # type: ignore[override]
        self.dismiss(None)


def _pretty(key: str) -> str:
    return key.replace("question_mark", "?").replace("slash", "/").replace("shift+tab", "shift+tab")
