"""Small modal dialogs. Each only asks; the war-room screen acts on the answer."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

if TYPE_CHECKING:
    from textual.widgets import Button

# Button, Select and TextArea are imported where a dialog is composed: the console's first
# frame needs none of them.

from warroom.domain.clock import format_age
from warroom.domain.incident import DEFAULT_POLICIES, IncidentSeverity, SeverityPolicy
from warroom.domain.untrusted import inert, one_line


def plain(text: str) -> Text:
    """Text for a dialog, never read as markup: titles, hints and commands carry alert labels,
    step text and what the commander typed (a `[/x]` there is shown, not parsed)."""
    return Text(inert(text))


DIALOG_CSS = """
ModalScreen { align: center middle; background: $background 60%; }
ModalScreen > Vertical {
    width: 90; max-width: 95%; height: auto; max-height: 90%;
    border: thick $accent; background: $surface; padding: 1 2;
}
ModalScreen Label.title { text-style: bold; margin-bottom: 1; }
ModalScreen .command { background: $panel; padding: 0 1; margin: 1 0; }
ModalScreen .hint { color: $foreground 60%; }
ModalScreen .error { color: $error; }
ModalScreen Horizontal.buttons { height: auto; margin-top: 1; align-horizontal: right; }
ModalScreen Button { margin-left: 1; }
ModalScreen TextArea { height: 14; }
"""


class TextPrompt(ModalScreen[str | None]):
    """One line of text (a note, a file name, a name to type to confirm)."""

    DEFAULT_CSS = DIALOG_CSS
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(
        self,
        title: str,
        *,
        placeholder: str = "",
        value: str = "",
        hint: str = "",
        must_equal: str | None = None,
    ) -> None:
        super().__init__()
        self.title_text = title
        self.placeholder = placeholder
        self.value = value
        self.hint = hint
        self.must_equal = must_equal
        self.answered = False  # dismissed once; any later Enter or Esc is ignored

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(plain(self.title_text), classes="title")
            if self.hint:
                yield Static(plain(self.hint), classes="hint")
            yield Input(value=one_line(self.value), placeholder=self.placeholder, id="prompt-input")
            yield Static("", id="prompt-error", classes="error")

    @on(Input.Submitted)
    def submit(self, event: Input.Submitted) -> None:
        if self.answered:  # a second Enter before the prompt has closed: the first one counts
            return
        value = event.value.strip()
        if self.must_equal is not None and value != self.must_equal:
            self.query_one("#prompt-error", Static).update(
                plain(f"type exactly: {self.must_equal}")
            )
            return
        self.answered = True
        self.dismiss(value or None)

    def action_cancel(self) -> None:
        if not self.answered:
            self.answered = True
            self.dismiss(None)


class Confirm(ModalScreen[bool]):
    """Yes or no, showing exactly what will happen."""

    DEFAULT_CSS = DIALOG_CSS
    BINDINGS = [
        Binding("y", "answer(True)", "Yes"),
        Binding("n,escape", "answer(False)", "No"),
    ]

    def __init__(self, question: str, detail: str = "") -> None:
        super().__init__()
        self.question = question
        self.detail = detail

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(plain(self.question), classes="title")
            if self.detail:
                yield Static(plain(self.detail), classes="command")
            yield Static("y = yes · n / esc = no", classes="hint")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


@dataclass(frozen=True, slots=True)
class DeclareForm:
    title: str
    severity: IncidentSeverity
    services: list[str]
    impact: str


def severity_line(severity: IncidentSeverity, policy: SeverityPolicy) -> str:
    """ "P1 · respond within 15m · resolve within 2h · updates every 15m · Technical leads"."""
    return (
        f"{severity.value} · respond within {format_age(policy.response_s)} · resolve "
        f"within {format_age(policy.resolution_s)} · updates every "
        f"{format_age(policy.update_every_s)} · {policy.escalation}"
    )


class DeclareDialog(ModalScreen[DeclareForm | None]):
    """The severity is chosen seeing what each level commits to: the response times of the
    incident log's policies (`domain.incident.DEFAULT_POLICIES` unless configured)."""

    DEFAULT_CSS = DIALOG_CSS
    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("ctrl+s", "save", "Declare")]

    def __init__(
        self,
        title: str = "",
        severity: IncidentSeverity = IncidentSeverity.P1,
        services: str = "",
        policies: Mapping[IncidentSeverity, SeverityPolicy] = DEFAULT_POLICIES,
    ) -> None:
        super().__init__()
        self.initial = (title, severity, services)
        self.policies = {s: policies.get(s, DEFAULT_POLICIES[s]) for s in IncidentSeverity}

    def compose(self) -> ComposeResult:
        from textual.widgets import Button, Select

        title, severity, services = self.initial
        with Vertical():
            yield Label("Declare an incident", classes="title")
            yield Input(value=one_line(title), placeholder="title", id="declare-title")
            yield Select(
                [(severity_line(s, p), s) for s, p in self.policies.items()],
                value=severity,
                allow_blank=False,
                id="declare-severity",
            )
            levels = "\n".join(severity_line(s, p) for s, p in self.policies.items())
            yield Static(plain(levels), classes="hint", id="declare-levels")
            yield Input(
                value=one_line(services),
                placeholder="services affected (comma separated)",
                id="declare-services",
            )
            yield Input(placeholder="impact (who is affected, how)", id="declare-impact")
            yield Static("", id="declare-error", classes="error")
            with Horizontal(classes="buttons"):
                yield Button("Declare", variant="error", id="declare-ok")
                yield Button("Cancel", id="declare-cancel")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "declare-ok":
            self.action_save()
        else:
            self.action_cancel()

    @on(Input.Submitted)
    def action_save(self) -> None:
        title = self.query_one("#declare-title", Input).value.strip()
        if not title:
            self.query_one("#declare-error", Static).update("a title is required")
            return
        severity = self.query_one("#declare-severity").value  # type: ignore[attr-defined]
        services = [
            s.strip()
            for s in self.query_one("#declare-services", Input).value.split(",")
            if s.strip()
        ]
        impact = self.query_one("#declare-impact", Input).value.strip()
        self.dismiss(
            DeclareForm(
                title,
                severity if isinstance(severity, IncidentSeverity) else IncidentSeverity.P1,
                services,
                impact,
            )
        )

    def action_cancel(self) -> None:
        self.dismiss(None)


