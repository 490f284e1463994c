"""The silence dialog: editable matchers with a live count of what they will catch."""

from __future__ import annotations

import shlex
from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from warroom.domain.alerts import Alert, Matcher, matching_alerts
from warroom.ui.dialogs.prompts import DIALOG_CSS, plain


@dataclass(frozen=True, slots=True)
class SilenceForm:
    matchers: tuple[Matcher, ...]
    minutes: float
    comment: str


def parse_matchers(text: str) -> tuple[Matcher, ...]:
    """`alertname="X" service=api` → matchers; raises ValueError with a one-line reason."""
    try:
        parts = shlex.split(text.replace(",", " "))
    except ValueError as exc:
        raise ValueError(f"unbalanced quotes: {exc}") from None
    return tuple(Matcher.parse(part) for part in parts)


def parse_minutes(text: str) -> float:
    """`90`, `90m`, `2h`, `1h30m` → minutes."""
    raw = text.strip().lower()
    if not raw:
        raise ValueError("a duration is required")
    total = 0.0
    number = ""
    for ch in raw:
        if ch.isdigit() or ch == ".":
            number += ch
        elif ch in "hmd" and number:
            total += float(number) * {"h": 60, "m": 1, "d": 1440}[ch]
            number = ""
        elif ch != " ":
            raise ValueError(f"not a duration: {text!r} (try 30m, 2h)")
    if number:
        total += float(number)
    if total <= 0:
        raise ValueError("the duration must be more than 0")
    return total


class SilenceDialog(ModalScreen[SilenceForm | None]):
    DEFAULT_CSS = DIALOG_CSS
    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("ctrl+s", "save", "Silence")]

    def __init__(
        self,
        matchers: list[Matcher],
        alerts: list[Alert],
        *,
        minutes: float,
        title: str = "Silence",
    ) -> None:
        super().__init__()
        self.initial = " ".join(str(m) for m in matchers)
        self.alerts = alerts
        self.minutes = minutes
        self.title_text = title

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(plain(self.title_text), classes="title")
            yield Static("matchers (name=value, name=~regex, name!=value):", classes="hint")
            yield Input(self.initial, id="silence-matchers")
            yield Static("", id="silence-preview")
            yield Input(
                _format_minutes(self.minutes),
                placeholder="duration: 30m, 1h, 2h30m",
                id="silence-duration",
            )
            yield Input(
                placeholder="comment (required): why, and what you are doing about it",
                id="silence-comment",
            )
            yield Static("", id="silence-error", classes="error")
            with Horizontal(classes="buttons"):
                yield Button("Silence", variant="warning", id="silence-ok")
                yield Button("Cancel", id="silence-cancel")

    def on_mount(self) -> None:
        self._preview(self.initial)
        self.query_one("#silence-comment", Input).focus()

    @on(Input.Changed, "#silence-matchers")
    def matchers_changed(self, event: Input.Changed) -> None:
        self._preview(event.value)

    def _preview(self, text: str) -> None:
        preview = self.query_one("#silence-preview", Static)
        try:
            matchers = parse_matchers(text)
        except ValueError as exc:
            preview.update(plain(f"⚠ {exc}"))
            return
        if not matchers:
            preview.update("⚠ at least one matcher is needed")
            return
        caught = matching_alerts(matchers, self.alerts)
        names = sorted({a.name for a in caught})
        listed = ", ".join(names[:4]) + (" …" if len(names) > 4 else "")
        preview.update(
            plain(
                f"will silence {len(caught)} firing alert{'s' if len(caught) != 1 else ''}"
                + (f": {listed}" if listed else "")
            )
        )

    @on(Button.Pressed, "#silence-ok")
    @on(Input.Submitted)
    def action_save(self) -> None:
        error = self.query_one("#silence-error", Static)
        try:
            matchers = parse_matchers(self.query_one("#silence-matchers", Input).value)
            if not matchers:
                raise ValueError("at least one matcher is needed")
            minutes = parse_minutes(self.query_one("#silence-duration", Input).value)
        except ValueError as exc:
            error.update(plain(str(exc)))
            return
        comment = self.query_one("#silence-comment", Input).value.strip()
        if not comment:
            error.update("a comment is required: say why")
            self.query_one("#silence-comment", Input).focus()
            return
        self.dismiss(SilenceForm(matchers, minutes, comment))

    @on(Button.Pressed, "#silence-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


def _format_minutes(minutes: float) -> str:
    if minutes % 60 == 0:
        return f"{int(minutes // 60)}h"
    return f"{minutes:g}m"
