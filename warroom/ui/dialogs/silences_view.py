"""Active silences: who made them, why, how long is left; enter expires the chosen one."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList, Static
from textual.widgets.option_list import Option

from warroom.domain.alerts import Silence
from warroom.domain.clock import format_duration
from warroom.domain.untrusted import one_line
from warroom.ui.dialogs.prompts import DIALOG_CSS, plain

EXPIRING_S = 300


def silence_label(silence: Silence, now: datetime) -> Text:
    left = silence.seconds_left(now)
    text = Text()
    if silence.expiring_soon(now, EXPIRING_S):
        text.append("⌛ EXPIRING ", "bold reverse")
    text.append(f"{format_duration(left)} left  ", "bold")
    text.append(one_line(" ".join(str(m) for m in silence.matchers)))
    text.append(f"\n   by {one_line(silence.created_by)} — {one_line(silence.comment)}", "dim")
    return text


class SilencesView(ModalScreen[Silence | None]):
    DEFAULT_CSS = DIALOG_CSS
    BINDINGS = [Binding("escape,q", "close", "Close")]

    def __init__(self, silences: list[Silence], errors: Mapping[str, str], now: datetime) -> None:
        super().__init__()
        self.silences = sorted(silences, key=lambda s: s.ends_at)
        self.errors = errors
        self.now = now

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"Active silences ({len(self.silences)})", classes="title")
            for source, error in self.errors.items():
                yield Static(plain(f"⚠ {source}: {error}"), classes="error")
            if self.silences:
                yield OptionList(
                    *[Option(silence_label(s, self.now), id=s.id) for s in self.silences],
                    id="silences-list",
                )
                yield Static("enter expires the highlighted silence · esc closes", classes="hint")
            else:
                yield Static("no active silences", classes="hint")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        chosen = next((s for s in self.silences if s.id == event.option.id), None)
        self.dismiss(chosen)

    def action_close(self) -> None:
        self.dismiss(None)