class EditText(ModalScreen[str | None]):
    """A block of text to review and edit (status updates); ctrl+s accepts."""

    DEFAULT_CSS = DIALOG_CSS
    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("ctrl+s", "accept", "Copy & log")]

    def __init__(
        self, title: str, text: str, hint: str = "ctrl+s copies it and logs it · esc cancels"
    ) -> None:
        super().__init__()
        self.title_text = title
        self.text = text
        self.hint = hint

    def compose(self) -> ComposeResult:
        from textual.widgets import TextArea

        with Vertical():
            yield Label(plain(self.title_text), classes="title")
            yield TextArea(self.text, id="edit-text")
            yield Static(plain(self.hint), classes="hint")

    def action_accept(self) -> None:
        self.dismiss(self.query_one("#edit-text").text)  # type: ignore[attr-defined]

    def action_cancel(self) -> None:
        self.dismiss(None)


class Choose(ModalScreen[str | None]):
    """Pick one of a few named options."""

    DEFAULT_CSS = DIALOG_CSS
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(
        self, title: str, options: list[tuple[str, str]], value: str | None = None
    ) -> None:
        super().__init__()
        self.title_text = title
        self.options = options
        self.value = value

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(plain(self.title_text), classes="title")
            yield OptionList(
                *[Option(plain(label), id=key) for key, label in self.options], id="choose-list"
            )

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
