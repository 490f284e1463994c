"""The silence dialog: editable matchers with a live count of what they will catch, the
silence policy's verdict as they change (a refusal takes a typed reason to go ahead), and the
similar silences the region finds (`show_similar`, attributes down: the dialog waits on nothing).
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from warroom.domain.alerts import Alert, Matcher, Silence, matching_alerts
from warroom.domain.silence_policy import SilencePolicy, refusals, similar_silences
from warroom.domain.untrusted import clip, one_line
from warroom.ui.dialogs.prompts import DIALOG_CSS, plain


@dataclass(frozen=True, slots=True)
class SilenceForm:
    matchers: tuple[Matcher, ...]
    minutes: float
    comment: str
    override_reason: str = ""  # typed to go ahead although the policy refused


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
        policy: SilencePolicy | None = None,
        form: SilenceForm | None = None,
        refused: str = "",
    ) -> None:
        super().__init__()
        self.initial = " ".join(str(m) for m in (form.matchers if form else matchers))
        self.alerts = alerts
        self.minutes = form.minutes if form else minutes
        self.title_text = title
        self.policy = policy or SilencePolicy()
        self.form = form  # asked again after a refusal: what was typed stays
        self.refused = refused
        self.refusals: list[str] = []
        self.known: tuple[tuple[Silence, ...], datetime] = ((), datetime.min)

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
                self.form.comment if self.form else "",
                placeholder="comment (required): why, and what you are doing about it",
                id="silence-comment",
            )
            yield Static("", id="silence-policy", classes="error")
            yield Input(
                self.form.override_reason if self.form else "",
                placeholder="override reason (logged): why this silence must be this broad",
                id="silence-override",
            )
            yield Static("", id="silence-similar", classes="hint")
            yield Static("", id="silence-error", classes="error")
            with Horizontal(classes="buttons"):
                yield Button("Silence", variant="warning", id="silence-ok")
                yield Button("Cancel", id="silence-cancel")

    def on_mount(self) -> None:
        self._preview(self.initial)
        if self.refused:
            self.query_one("#silence-error", Static).update(plain(self.refused))
        target = "#silence-override" if self.refusals and self.form else "#silence-comment"
        self.query_one(target, Input).focus()

    def show_known(self, silences: Sequence[Silence], now: datetime) -> None:
        """The active and recently expired silences (listed by the region's worker): the
        similar ones are shown, and found again as the matchers change."""
        self.known = (tuple(silences), now)
        self._preview(self.query_one("#silence-matchers", Input).value)

    def _show_similar(self, matchers: Sequence[Matcher]) -> None:
        silences, now = self.known
        similar = similar_silences(matchers, silences, now) if silences else []
        lines = []
        for found in similar[:5]:
            silence = found.silence
            state = "expired" if found.expired else "active"
            theirs = clip(one_line(" ".join(str(m) for m in silence.matchers)), 60)
            who = clip(one_line(silence.created_by), 24)
            lines.append(f"  {found.similarity.value}, {state}: {theirs} by {who}")
        more = f"\n  … and {len(similar) - 5} more" if len(similar) > 5 else ""
        text = "similar silences:\n" + "\n".join(lines) + more if lines else ""
        self.query_one("#silence-similar", Static).update(plain(text))

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
        self._check_policy(matchers)
        self._show_similar(matchers)
        caught = matching_alerts(matchers, self.alerts)
        names = sorted({a.name for a in caught})
        listed = ", ".join(names[:4]) + (" …" if len(names) > 4 else "")
        preview.update(
            plain(
                f"will silence {len(caught)} firing alert{'s' if len(caught) != 1 else ''}"
                + (f": {listed}" if listed else "")
            )
        )

    def _check_policy(self, matchers: Sequence[Matcher]) -> None:
        self.refusals = [r.message for r in refusals(self.policy, matchers, self.alerts)]
        shown = self.query_one("#silence-policy", Static)
        override = self.query_one("#silence-override", Input)
        override.display = bool(self.refusals)
        if self.refusals:
            shown.update(plain("⚠ " + "\n⚠ ".join(self.refusals)))
        else:
            shown.update("")

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
        reason = self.query_one("#silence-override", Input).value.strip()
        if self.refusals and not reason:
            error.update(plain(f"{self.refusals[0]}; type an override reason to go ahead"))
            self.query_one("#silence-override", Input).focus()
            return
        self.dismiss(SilenceForm(matchers, minutes, comment, reason if self.refusals else ""))

    @on(Button.Pressed, "#silence-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


def _format_minutes(minutes: float) -> str:
    if minutes % 60 == 0:
        return f"{int(minutes // 60)}h"
    return f"{minutes:g}m"
