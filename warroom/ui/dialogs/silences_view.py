"""Active silences: where each lives (cluster and Alertmanagers), who made it, why, how long is
left. `x` (or enter) expires the highlighted one everywhere it lives, after asking; `e` extends
it or edits its comment. The view only asks: the region acts on the `SilenceChoice`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from warroom.domain.alerts import Alert, Silence
from warroom.domain.clock import format_duration
from warroom.domain.untrusted import clip, one_line
from warroom.ui.dialogs.prompts import DIALOG_CSS, Confirm, plain
from warroom.ui.dialogs.silence import parse_minutes

EXPIRING_S = 300
WHERE_WIDTH = 26


@dataclass(frozen=True, slots=True)
class SilenceChoice:
    """What the commander asked of one silence: expire it, or make it end `minutes` from now
    with `comment` (both kept as they are when unchanged)."""

    action: str  # "expire" | "update"
    silence_id: str
    minutes: float | None = None
    comment: str | None = None


def silence_label(silence: Silence, now: datetime) -> Text:
    left = silence.seconds_left(now)
    where = one_line(silence.where) or "?"
    text = Text()
    if silence.expiring_soon(now, EXPIRING_S):
        text.append("⌛ EXPIRING ", "bold reverse")
    text.append(f"{format_duration(left)} left  ", "bold")
    text.append(f"{clip(where, WHERE_WIDTH):<{WHERE_WIDTH}}  ", "italic")
    text.append(one_line(" ".join(str(m) for m in silence.matchers)))
    text.append(f"\n   by {one_line(silence.created_by)} — {one_line(silence.comment)}", "dim")
    if len(where) > WHERE_WIDTH:
        text.append(f"\n   in {where}", "dim")
    return text


def held_alerts(silence: Silence, alerts: Sequence[Alert]) -> list[Alert]:
    """The firing alerts this silence (by any of its ids, one per cluster) holds silenced."""
    ids = {silence.id, *(p.silence_id for p in silence.placements)}
    return [a for a in alerts if ids.intersection(a.silenced_by)]


class SilencesView(ModalScreen[SilenceChoice | None]):
    DEFAULT_CSS = DIALOG_CSS
    BINDINGS = [
        Binding("escape,q", "close", "Close"),
        Binding("x", "expire", "Expire"),
        Binding("e", "edit", "Extend / edit"),
    ]

    def __init__(
        self,
        silences: list[Silence],
        errors: Mapping[str, str],
        now: datetime,
        alerts: Sequence[Alert] = (),
    ) -> None:
        super().__init__()
        self.silences = sorted(silences, key=lambda s: s.ends_at)
        self.errors = errors
        self.now = now
        self.alerts = alerts  # the firing ones: the question says which will notify again

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"Active silences ({len(self.silences)})", classes="title")
            for source, error in self.errors.items():
                yield Static(plain(f"⚠ {source}: {error}"), classes="error")
            if self.silences:
                yield Static(
                    plain(f"{'left':>10}  {'where':<{WHERE_WIDTH}}  matchers"), classes="hint"
                )
                yield OptionList(
                    *[Option(silence_label(s, self.now), id=s.id) for s in self.silences],
                    id="silences-list",
                )
                yield Static(
                    "x / enter expires it everywhere it lives (asks first) · e extends or edits"
                    " · esc closes",
                    classes="hint",
                )
            else:
                yield Static("no active silences", classes="hint")

    def _highlighted(self) -> Silence | None:
        if not self.silences:
            return None
        index = self.query_one(OptionList).highlighted
        return self.silences[index] if index is not None else None

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.action_expire()

    def action_expire(self) -> None:
        silence = self._highlighted()
        if silence is None:
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.dismiss(SilenceChoice("expire", silence.id))

        places = len(silence.placements) or 1
        question = f"Expire this silence in {places} cluster{'s' if places != 1 else ''}?"
        detail = "\n".join(
            one_line(line)
            for line in (
                " ".join(str(m) for m in silence.matchers),
                f"in {silence.where}",
                f"by {silence.created_by} — {silence.comment}",
            )
        )
        held = held_alerts(silence, self.alerts)
        if held:
            names = ", ".join(clip(one_line(a.name), 40) for a in held[:3])
            more = f" and {len(held) - 3} more" if len(held) > 3 else ""
            detail += (
                f"\n{len(held)} firing alert{'s' if len(held) != 1 else ''} it silences will "
                f"notify again: {names}{more}"
            )
        else:
            detail += "\nit silences no firing alert now"
        self.app.push_screen(Confirm(question, detail), answered)

    def action_edit(self) -> None:
        silence = self._highlighted()
        if silence is None:
            return

        def answered(choice: SilenceChoice | None) -> None:
            if choice is not None:
                self.dismiss(choice)

        self.app.push_screen(SilenceEdit(silence, self.now), answered)

    def action_close(self) -> None:
        self.dismiss(None)


class SilenceEdit(ModalScreen[SilenceChoice | None]):
    """How long from now, and the comment: Alertmanager updates it in place when only these
    change (the matchers are not editable here: a new silence is a new silence)."""

    DEFAULT_CSS = DIALOG_CSS
    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("ctrl+s", "save", "Save")]

    def __init__(self, silence: Silence, now: datetime) -> None:
        super().__init__()
        self.silence = silence
        self.left_min = max(1, round(silence.seconds_left(now) / 60))

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Extend or edit a silence", classes="title")
            yield Static(
                plain(
                    one_line(" ".join(str(m) for m in self.silence.matchers))
                    + f"\nin {one_line(self.silence.where)}"
                ),
                classes="command",
            )
            yield Static("ends in (from now): 30m, 2h, 1h30m", classes="hint")
            yield Input(f"{self.left_min}m", id="edit-duration")
            yield Static("comment:", classes="hint")
            yield Input(one_line(self.silence.comment), id="edit-comment")
            yield Static("", id="edit-error", classes="error")
            yield Static("enter / ctrl+s saves · esc cancels", classes="hint")

    def on_mount(self) -> None:
        self.query_one("#edit-duration", Input).focus()

    @on(Input.Submitted)
    def action_save(self) -> None:
        error = self.query_one("#edit-error", Static)
        try:
            minutes = parse_minutes(self.query_one("#edit-duration", Input).value)
        except ValueError as exc:
            error.update(plain(str(exc)))
            return
        comment = self.query_one("#edit-comment", Input).value.strip()
        if not comment:
            error.update("a comment is required: say why")
            return
        changed = None if comment == one_line(self.silence.comment) else comment
        self.dismiss(SilenceChoice("update", self.silence.id, minutes, changed))

    def action_cancel(self) -> None:
        self.dismiss(None)
