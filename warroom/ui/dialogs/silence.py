"""The silence dialog: editable matchers with a live count of what they will catch and where
(which Alertmanager clusters the silence is made in), the silence policy's verdict as they
change (a refusal takes a typed reason to go ahead), a second, explicit confirmation for a
silence on only broad labels or on many alerts, a group's members, and the similar silences
the region finds (`show_known`, attributes down: the dialog waits on nothing).
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from warroom.domain.alerts import Alert, Matcher, Silence, matching_alerts
from warroom.domain.placement import where_text
from warroom.domain.silence_policy import (
    SilencePolicy,
    refusals,
    second_look,
    similar_silences,
)
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
        clusters: Mapping[str, str] | None = None,
        members: Sequence[Alert] = (),
    ) -> None:
        super().__init__()
        self.clusters = clusters or {}  # source name -> cluster: where the silence will go
        self.members = tuple(members)  # a group's alerts, listed in the preview
        self.confirmed: tuple[Matcher, ...] | None = None  # asked once, for these matchers
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
            if self.members:
                yield Static(plain(_members_text(self.members)), id="silence-members")
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
            yield Static("", id="silence-confirm", classes="error")
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
        listed = ", ".join(clip(one_line(n), 40) for n in names[:4]) + (
            " …" if len(names) > 4 else ""
        )
        where = where_text(caught, self.clusters) if self.clusters else ""
        held = sum(a.is_silenced for a in caught)  # the log entry counts them the same way
        preview.update(
            plain(
                f"will silence {len(caught)} firing alert{'s' if len(caught) != 1 else ''}"
                + (f": {listed}" if listed else "")
                + (f" ({held} already silenced or acked)" if held else "")
                + (f"\nwhere: {where}" if where else "")
            )
        )
        if self.confirmed is not None and self.confirmed != matchers:
            self.confirmed = None  # what was confirmed is not what will be made
            self.query_one("#silence-confirm", Static).update("")

    def _check_policy(self, matchers: Sequence[Matcher]) -> None:
        self.refusals = [r.message for r in refusals(self.policy, matchers, self.alerts)]
        shown = self.query_one("#silence-policy", Static)
        override = self.query_one("#silence-override", Input)
        override.display = bool(self.refusals)
        if self.refusals:
            shown.update(plain("⚠ " + "\n⚠ ".join(self.refusals)))
        else:
            shown.update("")

    @on(Input.Submitted)
    def submitted(self) -> None:
        """Enter saves, but never gives the second confirmation (a bounced Enter must not)."""
        self._save(explicit=False)

    @on(Button.Pressed, "#silence-ok")
    def action_save(self) -> None:
        """ctrl+s or the Silence button: the only ways to give the second confirmation."""
        self._save(explicit=True)

    def _save(self, *, explicit: bool) -> None:
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
        again = second_look(self.policy, matchers, self.alerts)
        if again and not (explicit and self.confirmed == matchers):
            self.confirmed = matchers
            self.query_one("#silence-confirm", Static).update(
                plain(f"⚠ {again}: press Silence (ctrl+s) again to make it")
            )
            return
        self.dismiss(SilenceForm(matchers, minutes, comment, reason if self.refusals else ""))

    @on(Button.Pressed, "#silence-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


def _members_text(members: Sequence[Alert], shown: int = 4) -> str:
    """`group of 7 alerts: api-1, api-2, api-3, api-4 … and 3 more`."""
    names = [clip(one_line(a.instance or a.service or a.fingerprint), 30) for a in members]
    more = f" … and {len(names) - shown} more" if len(names) > shown else ""
    return f"group of {len(members)} alerts: " + ", ".join(names[:shown]) + more


def _format_minutes(minutes: float) -> str:
    if minutes % 60 == 0:
        return f"{int(minutes // 60)}h"
    return f"{minutes:g}m"
